/**
 * A forgotten password: the handler's mobile, a code by SMS, a new password (the sign-up rule),
 * and the handler is signed in. The desk answers every number alike, so the page says "if this
 * number is registered"; staff are told to ask their administrator.
 */
import { Alert, App, Button, Card, Form, Input, Typography } from "antd";
import { useEffect, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { saveDeskSession } from "../api/agent";
import { api } from "../api/client";
import type { Actor } from "../api/types";
import { useAuth } from "../auth";
import { usePageTitle } from "../components/AppLayout";
import { ErrorAlert } from "../components/errors";
import { useI18n } from "../i18n";
import { confirmPasswordRules, newPasswordRules } from "../lib/password-rules";

interface Sent {
  mobile: string;
  expiresInMinutes: number;
  /** when a new code may be asked for (ms since the epoch) */
  resendAt: number;
}

interface ResetValues {
  code: string;
  password: string;
  confirm: string;
}

/** Seconds until `at`, ticking every second while above zero. */
function useSecondsUntil(at: number | undefined): number {
  const left = () => (at === undefined ? 0 : Math.max(0, Math.ceil((at - Date.now()) / 1000)));
  const [seconds, setSeconds] = useState(left);
  useEffect(() => {
    setSeconds(left());
    if (at === undefined) return;
    const timer = setInterval(() => {
      const s = left();
      setSeconds(s);
      if (s === 0) clearInterval(timer);
    }, 1000);
    return () => clearInterval(timer);
    // eslint-disable-next-line react-hooks/exhaustive-deps -- left reads only `at`
  }, [at]);
  return seconds;
}

export function ForgotPassword() {
  const { t } = useI18n();
  const { refresh } = useAuth();
  const { message } = App.useApp();
  const navigate = useNavigate();
  const [sent, setSent] = useState<Sent | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  const wait = useSecondsUntil(sent?.resendAt);
  usePageTitle(t("forgot.title"));

  const ask = async (mobile: string) => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await api.post<{ resendAfterSeconds: number; expiresInMinutes: number }>(
        "/api/auth/password-reset/request",
        { login: mobile },
      );
      setSent({
        mobile,
        expiresInMinutes: answer.expiresInMinutes,
        resendAt: Date.now() + answer.resendAfterSeconds * 1000,
      });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  const reset = async (values: ResetValues) => {
    if (!sent) return;
    setBusy(true);
    setError(undefined);
    try {
      const session = await api.post<{ token: string; actor: Actor }>("/api/auth/password-reset/confirm", {
        login: sent.mobile,
        code: values.code.trim(),
        password: values.password,
      });
      saveDeskSession(session.token);
      await refresh();
      message.success(t("forgot.done"));
      navigate("/portal", { replace: true });
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };

  return (
    <Card className="narrow-sm" title={<h1 style={{ margin: 0, fontSize: 20 }}>{t("forgot.title")}</h1>}>
      <ErrorAlert error={error} />
      {!sent ? (
        <>
          <Typography.Paragraph>{t("forgot.intro")}</Typography.Paragraph>
          <Form
            layout="vertical"
            requiredMark={false}
            onFinish={(v: { mobile: string }) => void ask(v.mobile.trim())}
          >
            <Form.Item
              label={t("forgot.mobile")}
              name="mobile"
              rules={[{ required: true, whitespace: true, message: t("forgot.mobileRequired") }]}
            >
              <Input maxLength={30} inputMode="tel" autoComplete="username" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy}>
              {t("forgot.send")}
            </Button>
          </Form>
        </>
      ) : (
        <>
          <Alert
            type="info"
            showIcon
            role="status"
            message={t("forgot.sent", { mobile: sent.mobile, minutes: sent.expiresInMinutes })}
            style={{ marginBottom: 16 }}
          />
          <Form layout="vertical" requiredMark={false} onFinish={reset}>
            <Form.Item
              label={t("forgot.code")}
              name="code"
              rules={[
                { required: true, message: t("forgot.codeRequired") },
                { pattern: /^\s*\d{6}\s*$/, message: t("forgot.codeRequired") },
              ]}
            >
              <Input maxLength={6} inputMode="numeric" autoComplete="one-time-code" spellCheck={false} />
            </Form.Item>
            <Form.Item
              label={t("forgot.newPassword")}
              name="password"
              extra={t("signUp.passwordHint")}
              rules={newPasswordRules(t)}
            >
              <Input.Password autoComplete="new-password" />
            </Form.Item>
            <Form.Item
              label={t("forgot.confirm")}
              name="confirm"
              dependencies={["password"]}
              rules={confirmPasswordRules(t)}
            >
              <Input.Password autoComplete="new-password" />
            </Form.Item>
            <Button type="primary" htmlType="submit" block loading={busy}>
              {t("forgot.submit")}
            </Button>
          </Form>
          <div className="forgot-actions">
            <Button disabled={wait > 0 || busy} onClick={() => void ask(sent.mobile)}>
              {wait > 0 ? t("forgot.resendIn", { seconds: wait }) : t("forgot.resend")}
            </Button>
            <Button type="link" onClick={() => setSent(undefined)}>
              {t("forgot.otherMobile")}
            </Button>
          </div>
        </>
      )}
      <Typography.Paragraph type="secondary" style={{ marginTop: 16 }}>
        {t("forgot.staff")}
      </Typography.Paragraph>
      <Typography.Paragraph style={{ marginBottom: 0 }}>
        <Link to="/sign-in">{t("forgot.backToSignIn")}</Link>
      </Typography.Paragraph>
    </Card>
  );
}
