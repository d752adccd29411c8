/**
 * An order on the staff side: the uploaded materials viewable beside the programme's checklist,
 * the step's actions (review, paper, shipping, delivery, bank transfer, fulfilment), and the audit
 * trail. Which actions show follows the order's state; the server decides what is allowed.
 */
import {
  Alert,
  App,
  Button,
  Card,
  Checkbox,
  Col,
  Descriptions,
  Empty,
  Form,
  Input,
  InputNumber,
  Modal,
  Row,
  Select,
  Space,
  Tabs,
  Typography,
} from "antd";
import { useEffect, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { api } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type { AuditEntry, Material, Order, Programme, UploadedMaterial } from "../../api/types";
import type { Staff } from "../../auth";
import { PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert, useErrorText } from "../../components/errors";
import { LongText } from "../../components/LongText";
import { MaterialRequirements } from "../../components/MaterialRequirements";
import { StateTag } from "../../components/StateTag";
import { useI18n } from "../../i18n";
import { dateTimeOf, fileSize, yuan } from "../../lib/format";
import type { OfficeOrder } from "../../lib/office";
import { materialApplies } from "../../lib/programme";
import { OrderTimeline } from "../portal/Timeline";
import { DueCell } from "./orderColumns";

interface Loaded {
  order: OfficeOrder;
  organisation: OfficeOrder["organisation"];
  programme: Programme;
  uploaded: UploadedMaterial[];
  audit: AuditEntry[];
}

export function OfficeOrderPage({ actor }: { actor: Staff }) {
  const { t, loc } = useI18n();
  const { orderId } = useParams();
  const [checklist, setChecklist] = useState({ done: 0, all: 0 });
  const data = useLoad<Loaded>(
    async (signal) => {
      const order = await api.get<OfficeOrder>(`/api/office/orders/${orderId}`, signal);
      const [programme, uploaded, audit] = await Promise.all([
        api.get<Programme>(`/api/programmes/${order.programmeId}`, signal),
        api.get<UploadedMaterial[]>(`/api/orders/${orderId}/materials`, signal),
        api.get<AuditEntry[]>(`/api/orders/${orderId}/audit`, signal),
      ]);
      const { organisation } = order;
      return { order, organisation, programme, uploaded, audit };
    },
    [orderId],
  );
  usePageTitle(data.data?.order.number);
  if (!data.data) return <ErrorAlert error={data.error} onRetry={() => void data.reload()} />;
  const { order, organisation, programme, uploaded, audit } = data.data;
  const def = programme.services[order.service];
  const materials = (def?.materials ?? []).filter((m) => materialApplies(m, order.details) !== "no");

  return (
    <>
      <PageHeading
        title={
          <Space wrap>
            {order.number}
            <StateTag state={order.state} />
          </Space>
        }
        sub={<LongText text={organisation?.name ?? ""} maxWidth={600} />}
        extra={<Link to={backTo(order)}>{t("office.backToQueue")}</Link>}
      />
      <ErrorAlert error={data.error} onRetry={() => void data.reload()} />
      <Descriptions size="small" column={{ xs: 1, md: 3 }} style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t("office.col.programme")}>{loc(programme.name)}</Descriptions.Item>
        <Descriptions.Item label={t("office.col.service")}>{loc(def?.name)}</Descriptions.Item>
        <Descriptions.Item label={t("office.col.due")}>
          <DueCell due={order.due} />
        </Descriptions.Item>
        <Descriptions.Item label={t("office.uscc")}>{organisation?.uscc ?? "—"}</Descriptions.Item>
        <Descriptions.Item label={t("office.total")}>¥{yuan(order.totalFen)}</Descriptions.Item>
        <Descriptions.Item label={t("office.term")}>
          {order.quote.items.map((i) => loc(i.label)).join("；")}
        </Descriptions.Item>
      </Descriptions>
      {order.rejection && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={t("office.rejectedBecause", { reason: order.rejection.reason })}
          description={
            order.rejection.items.length > 0 && (
              <ul className="requirements">
                {order.rejection.items.map((i) => (
                  <li key={i.target}>
                    {loc(materials.find((m) => m.id === i.target)?.name) || i.target}: {i.reason}
                  </li>
                ))}
              </ul>
            )
          }
        />
      )}
      <Actions
        order={order}
        materials={materials}
        unchecked={checklist.all - checklist.done}
        onDone={() => void data.reload()}
      />
      <Row gutter={16}>
        <Col xs={24} lg={15}>
          <Card title={<h2 className="card-title">{t("office.materials")}</h2>} style={{ marginBottom: 16 }}>
            <MaterialViewer materials={materials} uploaded={uploaded} />
          </Card>
        </Col>
        <Col xs={24} lg={9}>
          <Checklist programme={programme} order={order} materials={materials} onCount={setChecklist} />
        </Col>
      </Row>
      <Card title={<h2 className="card-title">{t("office.audit")}</h2>}>
        <OrderTimeline entries={audit} myUserId={actor.userId} materials={materials} />
      </Card>
    </>
  );
}

