/** Turning a failure into a sentence in the UI's language: the server's message, never its code. */
import { Alert, Button } from "antd";
import { isApiError } from "../api/client";
import { useAuth } from "../auth";
import { useI18n, type I18n } from "../i18n";
import { Forbidden } from "../pages/Forbidden";

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
