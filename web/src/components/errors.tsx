/** Turning a failure into a sentence in the UI's language: the server's message, never its code. */
import { Alert, Button } from "antd";
import { isApiError } from "../api/client";
import { useI18n, type I18n } from "../i18n";

export function errorText(e: unknown, i18n: Pick<I18n, "locale" | "t">): string {
  if (isApiError(e)) {
    if (e.messages) return e.messages[i18n.locale];
    if (e.code === "network") return i18n.t("error.network");
    return i18n.t("error.http", { status: e.status });
  }
  return i18n.t("error.unexpected");
}

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
