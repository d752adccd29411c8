/**
 * The courier and tracking number of the paper originals the applicant mails: given in the portal
 * (checked loosely by the server's own validator), changed until the service centre records the
 * paper received, then shown as kept.
 */
import { AutoComplete, App, Button, Card, Col, Form, Input, Row, Typography } from "antd";
import { useState } from "react";
import { paperStillToArrive } from "../../../../src/domain/lifecycle.js";
import { validateCarrierName, validateTrackingNumber } from "../../../../src/domain/validators.js";
import { api } from "../../api/client";
import type { Order, Programme } from "../../api/types";
import { ErrorAlert } from "../../components/errors";
import { useI18n } from "../../i18n";
import { dateTimeOf } from "../../lib/format";
import { serverText } from "../../lib/guards";

interface Values {
  carrier: string;
  trackingNumber: string;
}

/** Whether the order's page shows the card: paper to mail, and the number may be given or was. */
export function showsPaperTracking(order: Order, programme: Programme): boolean {
  const def = programme.services[order.service];
  if (!def?.steps.includes("paper")) return false;
  return order.state === "awaiting_paper" || order.paperTracking !== null;
}

export function PaperTrackingCard({
  order,
  programme,
  onSaved,
}: {
  order: Order;
  programme: Programme;
  onSaved: () => void;
}) {
  const { t, locale } = useI18n();
  const { message } = App.useApp();
  const [form] = Form.useForm<Values>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const given = order.paperTracking;
  const editable = paperStillToArrive({ steps: programme.services[order.service]?.steps ?? [] }, order.state);

  const save = async (values: Values) => {
    setSaving(true);
    setError(undefined);
    try {
      await api.put<Order>(`/api/orders/${order.id}/paper-tracking`, values);
      void message.success(t("guards.paper.saved"));
      onSaved();
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  };

  return (
    <Card title={<h2 className="card-title">{t("guards.paper.title")}</h2>} style={{ marginBottom: 16 }}>
      {given && (
        <Typography.Paragraph strong className="wrap-anywhere" copyable={{ text: given.trackingNumber }}>
          {t("guards.paper.given", {
            carrier: given.carrier,
            number: given.trackingNumber,
            at: dateTimeOf(given.at),
          })}
        </Typography.Paragraph>
      )}
      {!editable ? (
        <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
          {t("guards.paper.locked")}
        </Typography.Paragraph>
      ) : (
        <>
          <Typography.Paragraph type="secondary">{t("guards.paper.hint")}</Typography.Paragraph>
          <ErrorAlert error={error} />
          <Form<Values>
            form={form}
            layout="vertical"
            initialValues={{ carrier: given?.carrier ?? "", trackingNumber: given?.trackingNumber ?? "" }}
            onFinish={(v) => void save(v)}
          >
            <Row gutter={16}>
              <Col xs={24} md={10}>
                <Form.Item
                  label={t("guards.paper.carrier")}
                  name="carrier"
                  rules={[{ validator: async (_, v?: string) => check(validateCarrierName(v ?? "")) }]}
                >
                  <AutoComplete
                    options={t("guards.paper.carriers")
                      .split(",")
                      .map((c) => ({ value: c }))}
                    filterOption={(input, option) =>
                      String(option?.value ?? "")
                        .toLowerCase()
                        .includes(input.toLowerCase())
                    }
                  >
                    <Input maxLength={30} />
                  </AutoComplete>
                </Form.Item>
              </Col>
              <Col xs={24} md={14}>
                <Form.Item
                  label={t("guards.paper.number")}
                  name="trackingNumber"
                  rules={[{ validator: async (_, v?: string) => check(validateTrackingNumber(v ?? "")) }]}
                >
                  <Input maxLength={40} spellCheck={false} autoCapitalize="characters" inputMode="text" />
                </Form.Item>
              </Col>
            </Row>
            <Button type="primary" htmlType="submit" loading={saving}>
              {given ? t("guards.paper.update") : t("guards.paper.save")}
            </Button>
          </Form>
        </>
      )}
    </Card>
  );

  /** A validator's refusal in the server's words. */
  function check(
    result: { valid: true } | { valid: false; reason: string; params?: Record<string, string | number> },
  ) {
    if (!result.valid) throw new Error(serverText(result.reason, result.params ?? {}, locale));
  }
}