function backTo(order: Order): string {
  if (order.state === "awaiting_paper") return "/office/queue/paper";
  if (order.state === "produced") return "/office/queue/shipping";
  if (order.state === "awaiting_payment") return "/office/queue/payments";
  if (order.service === "refund") return "/office/queue/refunds";
  if (order.pendingStep === "production") return "/office/queue/production";
  return "/office/queue/review";
}

/**
 * A PDF scan in the browser's viewer. The server sends uploads only as downloads (docs/security.md),
 * which an <object> pointing at the file would download too: the viewer gets a copy as a blob: URL.
 */
function PdfView({ src, name, filename }: { src: string; name: string; filename: string }) {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    let objectUrl: string | undefined;
    let gone = false;
    void fetch(src, { credentials: "same-origin" })
      .then((res) => (res.ok ? res.blob() : undefined))
      .then((blob) => {
        if (!blob || gone) return;
        objectUrl = URL.createObjectURL(blob);
        setUrl(objectUrl);
      })
      .catch(() => undefined);
    return () => {
      gone = true;
      if (objectUrl) URL.revokeObjectURL(objectUrl);
    };
  }, [src]);
  if (!url) return <a href={src}>{filename}</a>;
  return (
    <object data={url} type="application/pdf" className="material-view" aria-label={name}>
      <a href={src}>{filename}</a>
    </object>
  );
}

/** Each uploaded scan in its own tab, shown inline: a PDF in the browser's viewer, a picture as is. */
function MaterialViewer({ materials, uploaded }: { materials: Material[]; uploaded: UploadedMaterial[] }) {
  const { t, loc } = useI18n();
  if (uploaded.length === 0) return <Empty description={t("office.noUploads")} />;
  return (
    <Tabs
      items={uploaded.map((u) => {
        const name = loc(materials.find((m) => m.id === u.materialId)?.name) || u.materialId;
        const src = `/api/materials/${u.id}`;
        return {
          key: u.id,
          label: name,
          children: (
            <div>
              <Typography.Paragraph type="secondary" style={{ overflowWrap: "anywhere" }}>
                {u.filename} · {fileSize(u.size)} · {dateTimeOf(u.uploadedAt)} ·{" "}
                <a href={src} target="_blank" rel="noreferrer">
                  {t("office.openFile")}
                </a>
              </Typography.Paragraph>
              {u.contentType === "application/pdf" ? (
                <PdfView src={src} name={name} filename={u.filename} />
              ) : u.contentType.startsWith("image/") ? (
                <img src={src} alt={name} className="material-view material-image" />
              ) : (
                <a href={src}>{u.filename}</a>
              )}
            </div>
          ),
        };
      })}
    />
  );
}

/** The reviewer's checks: the service's checklist, then each material's seal and handwritten fields. */
function Checklist({
  programme,
  order,
  materials,
  onCount,
}: {
  programme: Programme;
  order: Order;
  materials: Material[];
  /** how many checks there are and how many are ticked, for the approval's warning */
  onCount(count: { done: number; all: number }): void;
}) {
  const { t, loc } = useI18n();
  const def = programme.services[order.service];
  const checks: { id: string; label: string }[] = [
    ...(def?.checklist ?? []).map((c) => ({ id: `check:${c.id}`, label: loc(c.text) })),
    ...materials.flatMap((m) => [
      ...(m.requirements.needsOfficialSeal || m.requirements.physicalSealOnly
        ? [{ id: `seal:${m.id}`, label: t("office.check.seal", { material: loc(m.name) }) }]
        : []),
      ...m.requirements.handwrittenFields.map((f) => ({
        id: `hand:${m.id}:${f.id}`,
        label: t("office.check.handwritten", { material: loc(m.name), field: loc(f.name) }),
      })),
    ]),
  ];
  const [ticked, setTicked] = useState<string[]>([]);
  useEffect(
    () => onCount({ done: ticked.length, all: checks.length }),
    [ticked.length, checks.length, onCount],
  );
  return (
    <Card
      title={<h2 className="card-title">{t("office.checklist")}</h2>}
      extra={t("office.checklistDone", { done: ticked.length, all: checks.length })}
      style={{ marginBottom: 16 }}
    >
      <div role="group" aria-label={t("office.checklist")}>
        {checks.map((c) => (
          <div key={c.id} style={{ marginBottom: 8 }}>
            <Checkbox
              checked={ticked.includes(c.id)}
              // A functional update: quick successive ticks each count.
              onChange={(e) =>
                setTicked((prev) => (e.target.checked ? [...prev, c.id] : prev.filter((id) => id !== c.id)))
              }
            >
              {c.label}
            </Checkbox>
          </div>
        ))}
      </div>
      {materials.map((m) => (
        <details key={m.id}>
          <summary>{loc(m.name)}</summary>
          <MaterialRequirements material={m} />
        </details>
      ))}
    </Card>
  );
}

