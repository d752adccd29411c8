/** Turning a failure into a sentence in the UI's language: the server's message, never its code. */
import { isApiError } from "../api/client";
import type { I18n } from "../i18n";

export function errorText(e: unknown, i18n: Pick<I18n, "locale" | "t">): string {
  if (isApiError(e)) {
    if (e.messages) return e.messages[i18n.locale];
    if (e.code === "network") return i18n.t("error.network");
    return i18n.t("error.http", { status: e.status });
  }
  return i18n.t("error.unexpected");
}
