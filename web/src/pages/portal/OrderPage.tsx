/**
 * One order, for its applicant: where it stands among its steps, what to do next (upload, submit,
 * pay, mail the paper, fix what was rejected), the deadline in working days, the quote, the
 * materials, the payments, the courier's tracking number and the full timeline.
 */
import { ReloadOutlined } from "@ant-design/icons";
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  Descriptions,
  Row,
  Space,
  Spin,
  Steps,
  Table,
  Tag,
  Typography,
} from "antd";
import { useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { tryNextState } from "../../../../src/domain/lifecycle.js";
import { api } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type { AuditEntry, Certificate, Order, Payment, Programme, UploadedMaterial } from "../../api/types";
import type { Applicant } from "../../auth";
import { PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert } from "../../components/errors";
import { QuoteTable } from "../../components/QuoteTable";
import { StateTag } from "../../components/StateTag";
import { useI18n } from "../../i18n";
import { dateOf, dateTimeOf, yuan } from "../../lib/format";
import { deskNextKey, dueKey, nextActionKey, stepIndex } from "../../lib/orders";
import { mailed, materialApplies, rejectedNotReplaced, requiredUploads } from "../../lib/programme";
import { useDetailsItems } from "./Apply";
import { MaterialsCard } from "./MaterialsCard";
import { PaperTrackingCard, showsPaperTracking } from "./PaperTracking";
import { OrderTimeline } from "./Timeline";
import { TransferReceipts, type TransferReceipt } from "./TransferReceiptCard";

interface Loaded {
  order: Order;
  programme: Programme;
  materials: UploadedMaterial[];
  audit: AuditEntry[];
  payments: Payment[];
  certificates: Certificate[];
  receipts: TransferReceipt[];
  /** A refund order's: the order it refunds, and what was paid for it. */
  refunded?: { order: Order; paidFen: number } | undefined;
}

export function OrderPage({ actor }: { actor: Applicant }) {
  const { orderId = "" } = useParams();
  const { t, loc } = useI18n();
  const navigate = useNavigate();
  const { modal, message } = App.useApp();
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [actionError, setActionError] = useState<unknown>(undefined);

  const data = useLoad<Loaded>(
    async (signal) => {
      const order = await api.get<Order>(`/api/orders/${orderId}`, signal);
      const [programme, materials, audit, payments, certificates] = await Promise.all([
        api.get<Programme>(`/api/programmes/${order.programmeId}`, signal),
        api.get<UploadedMaterial[]>(`/api/orders/${orderId}/materials`, signal),
        api.get<AuditEntry[]>(`/api/orders/${orderId}/audit`, signal),
        api.get<Payment[]>(`/api/orders/${orderId}/payments`, signal),
        api.get<Certificate[]>("/api/certificates", signal),
      ]);
      const receipts = programme.payment.channels.includes("bank-transfer")
        ? await api.get<TransferReceipt[]>(`/api/orders/${orderId}/transfer-receipts`, signal)
        : [];
      const refunded =
        order.service === "refund" && order.targetOrderId
          ? await refundedOrder(order.targetOrderId, signal)
          : undefined;
      return { order, programme, materials, audit, payments, certificates, receipts, refunded };
    },
    [orderId],
  );
  usePageTitle(data.data ? t("order.title", { number: data.data.order.number }) : t("order.titlePlain"));

  if (data.error) return <ErrorAlert error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Spin tip={t("common.loading")} />;
  const { order, programme, materials, audit, payments, certificates, receipts, refunded } = data.data;
  const def = programme.services[order.service];
  if (!def) return <Alert type="error" showIcon message={t("apply.serviceNotOffered")} />;
  const serviceName = loc(def.name);

  const act = async (name: string, run: () => Promise<unknown>, done?: string) => {
    setBusy(name);
    setActionError(undefined);
    try {
      await run();
      if (done) void message.success(done);
      await data.reload();
    } catch (e) {
      setActionError(e);
    } finally {
      setBusy(undefined);
    }
  };

  const pay = async () => {
    setBusy("pay");
    setActionError(undefined);
    try {
      const { payUrl } = await api.post<{ payUrl: string }>(`/api/orders/${order.id}/pay`);
      window.location.assign(payUrl);
    } catch (e) {
      setActionError(e);
      setBusy(undefined);
    }
  };

  const cancel = () =>
    modal.confirm({
      title: t("order.cancelConfirm"),
      content: t("order.cancelConfirmText"),
      okText: t("order.cancel"),
      okButtonProps: { danger: true },
      cancelText: t("common.back"),
      onOk: () => act("cancel", () => api.post(`/api/orders/${order.id}/cancel`), t("order.cancelled")),
    });

  // Reviewer's reasons: those naming a material go beside it, the rest beside the field.
  const byMaterial: Record<string, string> = {};
  const byField: Record<string, string> = {};
  const materialIds = new Set(def.materials.map((m) => m.id));
  for (const item of order.rejection?.items ?? []) {
    (materialIds.has(item.target) ? byMaterial : byField)[item.target] = item.reason;
  }
  const showRejection = order.rejection && (order.state === "rejected" || order.state === "resubmitted");

  const at = stepIndex(def, order);
  const stepsCurrent = order.state === "completed" ? def.steps.length : (at ?? 0);
  const stepStatus =
    order.state === "rejected"
      ? "error"
      : order.state === "completed"
        ? "finish"
        : order.state === "draft"
          ? "wait"
          : "process";
  const ended = ["cancelled", "expired", "refunded"].includes(order.state);

  const missing = requiredUploads(def, order.details).filter(
    (m) => !materials.some((u) => u.materialId === m.id),
  );
  const toReplace = rejectedNotReplaced(def, order, materials);
  const online = programme.payment.channels.includes("online");
  const paid = payments.some((p) => p.status === "succeeded");
  const shipments = audit.filter((e) => e.action === "order.ship");
  const next = nextActionKey(order, programme);
  const deskNext = next ? undefined : deskNextKey(order);
  const mailedMaterials = def.materials.filter(
    (m) => mailed(m) && materialApplies(m, order.details) !== "no",
  );
  const canRefund =
    Boolean(programme.services.refund) && order.service !== "refund" && paid && order.state !== "refunded";

  return (
    <>
      <PageHeading
        title={
          <>
            {serviceName} <StateTag state={order.state} />
          </>
        }
        sub={
          <Space wrap split="·">
            <span>
              {t("order.number")} {order.number}
            </span>
            <span>{loc(programme.name)}</span>
            <span>
              {t("order.created")} {dateTimeOf(order.createdAt)}
            </span>
          </Space>
        }
        extra={
          <>
            <Button
              icon={<ReloadOutlined aria-hidden />}
              aria-label={t("common.refresh")}
              onClick={() => void data.reload()}
              loading={data.loading}
            />
            {canRefund && (
              <Button onClick={() => navigate(`/portal/orders/${order.id}/refund`)}>
                {t("refund.request")}
              </Button>
            )}
            {tryNextState(def, order.state, "cancel") !== undefined && (
              <Button danger onClick={cancel} loading={busy === "cancel"}>
                {t("order.cancel")}
              </Button>
            )}
          </>
        }
      />
      {!ended && def.steps.length > 0 && (
        <Card size="small" style={{ marginBottom: 16 }}>
          <Steps
            size="small"
            current={stepsCurrent}
            status={stepStatus}
            items={def.steps.map((s) => ({ title: t(`step.${s}`) }))}
            aria-label={t("order.progress")}
          />
        </Card>
      )}
      <ErrorAlert error={actionError} />
      {refunded && (
        <Card title={<h2 className="card-title">{t("refundOrder.title")}</h2>} style={{ marginBottom: 16 }}>
          <Descriptions size="small" column={1} bordered>
            <Descriptions.Item label={t("refundOrder.of")}>
              <Link to={`/portal/orders/${refunded.order.id}`}>{refunded.order.number}</Link>
              {" · "}
              {loc(programme.services[refunded.order.service]?.name)}
            </Descriptions.Item>
            <Descriptions.Item label={t("refundOrder.amount")}>¥{yuan(refunded.paidFen)}</Descriptions.Item>
          </Descriptions>
        </Card>
      )}
      {showRejection && order.rejection && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={t("order.rejected", { date: dateTimeOf(order.rejection.at) })}
          description={order.rejection.reason}
        />
      )}
      {next && (
        <Alert
          type={order.state === "rejected" ? "warning" : "info"}
          showIcon
          role="status"
          style={{ marginBottom: 16 }}
          message={t("order.nextTitle")}
          description={
            <Space direction="vertical" style={{ width: "100%" }}>
              <span>{t(next)}</span>
              {order.state === "draft" && missing.length > 0 && (
                <span>
                  {t("order.stillMissing")} {missing.map((m) => loc(m.name)).join(t("common.listSeparator"))}
                </span>
              )}
              {toReplace.length > 0 && (
                <span>
                  {t("order.replaceRejectedFirst")}{" "}
                  {toReplace.map((m) => loc(m.name)).join(t("common.listSeparator"))}
                </span>
              )}
              <Space wrap className="next-actions">
                {order.state === "draft" && (
                  <Button
                    type="primary"
                    loading={busy === "submit"}
                    onClick={() =>
                      act("submit", () => api.post(`/api/orders/${order.id}/submit`), t("order.submitted"))
                    }
                  >
                    {t("order.submit")}
                  </Button>
                )}
                {order.state === "rejected" && (
                  <Button
                    type="primary"
                    loading={busy === "resubmit"}
                    disabled={toReplace.length > 0}
                    onClick={() =>
                      act(
                        "resubmit",
                        () => api.post(`/api/orders/${order.id}/resubmit`),
                        t("order.resubmitted"),
                      )
                    }
                  >
                    {t("order.resubmit")}
                  </Button>
                )}
                {order.state === "awaiting_payment" && online && (
                  <Button type="primary" loading={busy === "pay"} onClick={pay}>
                    {t("order.payOnline", { amount: yuan(order.totalFen) })}
                  </Button>
                )}
              </Space>
            </Space>
          }
        />
      )}
      {!online &&
        programme.payment.channels.includes("bank-transfer") &&
        order.state !== "awaiting_payment" &&
        receipts.length > 0 && (
          <Card
            title={<h2 className="card-title">{t("order.bankTransfer")}</h2>}
            style={{ marginBottom: 16 }}
          >
            <TransferReceipts
              order={order}
              programme={programme}
              receipts={receipts}
              onChanged={() => void data.reload()}
            />
          </Card>
        )}
      {deskNext && order.due && (
        <Alert
          type="info"
          showIcon
          role="status"
          style={{ marginBottom: 16 }}
          message={t("deskNext.title")}
          description={
            <>
              {t(deskNext, { date: dateOf(order.due.on) })}{" "}
              {order.due.overdue ? (
                <Tag color="error">{t("order.overdue")}</Tag>
              ) : order.due.remainingWorkingDays !== null ? (
                t("deskNext.left", { n: order.due.remainingWorkingDays })
              ) : null}
            </>
          }
        />
      )}
      {order.state === "awaiting_payment" && !online && programme.payment.collectionAccount && (
        <Card title={<h2 className="card-title">{t("order.bankTransfer")}</h2>} style={{ marginBottom: 16 }}>
          <Descriptions size="small" column={1} bordered>
            <Descriptions.Item label={t("order.amountDue")}>¥{yuan(order.totalFen)}</Descriptions.Item>
            <Descriptions.Item label={t("order.bank")}>
              {programme.payment.collectionAccount.bank}
            </Descriptions.Item>
            <Descriptions.Item label={t("order.accountName")}>
              {programme.payment.collectionAccount.accountName}
            </Descriptions.Item>
            <Descriptions.Item label={t("order.accountNumber")}>
              {programme.payment.collectionAccount.accountNumber}
            </Descriptions.Item>
            <Descriptions.Item label={t("order.transferReference")}>{order.number}</Descriptions.Item>
          </Descriptions>
          {programme.payment.bankTransfer && (
            <Typography.Paragraph style={{ marginTop: 12, marginBottom: 0 }}>
              {loc(programme.payment.bankTransfer.instructions)}
            </Typography.Paragraph>
          )}
          {programme.payment.channels.includes("bank-transfer") && (
            <TransferReceipts
              order={order}
              programme={programme}
              receipts={receipts}
              onChanged={() => void data.reload()}
            />
          )}
        </Card>
      )}
      {order.state === "awaiting_paper" && programme.mailingAddress && (
        <Card title={<h2 className="card-title">{t("order.mailPaper")}</h2>} style={{ marginBottom: 16 }}>
          <MailingAddress programme={programme} />
          {mailedMaterials.length > 0 && (
            <Typography.Paragraph style={{ marginTop: 12, marginBottom: 0 }}>
              {t("order.mailTheseMaterials")}{" "}
              {mailedMaterials.map((m) => loc(m.name)).join(t("common.listSeparator"))}
            </Typography.Paragraph>
          )}
        </Card>
      )}
      {showsPaperTracking(order, programme) && (
        <PaperTrackingCard order={order} programme={programme} onSaved={() => void data.reload()} />
      )}
      <Row gutter={16}>
        <Col xs={24} lg={15}>
          <MaterialsCard
            order={order}
            programme={programme}
            uploaded={materials}
            rejected={byMaterial}
            toReplace={toReplace.map((m) => m.id)}
            onChanged={() => {
              // "请先上传以下材料" answered an earlier click: the upload changed what it said.
              setActionError(undefined);
              void data.reload();
            }}
          />
          <Card title={<h2 className="card-title">{t("order.details")}</h2>} style={{ marginBottom: 16 }}>
            <OrderDetailsList
              order={order}
              programme={programme}
              certificates={certificates}
              rejected={showRejection ? byField : undefined}
            />
          </Card>
          <Card title={<h2 className="card-title">{t("quote.title")}</h2>} style={{ marginBottom: 16 }}>
            <QuoteTable quote={order.quote} />
          </Card>
          {payments.length > 0 && (
            <Card title={<h2 className="card-title">{t("order.payments")}</h2>} style={{ marginBottom: 16 }}>
              <Table
                size="small"
                rowKey="id"
                pagination={false}
                dataSource={payments}
                columns={[
                  { title: t("order.paymentCreated"), key: "at", render: (_, p) => dateTimeOf(p.createdAt) },
                  {
                    title: t("order.paymentChannel"),
                    key: "channel",
                    render: (_, p) => t(p.channel === "online" ? "payment.online" : "payment.bankTransfer"),
                  },
                  {
                    title: t("order.amountDue"),
                    key: "amount",
                    align: "right",
                    render: (_, p) => `¥${yuan(p.amountFen)}`,
                  },
                  {
                    title: t("order.state"),
                    key: "status",
                    render: (_, p) => (
                      <Tag
                        color={
                          p.status === "succeeded"
                            ? "success"
                            : p.status === "failed"
                              ? "error"
                              : "processing"
                        }
                      >
                        {t(`payment.${p.status}`)}
                      </Tag>
                    ),
                  },
                ]}
              />
            </Card>
          )}
        </Col>
        <Col xs={24} lg={9}>
          {order.due && (
            <Card
              size="small"
              style={{ marginBottom: 16 }}
              title={<h2 className="card-title">{t("order.due")}</h2>}
            >
              <Typography.Paragraph style={{ marginBottom: 0 }}>
                {t(dueKey(order.due.kind))}：{dateOf(order.due.on)}
                <br />
                {order.due.overdue ? (
                  <Tag color="error">{t("order.overdue")}</Tag>
                ) : order.due.remainingWorkingDays !== null ? (
                  <Typography.Text type="secondary">
                    {t("order.workingDaysLeft", { n: order.due.remainingWorkingDays })}
                  </Typography.Text>
                ) : null}
              </Typography.Paragraph>
            </Card>
          )}
          {shipments.length > 0 && (
            <Card
              size="small"
              style={{ marginBottom: 16 }}
              title={<h2 className="card-title">{t("order.shipping")}</h2>}
            >
              {shipments.map((s) => (
                <Typography.Paragraph
                  key={s.seq}
                  style={{ marginBottom: 4 }}
                  copyable={{ text: String(s.data.trackingNumber ?? "") }}
                >
                  {s.data.carrier === "SF" || s.data.carrier === "EMS"
                    ? t(`carrier.${s.data.carrier}`)
                    : String(s.data.carrier ?? "")}{" "}
                  {String(s.data.trackingNumber ?? "")}
                </Typography.Paragraph>
              ))}
            </Card>
          )}
          <Card size="small" title={<h2 className="card-title">{t("order.timeline")}</h2>}>
            <OrderTimeline entries={audit} myUserId={actor.userId} materials={def.materials} />
          </Card>
          <Typography.Paragraph style={{ marginTop: 16 }}>
            <Link to={`/guides/${programme.id}/${order.service}`}>{t("order.readGuide")}</Link>
          </Typography.Paragraph>
        </Col>
      </Row>
    </>
  );
}