/** The actions the order's state allows, each sending one request and showing the server's answer. */
function Actions({
  order,
  materials,
  unchecked,
  onDone,
}: {
  order: Order;
  materials: Material[];
  /** checklist items not ticked: approving then asks to confirm, naming how many */
  unchecked: number;
  onDone(): void;
}) {
  const { t, loc } = useI18n();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [rejecting, setRejecting] = useState(false);
  const [approving, setApproving] = useState(false);
  const [rejectForm] = Form.useForm<{ reason: string; items: Record<string, string | undefined> }>();
  const [approveForm] = Form.useForm<{ note?: string }>();

  async function run(path: string, body: unknown, done: string): Promise<boolean> {
    setBusy(true);
    setError(undefined);
    try {
      await api.post(`/api/orders/${order.id}/${path}`, body);
      void message.success(done);
      onDone();
      return true;
    } catch (e) {
      setError(e);
      return false;
    } finally {
      setBusy(false);
    }
  }

  const parts: React.ReactNode[] = [];
  if (order.pendingStep === "review" && order.state !== "under_review")
    parts.push(
      <Button
        key="start"
        type="primary"
        loading={busy}
        onClick={() => void run("review/start", {}, t("office.done.started"))}
      >
        {t("office.action.startReview")}
      </Button>,
    );
  if (order.state === "under_review")
    parts.push(
      <Space key="review" wrap>
        <Button type="primary" onClick={() => setApproving(true)}>
          {t("office.action.approve")}
        </Button>
        <Button danger onClick={() => setRejecting(true)}>
          {t("office.action.reject")}
        </Button>
      </Space>,
    );
  if (order.state === "awaiting_paper")
    parts.push(
      <Space key="paper" wrap>
        {/* The courier's number the applicant gave, to match the parcel in hand. */}
        {order.paperTracking ? (
          <Typography.Text copyable={{ text: order.paperTracking.trackingNumber }}>
            {t("guards.office.paperTrackingIs", {
              carrier: order.paperTracking.carrier,
              number: order.paperTracking.trackingNumber,
            })}
          </Typography.Text>
        ) : (
          <Typography.Text type="secondary">{t("guards.office.noPaperTracking")}</Typography.Text>
        )}
        <Button
          type="primary"
          loading={busy}
          onClick={() => void run("paper-received", {}, t("office.done.paper"))}
        >
          {t("office.action.paperReceived")}
        </Button>
      </Space>,
    );
  if (order.pendingStep === "production")
    parts.push(
      <Space key="production" wrap>
        <Typography.Text type="secondary">{t("office.productionHint")}</Typography.Text>
        <Link to="/office/production">{t("production.openBatches")}</Link>
      </Space>,
    );
  if (order.state === "produced")
    parts.push(
      <Form
        key="ship"
        layout="inline"
        initialValues={{ carrier: "SF" }}
        onFinish={(v: { carrier: string; trackingNumber: string }) =>
          void run(
            "ship",
            { carrier: v.carrier, trackingNumber: v.trackingNumber.trim() },
            t("office.done.shipped"),
          )
        }
      >
        <Form.Item name="carrier" label={t("office.carrier")}>
          <Select
            style={{ width: 140 }}
            options={[
              { value: "SF", label: t("office.carrier.SF") },
              { value: "EMS", label: t("office.carrier.EMS") },
            ]}
          />
        </Form.Item>
        <Form.Item
          name="trackingNumber"
          label={t("office.trackingNumber")}
          rules={[{ required: true, message: t("office.trackingNumberRequired") }]}
        >
          <Input style={{ width: 220 }} />
        </Form.Item>
        <Button htmlType="submit" type="primary" loading={busy}>
          {t("office.action.ship")}
        </Button>
      </Form>,
    );
  if (order.state === "shipped")
    parts.push(
      <Form
        key="deliver"
        layout="inline"
        onFinish={(v: { signedOn?: string }) =>
          void run("deliver", v.signedOn ? { signedOn: v.signedOn } : {}, t("office.done.delivered"))
        }
      >
        <Form.Item name="signedOn" label={t("office.signedOn")} extra={t("office.signedOnHint")}>
          <Input type="date" style={{ width: 180 }} />
        </Form.Item>
        <Button htmlType="submit" type="primary" loading={busy}>
          {t("office.action.deliver")}
        </Button>
      </Form>,
    );
  if (order.state === "awaiting_payment")
    parts.push(
      <Form
        key="transfer"
        layout="inline"
        onFinish={(v: { reference: string; amount: number }) =>
          void run(
            "payments/bank-transfer",
            { reference: v.reference.trim(), amountFen: Math.round(v.amount * 100) },
            t("office.done.paid"),
          )
        }
      >
        <Form.Item
          name="reference"
          label={t("office.reference")}
          rules={[{ required: true, min: 4, message: t("office.referenceRequired") }]}
        >
          <Input style={{ width: 220 }} />
        </Form.Item>
        <Form.Item
          name="amount"
          label={t("office.amount")}
          rules={[{ required: true, message: t("office.amountRequired") }]}
          extra={t("office.amountDue", { amount: yuan(order.totalFen) })}
        >
          <InputNumber min={0} step={0.01} precision={2} style={{ width: 160 }} />
        </Form.Item>
        <Button htmlType="submit" type="primary" loading={busy}>
          {t("office.action.confirmTransfer")}
        </Button>
      </Form>,
    );
  if (order.pendingStep === "fulfilment")
    parts.push(
      <Form
        key="fulfil"
        layout="inline"
        onFinish={(v: { note?: string }) => void run("fulfil", { note: v.note }, t("office.done.fulfilled"))}
      >
        <Form.Item name="note" label={t("office.note")}>
          <Input style={{ width: 300 }} />
        </Form.Item>
        <Button htmlType="submit" type="primary" loading={busy}>
          {t("office.action.fulfil")}
        </Button>
      </Form>,
    );

  return (
    <Card title={<h2 className="card-title">{t("office.actions")}</h2>} style={{ marginBottom: 16 }}>
      {error !== undefined && (
        <Alert type="error" showIcon role="alert" message={errorText(error)} style={{ marginBottom: 12 }} />
      )}
      {parts.length > 0 ? (
        <Space direction="vertical" style={{ width: "100%" }}>
          {parts}
        </Space>
      ) : (
        <Typography.Text type="secondary">{t("office.nothingToDo")}</Typography.Text>
      )}

      <Modal
        open={approving}
        title={t("office.action.approve")}
        okText={unchecked > 0 ? t("office.confirmApproveUnchecked") : t("office.confirmApprove")}
        cancelText={t("office.cancel")}
        confirmLoading={busy}
        onCancel={() => setApproving(false)}
        onOk={async () => {
          const v = await approveForm.validateFields();
          if (await run("approve", { note: v.note || undefined }, t("office.done.approved")))
            setApproving(false);
        }}
      >
        {unchecked > 0 && (
          <Alert
            type="warning"
            showIcon
            role="alert"
            message={t("office.uncheckedWarning", { n: unchecked })}
            style={{ marginBottom: 12 }}
          />
        )}
        <Form form={approveForm} layout="vertical">
          <Form.Item name="note" label={t("office.note")}>
            <Input.TextArea rows={2} maxLength={1000} />
          </Form.Item>
        </Form>
      </Modal>
      <Modal
        open={rejecting}
        title={t("office.action.reject")}
        okText={t("office.confirmReject")}
        okButtonProps={{ danger: true }}
        cancelText={t("office.cancel")}
        confirmLoading={busy}
        onCancel={() => setRejecting(false)}
        onOk={async () => {
          const v = await rejectForm.validateFields();
          const items = Object.entries(v.items ?? {})
            .filter(([, reason]) => reason && reason.trim())
            .map(([target, reason]) => ({ target, reason: (reason ?? "").trim() }));
          if (await run("reject", { reason: v.reason.trim(), items }, t("office.done.rejected")))
            setRejecting(false);
        }}
      >
        <Form form={rejectForm} layout="vertical">
          <Form.Item
            name="reason"
            label={t("office.rejectReason")}
            rules={[{ required: true, whitespace: true, message: t("office.rejectReasonRequired") }]}
          >
            <Input.TextArea rows={2} maxLength={1000} />
          </Form.Item>
          <Typography.Paragraph type="secondary">{t("office.rejectItemsHint")}</Typography.Paragraph>
          {materials.map((m) => (
            <Form.Item
              key={m.id}
              name={["items", m.id]}
              label={t("office.rejectItem", { material: loc(m.name) })}
            >
              <Input maxLength={500} />
            </Form.Item>
          ))}
        </Form>
      </Modal>
    </Card>
  );
}
