/**
 * An organisation signs up with its handler. The credit code, ID number and mobile are checked by
 * the server as each field is left (POST /api/validate/:kind), and its message is shown there.
 */
import { Button, Card, Col, Form, Input, Row, Typography, type FormInstance } from "antd";
import { useEffect, useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { api, isApiError } from "../api/client";
import type { ValidationResult } from "../api/types";
import { useAuth } from "../auth";
import { usePageTitle } from "../components/AppLayout";
import { ErrorAlert, useErrorText } from "../components/errors";
import { useI18n } from "../i18n";
import { confirmPasswordRules, newPasswordRules } from "../lib/password-rules";

interface SignUpValues {
  organisationName: string;
  uscc: string;
  address?: string;
  handlerName: string;
  idNumber: string;
  mobile: string;
  password: string;
  confirm: string;
}

type Checked = "uscc" | "idNumber" | "mobile";
const KIND: Record<Checked, "uscc" | "id" | "mobile"> = { uscc: "uscc", idNumber: "id", mobile: "mobile" };

/** A rule that asks the server; the value it normalises (upper case, no spaces) replaces the input. */
function serverCheck(form: FormInstance<SignUpValues>, field: Checked, errorText: (e: unknown) => string) {
  return {
    validator: async (_: unknown, value: string | undefined) => {
      if (!value) return;
      let result: ValidationResult;
      try {
        result = await api.post<ValidationResult>(`/api/validate/${KIND[field]}`, { value });
      } catch (e) {
        throw new Error(errorText(e));
      }
      if (!result.valid) throw new Error(result.reason ?? "");
      if (result.value && result.value !== value) form.setFieldValue(field, result.value);
    },
  };
}

export function SignUp() {
  const { t, locale } = useI18n();
  const [form] = Form.useForm<SignUpValues>();
  const { signIn } = useAuth();
  const navigate = useNavigate();
  const errorText = useErrorText();
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);
  usePageTitle(t("auth.signUp"));

  // The server's messages come in the UI's language: ask again when it changes.
  useEffect(() => {
    const shown = form
      .getFieldsError()
      .filter((f) => f.errors.length > 0)
      .map((f) => f.name);
    if (shown.length) void form.validateFields(shown).catch(() => undefined);
  }, [locale, form]);

  const submit = async (values: SignUpValues) => {
    setBusy(true);
    setError(undefined);
    try {
      const { confirm: _confirm, ...body } = values;
      await api.post("/api/auth/sign-up", { ...body, address: body.address || undefined });
      await signIn(body.mobile, body.password);
      navigate("/portal", { replace: true });
    } catch (e) {
      const field = isApiError(e) ? e.params.field : undefined;
      const byCode: Record<string, keyof SignUpValues> = {
        "auth.organisation_exists": "uscc",
        "auth.mobile_taken": "mobile",
        "auth.password_weak": "password",
        "auth.organisation_name_required": "organisationName",
        "auth.handler_name_required": "handlerName",
      };
      const name = typeof field === "string" ? field : isApiError(e) ? byCode[e.code] : undefined;
      if (name && name in form.getFieldsValue()) {
        form.setFields([{ name: name as keyof SignUpValues, errors: [errorText(e)] }]);
      } else setError(e);
    } finally {
      setBusy(false);
    }
  };

  const required = (message: string) => ({ required: true, whitespace: true, message });

  return (
    <Card
      style={{ maxWidth: 880, margin: "0 auto" }}
      title={<h1 style={{ margin: 0, fontSize: 20 }}>{t("signUp.title")}</h1>}
    >
      <Typography.Paragraph type="secondary">{t("signUp.intro")}</Typography.Paragraph>
      <ErrorAlert error={error} />
      <Form form={form} layout="vertical" onFinish={submit} scrollToFirstError>
        <Row gutter={24}>
          <Col xs={24} md={12}>
            <fieldset className="plain-fieldset">
              <legend>{t("signUp.organisation")}</legend>
              <Form.Item
                label={t("signUp.organisationName")}
                name="organisationName"
                rules={[required(t("signUp.organisationNameRequired"))]}
              >
                <Input maxLength={200} autoComplete="organization" />
              </Form.Item>
              <Form.Item
                label={t("signUp.uscc")}
                name="uscc"
                validateTrigger="onBlur"
                extra={t("signUp.usccHint")}
                rules={[required(t("signUp.usccRequired")), serverCheck(form, "uscc", errorText)]}
              >
                <Input maxLength={30} spellCheck={false} />
              </Form.Item>
              <Form.Item label={t("signUp.address")} name="address" extra={t("signUp.addressHint")}>
                <Input.TextArea
                  maxLength={300}
                  autoSize={{ minRows: 2, maxRows: 4 }}
                  autoComplete="street-address"
                />
              </Form.Item>
            </fieldset>
          </Col>
          <Col xs={24} md={12}>
            <fieldset className="plain-fieldset">
              <legend>{t("signUp.handler")}</legend>
              <Form.Item
                label={t("signUp.handlerName")}
                name="handlerName"
                rules={[required(t("signUp.handlerNameRequired"))]}
              >
                <Input maxLength={50} autoComplete="name" />
              </Form.Item>
              <Form.Item
                label={t("signUp.idNumber")}
                name="idNumber"
                validateTrigger="onBlur"
                rules={[required(t("signUp.idNumberRequired")), serverCheck(form, "idNumber", errorText)]}
              >
                <Input maxLength={30} spellCheck={false} />
              </Form.Item>
              <Form.Item
                label={t("signUp.mobile")}
                name="mobile"
                validateTrigger="onBlur"
                extra={t("signUp.mobileHint")}
                rules={[required(t("signUp.mobileRequired")), serverCheck(form, "mobile", errorText)]}
              >
                <Input maxLength={30} inputMode="tel" autoComplete="tel" />
              </Form.Item>
            </fieldset>
          </Col>
        </Row>
        <fieldset className="plain-fieldset">
          <legend>{t("signUp.passwordSection")}</legend>
          <Row gutter={24}>
            <Col xs={24} md={12}>
              <Form.Item
                label={t("auth.password")}
                name="password"
                extra={t("signUp.passwordHint")}
                rules={newPasswordRules(t)}
              >
                <Input.Password autoComplete="new-password" />
              </Form.Item>
            </Col>
            <Col xs={24} md={12}>
              <Form.Item
                label={t("signUp.confirm")}
                name="confirm"
                dependencies={["password"]}
                rules={confirmPasswordRules(t)}
              >
                <Input.Password autoComplete="new-password" />
              </Form.Item>
            </Col>
          </Row>
        </fieldset>
        <Button type="primary" htmlType="submit" loading={busy}>
          {t("signUp.submit")}
        </Button>
        <Typography.Text style={{ marginLeft: 16 }}>
          {t("signUp.haveAccount")} <Link to="/sign-in">{t("auth.signIn")}</Link>
        </Typography.Text>
      </Form>
    </Card>
  );
}
