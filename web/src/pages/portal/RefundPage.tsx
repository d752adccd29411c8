/**
 * Asking for a refund of one order: whether the refund rule allows it now and why (the server's
 * decision, GET /api/orders/:id/refund-eligibility), what must be mailed, and the request itself.
 */
import { Alert, Button, Card, Descriptions, Form, Input, Spin, Typography } from "antd";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api, idempotencyKey } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type { Order, Programme, RefundEligibility } from "../../api/types";
import { PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert } from "../../components/errors";
import { MaterialRequirements } from "../../components/MaterialRequirements";
import { StateTag } from "../../components/StateTag";
import { useI18n, type I18n } from "../../i18n";
import { yuan } from "../../lib/format";
import { MailingAddress } from "./OrderPage";

/**
 * The server's reason, translated by the server; where it has no message for a code (it then
 * echoes the code), the portal's own words, so a person never reads a code.
 */
function refusalText(decision: RefundEligibility, t: I18n["t"]): string {
  if (decision.reason && decision.reason !== decision.code) return decision.reason;
  return t(decision.code === "rules.refund.nothing_paid" ? "refund.nothingPaid" : "refund.reasonUnknown");
}

export function RefundPage() {
  const { orderId = "" } = useParams();
  const { t, loc, locale } = useI18n();
  const navigate = useNavigate();
  const [key] = useState(idempotencyKey);
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<unknown>(undefined);
  usePageTitle(t("refund.title"));

  const data = useLoad(
    async (signal) => {
      const order = await api.get<Order>(`/api/orders/${orderId}`, signal);
      const [programme, refunds] = await Promise.all([
        api.get<Programme>(`/api/programmes/${order.programmeId}`, signal),
        api.get<Order[]>("/api/orders?service=refund&limit=500", signal),
      ]);
      return { order, programme, refunds: refunds.filter((r) => r.targetOrderId === order.id) };
    },
    [orderId],
  );
  // The reason comes translated by the server: ask again in the new language.
  const eligibility = useLoad(
    (signal) => api.get<RefundEligibility>(`/api/orders/${orderId}/refund-eligibility`, signal),
    [orderId, locale],
  );

  if (data.error) return <ErrorAlert error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Spin tip={t("common.loading")} />;
  const { order, programme, refunds } = data.data;
  const refund = programme.services.refund;
  const open = refunds.find((r) => !["cancelled", "expired"].includes(r.state));

  const create = async (values: { reason: string }) => {
    setCreating(true);
    setCreateError(undefined);
    try {
      const created = await api.post<Order>(
        "/api/orders",
        {
          programmeId: programme.id,
          service: "refund",
          details: { targetOrderId: order.id, reason: values.reason.trim() },
        },
        { "idempotency-key": key },
      );
      navigate(`/portal/orders/${created.id}`);
    } catch (e) {
      setCreateError(e);
    } finally {
      setCreating(false);
    }
  };

  return (
    <div className="narrow" style={{ maxWidth: 880 }}>
      <PageHeading
        title={t("refund.title")}
        sub={<Link to={`/portal/orders/${order.id}`}>{t("refund.backToOrder")}</Link>}
      />
      <Card size="small" style={{ marginBottom: 16 }}>
        <Descriptions size="small" column={{ xs: 1, md: 2 }}>
          <Descriptions.Item label={t("order.number")}>{order.number}</Descriptions.Item>
          <Descriptions.Item label={t("order.service")}>
            {loc(programme.services[order.service]?.name)} · {loc(programme.name)}
          </Descriptions.Item>
          <Descriptions.Item label={t("order.state")}>
            <StateTag state={order.state} />
          </Descriptions.Item>
          <Descriptions.Item label={t("order.total")}>¥{yuan(order.totalFen)}</Descriptions.Item>
        </Descriptions>
      </Card>
      {!refund ? (
        <Alert
          type="info"
          showIcon
          message={t("refund.notOffered")}
          description={t("refund.contact", {
            phone: programme.contacts.phone,
            email: programme.contacts.email,
          })}
        />
      ) : (
        <>
          <Card
            title={<h2 className="card-title">{t("refund.eligibility")}</h2>}
            style={{ marginBottom: 16 }}
          >
            <ErrorAlert error={eligibility.error} onRetry={eligibility.reload} />
            {eligibility.data ? (
              eligibility.data.allowed ? (
                <Alert type="success" showIcon role="status" message={t("refund.allowed")} />
              ) : (
                <Alert
                  type="error"
                  showIcon
                  role="status"
                  message={t("refund.notAllowed")}
                  description={refusalText(eligibility.data, t)}
                />
              )
            ) : (
              !eligibility.error && <Spin />
            )}
            <Typography.Paragraph style={{ marginTop: 12 }}>{loc(refund.description)}</Typography.Paragraph>
            {programme.rules.refundPaymentDeadlineWorkingDays !== undefined && (
              <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
                {t("refund.paidWithin", { n: programme.rules.refundPaymentDeadlineWorkingDays })}
              </Typography.Paragraph>
            )}
          </Card>
          {refund.materials.length > 0 && (
            <Card
              title={<h2 className="card-title">{t("refund.materials")}</h2>}
              style={{ marginBottom: 16 }}
            >
              {refund.materials.map((m) => (
                <div key={m.id} style={{ marginBottom: 12 }}>
                  <Typography.Text strong>{loc(m.name)}</Typography.Text>
                  <MaterialRequirements material={m} />
                </div>
              ))}
              <MailingAddress programme={programme} />
            </Card>
          )}
          {open ? (
            <Alert
              type="info"
              showIcon
              message={t("refund.alreadyRequested", { number: open.number })}
              action={
                <Button onClick={() => navigate(`/portal/orders/${open.id}`)}>
                  {t("refund.openRequest")}
                </Button>
              }
            />
          ) : (
            <Card title={<h2 className="card-title">{t("refund.request")}</h2>}>
              <ErrorAlert error={createError} />
              <Form layout="vertical" onFinish={create} disabled={!eligibility.data?.allowed}>
                <Form.Item
                  label={t("refund.reason")}
                  name="reason"
                  rules={[{ required: true, whitespace: true, message: t("refund.reasonRequired") }]}
                >
                  <Input.TextArea maxLength={1000} autoSize={{ minRows: 3, maxRows: 6 }} />
                </Form.Item>
                <Button type="primary" htmlType="submit" loading={creating}>
                  {t("refund.create")}
                </Button>
              </Form>
            </Card>
          )}
        </>
      )}
    </div>
  );
}
