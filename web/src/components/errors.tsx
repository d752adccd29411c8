/** A failure shown in the UI's language, in Ant Design's alert (the sentence: lib/error-text.ts). */
import { Alert, Button } from "antd";
import { useI18n } from "../i18n";
import { errorText } from "../lib/error-text";

export { errorText };

export function useErrorText(): (e: unknown) => string {
  const i18n = useI18n();
  return (e) => errorText(e, i18n);
}

export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const i18n = useI18n();
  if (error === undefined || error === null) return null;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      message={errorText(error, i18n)}
      action={
        onRetry ? (
          <Button size="small" onClick={onRetry}>
            {i18n.t("common.retry")}
          </Button>
        ) : undefined
      }
      style={{ marginBottom: 16 }}
    />
  );
}
