/** Where staff land after signing in, until the back office's screens are built (the next issue). */
import { Result, Typography } from "antd";
import { usePageTitle } from "../components/AppLayout";
import { useI18n } from "../i18n";

export function OfficePlaceholder() {
  const { t } = useI18n();
  usePageTitle(t("office.title"));
  return (
    <Result
      status="info"
      title={t("office.title")}
      subTitle={
        <Typography.Paragraph>
          {t("office.text")} <a href="/docs">{t("layout.apiDocs")}</a>
        </Typography.Paragraph>
      }
    />
  );
}
