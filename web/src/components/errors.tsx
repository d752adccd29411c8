/** A failure shown in the UI's language, in Ant Design's alert (the sentence: lib/error-text.ts). */
import { Alert, Button } from "antd";
import { isApiError } from "../api/client";
import { useAuth } from "../auth";
import { useI18n } from "../i18n";
import { errorText } from "../lib/error-text";
import { Forbidden } from "../pages/Forbidden";

export { errorText };

export function useErrorText(): (e: unknown) => string {
  const i18n = useI18n();
  return (e) => errorText(e, i18n);
}

/**
 * A failure as an alert, with a retry when the caller offers one. A page whose data the server
 * refused with 403 (a load error: it comes with onRetry, which could not help) shows the 403 page.
 */
export function ErrorAlert({ error, onRetry }: { error: unknown; onRetry?: () => void }) {
  const i18n = useI18n();
  const { actor } = useAuth();
  if (error === undefined || error === null) return null;
  if (onRetry && isApiError(error) && error.status === 403)
    return <Forbidden actor={actor} message={errorText(error, i18n)} />;
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
