/** Sign in with the handler's mobile number (or a staff login) and password. */
import { Button, Card, Form, Input, Typography } from "antd";
import { useState } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { useAuth } from "../auth";
import { usePageTitle } from "../components/AppLayout";
import { ErrorAlert } from "../components/errors";
import { useI18n } from "../i18n";

/** Only a path on this site: never an absolute URL from the query string. */
function safeNext(next: string | null): string | undefined {
  return next && next.startsWith("/") && !next.startsWith("//") ? next : undefined;
}

export function SignIn() {
  const { t } = useI18n();
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  usePageTitle(t("auth.signIn"));

  const submit = async (values: { login: string; password: string }) => {
    setBusy(true);
    setError(undefined);
    try {
      const actor = await signIn(values.login.trim(), values.password);
      navigate(actor.kind === "staff" ? "/office" : (safeNext(params.get("next")) ?? "/portal"), {
        replace: true,
      });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card className="narrow-sm" title={<h1 style={{ margin: 0, fontSize: 20 }}>{t("auth.signIn")}</h1>}>
      <ErrorAlert error={error} />
      <Form layout="vertical" onFinish={submit} requiredMark={false}>
        <Form.Item
          label={t("auth.login")}
          name="login"
          extra={t("auth.loginHint")}
          rules={[{ required: true, message: t("auth.loginRequired") }]}
        >
          <Input autoComplete="username" inputMode="tel" />
        </Form.Item>
        <Form.Item
          label={t("auth.password")}
          name="password"
          rules={[{ required: true, message: t("auth.passwordRequired") }]}
        >
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <div className="forgot-link">
          <Link to="/forgot-password">{t("forgot.link")}</Link>
        </div>
        <Button type="primary" htmlType="submit" block loading={busy}>
          {t("auth.signIn")}
        </Button>
      </Form>
      <Typography.Paragraph style={{ marginTop: 16, marginBottom: 0 }}>
        {t("auth.noAccount")} <Link to="/sign-up">{t("auth.signUp")}</Link>
      </Typography.Paragraph>
    </Card>
  );
}
