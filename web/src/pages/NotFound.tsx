import { Button, Result } from "antd";
import { useNavigate } from "react-router-dom";
import { usePageTitle } from "../components/AppLayout";
import { useI18n } from "../i18n";

export function NotFound() {
  const { t } = useI18n();
  const navigate = useNavigate();
  usePageTitle(t("notFound.title"));
  return (
    <Result
      status="404"
      title={t("notFound.title")}
      subTitle={t("notFound.text")}
      extra={<Button onClick={() => navigate("/")}>{t("nav.home")}</Button>}
    />
  );
}
