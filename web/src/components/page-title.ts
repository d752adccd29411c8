/** The browser tab's title: kept apart from the layouts so the light landing frame can use it. */
import { useEffect } from "react";
import { useI18n } from "../i18n";

/** Sets the browser tab's title for the page. */
export function usePageTitle(title: string | undefined): void {
  const { t } = useI18n();
  useEffect(() => {
    document.title = title ? `${title} · ${t("app.name")}` : t("app.name");
  }, [title, t]);
}
