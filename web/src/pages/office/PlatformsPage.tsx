/**
 * The admin's relying platforms: the list and registration, and one platform's page (its details,
 * credentials rotated and revoked, enable/disable, and the webhook delivery log with replays).
 * A credential's secret comes back once, from registration or rotation, and is shown once.
 */
import { CopyOutlined, ExclamationCircleOutlined, PlusOutlined } from "@ant-design/icons";
import {
  Alert,
  App,
  Button,
  Card,
  Descriptions,
  Empty,
  Form,
  Input,
  InputNumber,
  Modal,
  Popconfirm,
  Select,
  Space,
  Table,
  Tag,
  Timeline,
  Typography,
} from "antd";
import { useRef, useState } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api } from "../../api/client";
import { useLoad } from "../../api/hooks";
import {
  DELIVERY_STATUSES,
  type DeliveryStatus,
  type IssuedCredential,
  type Platform,
  type PlatformCredential,
  type WebhookDelivery,
} from "../../api/types";
import { PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert, useErrorText } from "../../components/errors";
import { LongText } from "../../components/LongText";
import { useI18n, type I18n, type MessageKey } from "../../i18n";
import { dateTimeOf } from "../../lib/format";
import { useProgrammes } from "./QueuePage";

const EVENT_TYPES = [
  "certificate.issued",
  "certificate.renewed",
  "certificate.revoked",
  "certificate.expiring",
  "binding.bound",
  "binding.unbound",
] as const;

/** An event type in words; a type this page does not know yet is shown as the server names it. */
export function eventTypeText(type: string, t: I18n["t"]): string {
  return (EVENT_TYPES as readonly string[]).includes(type)
    ? t(`platforms.event.${type}` as MessageKey)
    : type;
}

/** The same rule the server applies (src/platforms/clients.ts), so a mistake shows before sending. */
const PLATFORM_ID = /^[a-z0-9][a-z0-9-]{1,62}$/;
const WEBHOOK_URL = /^https?:\/\/\S+$/i;

const DELIVERY_COLOURS: Record<DeliveryStatus, string> = {
  pending: "processing",
  delivered: "success",
  failed: "error",
};

function CredentialTag({ credential, now }: { credential: PlatformCredential; now: number }) {
  const { t } = useI18n();
  if (credential.revokedAt) return <Tag color="error">{t("platforms.cred.revokedTag")}</Tag>;
  if (!credential.usable) return <Tag>{t("platforms.cred.expired")}</Tag>;
  if (credential.expiresAt && Date.parse(credential.expiresAt) > now)
    return <Tag color="warning">{t("platforms.cred.expiring")}</Tag>;
  return <Tag color="success">{t("platforms.cred.usable")}</Tag>;
}