/** The order a refund request is for, and the money paid for it (what is refunded). */
async function refundedOrder(id: string, signal: AbortSignal): Promise<{ order: Order; paidFen: number }> {
  const [order, payments] = await Promise.all([
    api.get<Order>(`/api/orders/${id}`, signal),
    api.get<Payment[]>(`/api/orders/${id}/payments`, signal),
  ]);
  const paidFen = payments.filter((p) => p.status === "succeeded").reduce((n, p) => n + p.amountFen, 0);
  return { order, paidFen };
}

function OrderDetailsList(props: {
  order: Order;
  programme: Programme;
  certificates: Certificate[];
  rejected: Record<string, string> | undefined;
}) {
  const items = useDetailsItems({ ...props, details: props.order.details });
  return <Descriptions size="small" column={1} bordered items={items} />;
}

/** Where paper goes, and how: by courier, never by registered post. */
export function MailingAddress({ programme }: { programme: Programme }) {
  const { t } = useI18n();
  const m = programme.mailingAddress;
  if (!m) return null;
  return (
    <>
      <Descriptions size="small" column={1} bordered>
        <Descriptions.Item label={t("mail.recipient")}>{m.recipient}</Descriptions.Item>
        <Descriptions.Item label={t("mail.address")}>{m.address}</Descriptions.Item>
        <Descriptions.Item label={t("mail.postcode")}>{m.postcode}</Descriptions.Item>
        <Descriptions.Item label={t("mail.phone")}>{m.phone}</Descriptions.Item>
      </Descriptions>
      {m.registeredPostRefused && (
        <Alert type="warning" showIcon style={{ marginTop: 12 }} message={t("mail.registeredPostRefused")} />
      )}
      <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
        {t(m.courierFeePaidBy === "applicant" ? "mail.courierByApplicant" : "mail.courierByProgramme")}
      </Typography.Paragraph>
    </>
  );
}