/** The secret, once: a warning, the key ID and secret to select or copy, and a deliberate close. */
function SecretModal({ issued, onClose }: { issued: IssuedCredential | undefined; onClose(): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const secretRef = useRef<HTMLInputElement | null>(null);

  async function copy(secret: string) {
    try {
      await navigator.clipboard.writeText(secret);
      void message.success(t("platforms.copied"));
    } catch {
      // The clipboard API needs a secure context; an intranet desk on plain http falls back.
      const input = secretRef.current;
      input?.select();
      const ok = input ? document.execCommand("copy") : false;
      if (ok) void message.success(t("platforms.copied"));
      else void message.warning(t("platforms.copyFailed"));
    }
  }

  return (
    <Modal
      open={issued !== undefined}
      title={t("platforms.secretTitle")}
      closable={false}
      maskClosable={false}
      keyboard={false}
      onCancel={onClose}
      footer={
        <Button type="primary" onClick={onClose}>
          {t("platforms.secretSaved")}
        </Button>
      }
    >
      {issued && (
        <>
          <Alert
            type="warning"
            showIcon
            icon={<ExclamationCircleOutlined aria-hidden />}
            message={t("platforms.secretWarning")}
            style={{ marginBottom: 16 }}
          />
          <Form layout="vertical">
            <Form.Item label={t("platforms.keyId")} htmlFor="issued-key-id">
              <Input id="issued-key-id" readOnly value={issued.credential.keyId} className="code-editor" />
            </Form.Item>
            <Form.Item label={t("platforms.secret")} htmlFor="issued-secret">
              <Space.Compact style={{ width: "100%" }}>
                <Input
                  id="issued-secret"
                  ref={(el) => {
                    secretRef.current = el?.input ?? null;
                  }}
                  readOnly
                  value={issued.credential.secret}
                  className="code-editor"
                  onFocus={(e) => e.target.select()}
                />
                <Button
                  icon={<CopyOutlined aria-hidden />}
                  onClick={() => void copy(issued.credential.secret)}
                >
                  {t("platforms.copySecret")}
                </Button>
              </Space.Compact>
            </Form.Item>
          </Form>
        </>
      )}
    </Modal>
  );
}

interface RegisterValues {
  id: string;
  programmeId: string;
  name: string;
  webhookUrl?: string;
}

function RegisterModal({
  open,
  onClose,
  onRegistered,
}: {
  open: boolean;
  onClose(): void;
  onRegistered(issued: IssuedCredential): void;
}) {
  const { t, loc } = useI18n();
  const errorText = useErrorText();
  const { programmes } = useProgrammes();
  const [form] = Form.useForm<RegisterValues>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  async function submit(values: RegisterValues) {
    setSaving(true);
    setError(undefined);
    try {
      const issued = await api.post<IssuedCredential>("/api/platforms", {
        id: values.id.trim(),
        programmeId: values.programmeId,
        name: values.name.trim(),
        webhookUrl: values.webhookUrl?.trim() || null,
      });
      form.resetFields();
      onRegistered(issued);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  }

  return (
    <Modal
      open={open}
      title={t("platforms.registerTitle")}
      onCancel={() => {
        // Cancelled means a fresh form next time.
        setError(undefined);
        form.resetFields();
        onClose();
      }}
      okText={t("platforms.registerSubmit")}
      cancelText={t("office.cancel")}
      confirmLoading={saving}
      onOk={() => form.submit()}
      destroyOnHidden
    >
      {error !== undefined && (
        <Alert type="error" showIcon role="alert" message={errorText(error)} style={{ marginBottom: 16 }} />
      )}
      <Form<RegisterValues> form={form} layout="vertical" onFinish={(v) => void submit(v)}>
        <Form.Item
          name="id"
          label={t("platforms.id")}
          extra={t("platforms.idHint")}
          rules={[{ required: true, pattern: PLATFORM_ID, message: t("platforms.idInvalid") }]}
        >
          <Input autoComplete="off" spellCheck={false} maxLength={63} />
        </Form.Item>
        <Form.Item
          name="name"
          label={t("platforms.name")}
          rules={[{ required: true, whitespace: true, message: t("platforms.nameRequired") }]}
        >
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item
          name="programmeId"
          label={t("platforms.programme")}
          rules={[{ required: true, message: t("platforms.programmeRequired") }]}
        >
          <Select options={[...programmes.values()].map((p) => ({ value: p.id, label: loc(p.name) }))} />
        </Form.Item>
        <Form.Item
          name="webhookUrl"
          label={t("platforms.webhookUrl")}
          extra={t("platforms.webhookHint")}
          rules={[{ pattern: WEBHOOK_URL, message: t("platforms.webhookInvalid") }]}
        >
          <Input type="url" maxLength={2000} spellCheck={false} placeholder="https://" />
        </Form.Item>
        {/* Enter submits the form from any field. */}
        <button type="submit" hidden aria-hidden tabIndex={-1} />
      </Form>
    </Modal>
  );
}

export function PlatformsPage() {
  const { t, loc } = useI18n();
  usePageTitle(t("platforms.title"));
  const navigate = useNavigate();
  const { programmes } = useProgrammes();
  const list = useLoad((signal) => api.get<Platform[]>("/api/platforms", signal), []);
  const [registering, setRegistering] = useState(false);
  const [issued, setIssued] = useState<IssuedCredential | undefined>(undefined);

  return (
    <>
      <PageHeading
        title={t("platforms.title")}
        extra={
          <>
            <Button onClick={() => void list.reload()}>{t("common.refresh")}</Button>
            <Button type="primary" icon={<PlusOutlined aria-hidden />} onClick={() => setRegistering(true)}>
              {t("platforms.register")}
            </Button>
          </>
        }
      />
      <ErrorAlert error={list.error} onRetry={() => void list.reload()} />
      <Table<Platform>
        rowKey="id"
        size="middle"
        loading={list.loading}
        dataSource={list.data ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: <Empty description={t("platforms.none")} /> }}
        scroll={{ x: 900 }}
        columns={[
          {
            title: t("platforms.col.name"),
            key: "name",
            render: (_, p) => (
              <Link to={`/office/platforms/${encodeURIComponent(p.id)}`}>
                {/* A long Chinese name stays on one line; the whole name in a tooltip. */}
                <Typography.Text ellipsis={{ tooltip: p.name }} style={{ maxWidth: 280, color: "inherit" }}>
                  {p.name}
                </Typography.Text>
              </Link>
            ),
          },
          {
            title: t("platforms.col.id"),
            key: "id",
            width: 180,
            render: (_, p) => <Typography.Text code>{p.id}</Typography.Text>,
          },
          {
            title: t("platforms.col.programme"),
            key: "programme",
            width: 200,
            render: (_, p) => <LongText text={loc(programmes.get(p.programmeId)?.name) || p.programmeId} />,
          },
          {
            title: t("platforms.col.credentials"),
            key: "credentials",
            width: 110,
            render: (_, p) => p.credentials.filter((c) => c.usable).length,
          },
          {
            title: t("platforms.col.status"),
            key: "status",
            width: 100,
            render: (_, p) =>
              p.disabledAt ? (
                <Tag>{t("platforms.disabledTag")}</Tag>
              ) : (
                <Tag color="success">{t("platforms.enabled")}</Tag>
              ),
          },
          {
            title: t("platforms.col.createdAt"),
            key: "createdAt",
            width: 160,
            render: (_, p) => dateTimeOf(p.createdAt),
          },
        ]}
      />
      <RegisterModal
        open={registering}
        onClose={() => setRegistering(false)}
        onRegistered={(result) => {
          setRegistering(false);
          setIssued(result);
          void list.reload();
        }}
      />
      <SecretModal
        issued={issued}
        onClose={() => {
          const id = issued?.platform.id;
          setIssued(undefined);
          if (id) navigate(`/office/platforms/${encodeURIComponent(id)}`);
        }}
      />
    </>
  );
}

interface DetailsValues {
  name: string;
  webhookUrl?: string;
}

function DetailsCard({ platform, onSaved }: { platform: Platform; onSaved(p: Platform): void }) {
  const { t, loc } = useI18n();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const { programmes } = useProgrammes();
  const [form] = Form.useForm<DetailsValues>();
  const [saving, setSaving] = useState(false);
  const [error, setError] = useState<unknown>(undefined);

  async function patch(
    body: { name?: string; webhookUrl?: string | null; disabled?: boolean },
    done: string,
  ) {
    setSaving(true);
    setError(undefined);
    try {
      const saved = await api.patch<Platform>(`/api/platforms/${encodeURIComponent(platform.id)}`, body);
      void message.success(done);
      onSaved(saved);
    } catch (e) {
      setError(e);
    } finally {
      setSaving(false);
    }
  }

  return (
    <Card
      title={<h2 className="card-title">{t("platforms.details")}</h2>}
      extra={
        platform.disabledAt ? (
          <Button
            loading={saving}
            onClick={() => void patch({ disabled: false }, t("platforms.enabledDone"))}
          >
            {t("platforms.enable")}
          </Button>
        ) : (
          <Popconfirm
            title={t("platforms.disableConfirm")}
            okText={t("platforms.disable")}
            cancelText={t("office.cancel")}
            okButtonProps={{ danger: true }}
            onConfirm={() => patch({ disabled: true }, t("platforms.disabledDone"))}
          >
            <Button danger loading={saving}>
              {t("platforms.disable")}
            </Button>
          </Popconfirm>
        )
      }
      style={{ marginBottom: 16 }}
    >
      <Descriptions
        column={{ xs: 1, md: 3 }}
        size="small"
        style={{ marginBottom: 16 }}
        items={[
          {
            key: "id",
            label: t("platforms.id"),
            children: <Typography.Text code>{platform.id}</Typography.Text>,
          },
          {
            key: "programme",
            label: t("platforms.programme"),
            children: loc(programmes.get(platform.programmeId)?.name) || platform.programmeId,
          },
          {
            key: "status",
            label: t("platforms.col.status"),
            children: platform.disabledAt ? (
              <Tag>{t("platforms.disabledTag")}</Tag>
            ) : (
              <Tag color="success">{t("platforms.enabled")}</Tag>
            ),
          },
        ]}
      />
      {error !== undefined && (
        <Alert type="error" showIcon role="alert" message={errorText(error)} style={{ marginBottom: 16 }} />
      )}
      <Form<DetailsValues>
        form={form}
        layout="vertical"
        initialValues={{ name: platform.name, webhookUrl: platform.webhookUrl ?? "" }}
        onFinish={(v) =>
          void patch({ name: v.name.trim(), webhookUrl: v.webhookUrl?.trim() || null }, t("platforms.saved"))
        }
        style={{ maxWidth: 720 }}
      >
        <Form.Item
          name="name"
          label={t("platforms.name")}
          rules={[{ required: true, whitespace: true, message: t("platforms.nameRequired") }]}
        >
          <Input maxLength={200} />
        </Form.Item>
        <Form.Item
          name="webhookUrl"
          label={t("platforms.webhookUrl")}
          extra={t("platforms.webhookHint")}
          rules={[{ pattern: WEBHOOK_URL, message: t("platforms.webhookInvalid") }]}
        >
          <Input type="url" maxLength={2000} spellCheck={false} placeholder="https://" />
        </Form.Item>
        <Button type="primary" htmlType="submit" loading={saving}>
          {t("platforms.save")}
        </Button>
      </Form>
    </Card>
  );
}

function CredentialsCard({ platform, onChanged }: { platform: Platform; onChanged(p: Platform): void }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [rotating, setRotating] = useState(false);
  const [graceHours, setGraceHours] = useState<number | null>(24);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [issued, setIssued] = useState<IssuedCredential | undefined>(undefined);
  const base = `/api/platforms/${encodeURIComponent(platform.id)}`;
  const now = Date.now();

  async function rotate() {
    setBusy(true);
    setError(undefined);
    try {
      const result = await api.post<IssuedCredential>(`${base}/credentials`, {
        ...(graceHours === null ? {} : { graceHours }),
      });
      setRotating(false);
      setIssued(result);
      onChanged(result.platform);
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  }

  async function revoke(keyId: string) {
    setError(undefined);
    try {
      onChanged(await api.delete<Platform>(`${base}/credentials/${encodeURIComponent(keyId)}`));
      void message.success(t("platforms.revoked", { keyId }));
    } catch (e) {
      setError(e);
    }
  }

  return (
    <Card
      title={<h2 className="card-title">{t("platforms.credentials")}</h2>}
      extra={
        <Button
          onClick={() => {
            setError(undefined);
            setRotating(true);
          }}
        >
          {t("platforms.rotate")}
        </Button>
      }
      style={{ marginBottom: 16 }}
    >
      {error !== undefined && !rotating && (
        <Alert type="error" showIcon role="alert" message={errorText(error)} style={{ marginBottom: 16 }} />
      )}
      <Table<PlatformCredential>
        rowKey="keyId"
        size="small"
        pagination={false}
        dataSource={[...platform.credentials].sort((a, b) => b.createdAt.localeCompare(a.createdAt))}
        scroll={{ x: 760 }}
        columns={[
          {
            title: t("platforms.keyId"),
            key: "keyId",
            className: "nowrap",
            render: (_, c) => <Typography.Text code>{c.keyId}</Typography.Text>,
          },
          {
            title: t("platforms.cred.state"),
            key: "state",
            width: 120,
            render: (_, c) => <CredentialTag credential={c} now={now} />,
          },
          {
            title: t("platforms.cred.createdAt"),
            key: "createdAt",
            width: 150,
            render: (_, c) => dateTimeOf(c.createdAt),
          },
          {
            title: t("platforms.cred.expiresAt"),
            key: "expiresAt",
            width: 150,
            render: (_, c) => (c.expiresAt ? dateTimeOf(c.expiresAt) : t("platforms.never")),
          },
          {
            title: t("platforms.cred.revokedAt"),
            key: "revokedAt",
            width: 150,
            render: (_, c) => (c.revokedAt ? dateTimeOf(c.revokedAt) : t("platforms.never")),
          },
          {
            title: t("common.actions"),
            key: "actions",
            width: 100,
            render: (_, c) =>
              c.usable && (
                <Popconfirm
                  title={t("platforms.revokeConfirm", { keyId: c.keyId })}
                  okText={t("platforms.revoke")}
                  cancelText={t("office.cancel")}
                  okButtonProps={{ danger: true }}
                  onConfirm={() => revoke(c.keyId)}
                >
                  <Button size="small" danger aria-label={t("platforms.revokeLabel", { keyId: c.keyId })}>
                    {t("platforms.revoke")}
                  </Button>
                </Popconfirm>
              ),
          },
        ]}
      />
      <Modal
        open={rotating}
        title={t("platforms.rotateTitle")}
        okText={t("platforms.rotateSubmit")}
        cancelText={t("office.cancel")}
        confirmLoading={busy}
        onOk={() => void rotate()}
        onCancel={() => setRotating(false)}
      >
        <Typography.Paragraph>{t("platforms.rotateHint")}</Typography.Paragraph>
        {error !== undefined && (
          <Alert type="error" showIcon role="alert" message={errorText(error)} style={{ marginBottom: 16 }} />
        )}
        <Form layout="vertical">
          <Form.Item label={t("platforms.graceHours")} htmlFor="rotate-grace-hours">
            <InputNumber
              id="rotate-grace-hours"
              min={0}
              max={24 * 30}
              precision={0}
              value={graceHours}
              onChange={(v) => setGraceHours(v)}
            />
          </Form.Item>
        </Form>
      </Modal>
      <SecretModal issued={issued} onClose={() => setIssued(undefined)} />
    </Card>
  );
}

function AttemptTimeline({ delivery }: { delivery: WebhookDelivery }) {
  const { t } = useI18n();
  return (
    <div style={{ display: "grid", gap: 12, gridTemplateColumns: "minmax(0, 1fr) minmax(0, 1fr)" }}>
      <div>
        <Typography.Title level={3} style={{ fontSize: 14 }}>
          {t("platforms.attempts")}
        </Typography.Title>
        {delivery.log.length === 0 ? (
          <Typography.Text type="secondary">{t("platforms.noAttempts")}</Typography.Text>
        ) : (
          <Timeline
            items={delivery.log.map((a) => {
              const ok = a.statusCode !== null && a.statusCode >= 200 && a.statusCode < 300;
              return {
                key: `${a.attempt}-${a.startedAt}`,
                color: ok ? "green" : "red",
                children: (
                  <>
                    <div>
                      {t("platforms.attempt", {
                        n: a.attempt,
                        at: dateTimeOf(a.startedAt),
                        ms: a.durationMs,
                      })}
                      {a.replay && <Tag style={{ marginInlineStart: 8 }}>{t("platforms.attemptReplay")}</Tag>}
                    </div>
                    <Typography.Text type={ok ? "success" : "danger"} style={{ overflowWrap: "anywhere" }}>
                      {a.statusCode !== null && t("platforms.http", { status: a.statusCode })}
                      {a.statusCode !== null && a.error ? " · " : ""}
                      {a.error}
                    </Typography.Text>
                  </>
                ),
              };
            })}
          />
        )}
      </div>
      <div style={{ minWidth: 0 }}>
        <Typography.Title level={3} style={{ fontSize: 14 }}>
          {t("platforms.eventData")}
        </Typography.Title>
        <Typography.Paragraph type="secondary" style={{ overflowWrap: "anywhere" }}>
          {delivery.url}
        </Typography.Paragraph>
        <pre className="code-editor" style={{ whiteSpace: "pre-wrap", overflowWrap: "anywhere", margin: 0 }}>
          {JSON.stringify(delivery.event.data, null, 2)}
        </pre>
      </div>
    </div>
  );
}

function DeliveriesCard({ platform }: { platform: Platform }) {
  const { t } = useI18n();
  const { message } = App.useApp();
  const errorText = useErrorText();
  const [status, setStatus] = useState<DeliveryStatus | "all">("all");
  const [replaying, setReplaying] = useState<string | undefined>(undefined);
  const deliveries = useLoad(
    (signal) =>
      api.get<WebhookDelivery[]>(
        `/api/platforms/${encodeURIComponent(platform.id)}/deliveries?limit=200${status === "all" ? "" : `&status=${status}`}`,
        signal,
      ),
    [platform.id, status],
  );

  async function replay(d: WebhookDelivery) {
    setReplaying(d.id);
    try {
      const after = await api.post<WebhookDelivery>(`/api/webhook-deliveries/${d.id}/replay`);
      if (after.status === "delivered")
        void message.success(t("platforms.replayDelivered", { status: after.lastStatus ?? "" }));
      else
        void message.error(
          t("platforms.replayFailed", {
            reason:
              after.lastError ??
              (after.lastStatus !== null ? t("platforms.http", { status: after.lastStatus }) : ""),
          }),
        );
      await deliveries.reload();
    } catch (e) {
      void message.error(errorText(e));
    } finally {
      setReplaying(undefined);
    }
  }

  return (
    <Card
      title={<h2 className="card-title">{t("platforms.deliveries")}</h2>}
      extra={
        <Space wrap>
          <Select<DeliveryStatus | "all">
            aria-label={t("platforms.deliveryStatus")}
            value={status}
            onChange={setStatus}
            style={{ minWidth: 120 }}
            options={[
              { value: "all", label: t("platforms.allStatuses") },
              ...DELIVERY_STATUSES.map((s) => ({ value: s, label: t(`platforms.delivery.${s}`) })),
            ]}
          />
          <Button onClick={() => void deliveries.reload()}>{t("common.refresh")}</Button>
        </Space>
      }
    >
      <ErrorAlert error={deliveries.error} onRetry={() => void deliveries.reload()} />
      <Table<WebhookDelivery>
        rowKey="id"
        size="small"
        loading={deliveries.loading}
        dataSource={deliveries.data ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: <Empty description={t("platforms.noDeliveries")} /> }}
        expandable={{ expandedRowRender: (d) => <AttemptTimeline delivery={d} /> }}
        scroll={{ x: 900 }}
        columns={[
          {
            title: t("platforms.col.event"),
            key: "event",
            render: (_, d) => eventTypeText(d.event.type, t),
          },
          {
            title: t("platforms.col.eventAt"),
            key: "eventAt",
            width: 150,
            render: (_, d) => dateTimeOf(d.event.createdAt),
          },
          {
            title: t("platforms.col.status"),
            key: "status",
            width: 100,
            render: (_, d) => (
              <Tag color={DELIVERY_COLOURS[d.status]}>{t(`platforms.delivery.${d.status}`)}</Tag>
            ),
          },
          { title: t("platforms.col.attempts"), dataIndex: "attempts", width: 90 },
          {
            title: t("platforms.col.lastResult"),
            key: "last",
            render: (_, d) => (
              <LongText
                text={
                  [
                    d.lastStatus !== null ? t("platforms.http", { status: d.lastStatus }) : "",
                    d.lastError ?? "",
                  ]
                    .filter(Boolean)
                    .join(" · ") || "—"
                }
                maxWidth={220}
              />
            ),
          },
          {
            title: t("platforms.col.nextAttempt"),
            key: "next",
            width: 150,
            render: (_, d) => (d.nextAttemptAt ? dateTimeOf(d.nextAttemptAt) : "—"),
          },
          {
            title: t("common.actions"),
            key: "actions",
            width: 110,
            render: (_, d) => (
              <Button
                size="small"
                loading={replaying === d.id}
                disabled={replaying !== undefined && replaying !== d.id}
                aria-label={t("platforms.replayLabel", {
                  event: eventTypeText(d.event.type, t),
                  at: dateTimeOf(d.event.createdAt),
                })}
                onClick={() => void replay(d)}
              >
                {t("platforms.replay")}
              </Button>
            ),
          },
        ]}
      />
    </Card>
  );
}

export function PlatformPage() {
  const { t } = useI18n();
  const { platformId = "" } = useParams();
  const list = useLoad((signal) => api.get<Platform[]>("/api/platforms", signal), []);
  const [latest, setLatest] = useState<Platform | undefined>(undefined);
  const loaded = list.data?.find((p) => p.id === platformId);
  const platform = latest?.id === platformId ? latest : loaded;
  usePageTitle(platform?.name ?? t("platforms.title"));

  return (
    <>
      <PageHeading
        title={<span style={{ overflowWrap: "anywhere" }}>{platform?.name ?? platformId}</span>}
        sub={<Link to="/office/platforms">{t("platforms.backToList")}</Link>}
      />
      <ErrorAlert error={list.error} onRetry={() => void list.reload()} />
      {list.data && !platform && (
        <Alert type="warning" showIcon message={t("platforms.notFound", { id: platformId })} />
      )}
      {platform && (
        <>
          <DetailsCard
            key={`${platform.id}-${platform.name}-${platform.webhookUrl}`}
            platform={platform}
            onSaved={setLatest}
          />
          <CredentialsCard platform={platform} onChanged={setLatest} />
          <DeliveriesCard platform={platform} />
        </>
      )}
    </>
  );
}
