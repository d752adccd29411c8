/**
 * "My USB key": the inserted key, read and driven through the security client's local agent on
 * this computer (docs/agent.md). The page finds the agent (its port can be changed), pairs with it
 * once with the code the agent shows in its terminal, then shows the key (serial, certificate,
 * expiry, PIN state) and its actions: change PIN, activate, unlock, renew, install the seal.
 * The page never sees a PIN: for each action the agent opens its own window, where the user reads
 * which site asks for what and types the PIN (new PIN, SMS code); this page waits for the outcome.
 */
import {
  Alert,
  Button,
  Card,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Space,
  Spin,
  Tabs,
  Tag,
  Typography,
} from "antd";
import { useMemo, useState, type ReactNode } from "react";
import { Link } from "react-router-dom";
import {
  AGENT_DEFAULT_PORT,
  agentClient,
  deskSession,
  isAgentError,
  savedPort,
  savedSecret,
  saveDeskSession,
  savePort,
  saveSecret,
  type AgentClient,
  type KeyDescription,
  type RenewStage,
  type UnlockStage,
} from "../../api/agent";
import { api } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type { Organisation } from "../../api/types";
import { PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert } from "../../components/errors";
import { useI18n, type I18n, type MessageKey } from "../../i18n";
import { dateOf } from "../../lib/format";

/** The agent's own message (in the language asked for); our words where no agent answered. */
function agentErrorText(e: unknown, t: I18n["t"]): string {
  if (isAgentError(e)) {
    if (e.code === "agent.unreachable") return t("usbKey.error.unreachable");
    if (e.code === "agent.popup_blocked")
      return t("usbKey.error.popupBlocked", { url: String(e.params.url) });
    if (e.text) return e.text;
  }
  return t("usbKey.error.failed");
}

function AgentErrorAlert({ error }: { error: unknown }) {
  const { t } = useI18n();
  if (!error) return null;
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      style={{ marginBottom: 12 }}
      message={agentErrorText(error, t)}
    />
  );
}

/**
 * Busy buttons are disabled with a spinner beside them rather than Ant Design's own loading icon:
 * that icon, shown and hidden within a few milliseconds (the agent answers fast), can stay in the
 * page invisibly and join the button's accessible name ("loading …").
 */
function BusyMark({ busy }: { busy: boolean }) {
  const { t } = useI18n();
  return busy ? <Spin size="small" style={{ marginLeft: 8 }} aria-label={t("common.loading")} /> : null;
}

/** One action's run: busy while the agent works, its error, its answer. */
function useAction<T>() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  const [result, setResult] = useState<T | undefined>(undefined);
  const run = async (fn: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(undefined);
    try {
      const value = await fn();
      setResult(value);
      return value;
    } catch (e) {
      setError(e);
      setResult(undefined);
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, result, run, reset: () => setResult(undefined) };
}

export function UsbKey() {
  const { t, locale } = useI18n();
  usePageTitle(t("usbKey.title"));
  const [port, setPort] = useState(savedPort);
  const [secret, setSecret] = useState(() => savedSecret(savedPort()));
  const [attempt, setAttempt] = useState(0);
  const client = useMemo(() => agentClient(port, secret), [port, secret]);
  const status = useLoad((signal) => client.status(signal), [client, attempt, locale]);

  const connect = (next: number) => {
    savePort(next);
    setPort(next);
    setSecret(savedSecret(next));
    setAttempt((n) => n + 1);
  };
  const paired = (value: string | null) => {
    saveSecret(port, value);
    setSecret(value);
    setAttempt((n) => n + 1);
  };

  let body: ReactNode;
  if (status.loading && !status.data && !status.error) {
    body = <Spin tip={t("usbKey.detecting")} />;
  } else if (status.error || !status.data) {
    body = <AgentAbsent port={port} onRetry={() => setAttempt((n) => n + 1)} loading={status.loading} />;
  } else if (!secret || !status.data.paired) {
    body = <Pairing client={client} pairedElsewhere={status.data.paired} onPaired={(s) => paired(s)} />;
  } else {
    body = <KeyPanel client={client} onUnpaired={() => paired(null)} />;
  }

  return (
    <div className="narrow" style={{ maxWidth: 960 }}>
      <PageHeading title={t("usbKey.title")} />
      {body}
      <Card
        size="small"
        title={<h2 className="card-title">{t("usbKey.connection")}</h2>}
        style={{ marginTop: 16 }}
      >
        <PortForm port={port} onConnect={connect} />
      </Card>
    </div>
  );
}

function PortForm({ port, onConnect }: { port: number; onConnect(port: number): void }) {
  const { t } = useI18n();
  return (
    <Form
      layout="inline"
      initialValues={{ port }}
      onFinish={(v: { port: number }) => onConnect(v.port)}
      key={port}
    >
      <Form.Item
        label={t("usbKey.port")}
        name="port"
        rules={[{ required: true, type: "integer", min: 1, max: 65535, message: t("usbKey.portInvalid") }]}
        extra={t("usbKey.portHint", { port: AGENT_DEFAULT_PORT })}
      >
        <InputNumber min={1} max={65535} precision={0} style={{ width: 120 }} />
      </Form.Item>
      <Button htmlType="submit">{t("usbKey.connect")}</Button>
    </Form>
  );
}

function AgentAbsent({ port, onRetry, loading }: { port: number; onRetry(): void; loading: boolean }) {
  const { t } = useI18n();
  const command = `certdesk-client agent --portal-origin ${window.location.origin}${
    port === AGENT_DEFAULT_PORT ? "" : ` --port ${port}`
  }`;
  return (
    <Card>
      <Alert
        type="warning"
        showIcon
        role="status"
        message={t("usbKey.notRunning")}
        description={t("usbKey.notRunningText", { url: `http://127.0.0.1:${port}` })}
        style={{ marginBottom: 16 }}
      />
      <Typography.Paragraph>{t("usbKey.howToStart")}</Typography.Paragraph>
      <Typography.Paragraph>
        <Typography.Text code copyable aria-label={t("usbKey.startCommand")}>
          {command}
        </Typography.Text>
      </Typography.Paragraph>
      <Typography.Paragraph type="secondary">{t("usbKey.howToStartMore")}</Typography.Paragraph>
      <Button type="primary" onClick={onRetry} disabled={loading} aria-busy={loading}>
        {t("usbKey.detectAgain")}
      </Button>
      <BusyMark busy={loading} />
    </Card>
  );
}

function Pairing({
  client,
  pairedElsewhere,
  onPaired,
}: {
  client: AgentClient;
  pairedElsewhere: boolean;
  onPaired(secret: string): void;
}) {
  const { t } = useI18n();
  const action = useAction<{ secret: string }>();
  return (
    <Card title={<h2 className="card-title">{t("usbKey.pairTitle")}</h2>}>
      {pairedElsewhere && (
        <Alert
          type="info"
          showIcon
          style={{ marginBottom: 16 }}
          message={t("usbKey.pairedElsewhere")}
          description={t("usbKey.pairedElsewhereText")}
        />
      )}
      <Typography.Paragraph>{t("usbKey.pairText")}</Typography.Paragraph>
      <AgentErrorAlert error={action.error} />
      <Form
        layout="vertical"
        onFinish={async (v: { code: string }) => {
          const answer = await action.run(() => client.pair(v.code.trim()));
          if (answer) onPaired(answer.secret);
        }}
        style={{ maxWidth: 360 }}
      >
        <Form.Item
          label={t("usbKey.pairingCode")}
          name="code"
          rules={[{ required: true, whitespace: true, message: t("usbKey.pairingCodeRequired") }]}
        >
          <Input autoComplete="off" inputMode="numeric" placeholder="1234-5678" maxLength={20} />
        </Form.Item>
        <Button type="primary" htmlType="submit" disabled={action.busy} aria-busy={action.busy}>
          {t("usbKey.pair")}
        </Button>
        <BusyMark busy={action.busy} />
      </Form>
    </Card>
  );
}

function KeyPanel({ client, onUnpaired }: { client: AgentClient; onUnpaired(): void }) {
  const { t, locale } = useI18n();
  const [session, setSession] = useState(deskSession);
  const key = useLoad((signal) => client.key(signal), [client, locale, session]);

  if (key.error) {
    if (isAgentError(key.error) && key.error.code === "agent.not_paired") {
      return (
        <Card>
          <Alert
            type="warning"
            showIcon
            role="status"
            message={t("usbKey.pairingLost")}
            style={{ marginBottom: 12 }}
          />
          <Button type="primary" onClick={onUnpaired}>
            {t("usbKey.pairAgain")}
          </Button>
        </Card>
      );
    }
    const noKey = isAgentError(key.error) && key.error.code.startsWith("client.no_key");
    return (
      <Card>
        <Alert
          type={noKey ? "info" : "error"}
          showIcon
          role={noKey ? "status" : "alert"}
          message={noKey ? t("usbKey.insertKey") : agentErrorText(key.error, t)}
          style={{ marginBottom: 12 }}
        />
        <Button onClick={() => void key.reload()} disabled={key.loading} aria-busy={key.loading}>
          {t("usbKey.readAgain")}
        </Button>
        <BusyMark busy={key.loading} />
      </Card>
    );
  }
  if (!key.data) return <Spin tip={t("usbKey.reading")} />;
  const reload = () => void key.reload();
  return (
    <>
      <KeyCard description={key.data} onReload={reload} loading={key.loading} />
      {!session && (
        <DeskSessionForm
          onSession={(token) => {
            saveDeskSession(token);
            setSession(token);
          }}
        />
      )}
      <KeyActions client={client} description={key.data} hasSession={Boolean(session)} onChanged={reload} />
    </>
  );
}

function pinStateText(d: KeyDescription, t: I18n["t"]): ReactNode {
  const { user } = d.info;
  if (user.locked) return <Tag color="error">{t("usbKey.pinLocked")}</Tag>;
  return (
    <Space wrap size={4}>
      {d.info.defaultPin && <Tag color="warning">{t("usbKey.pinDefault")}</Tag>}
      <span>{t("usbKey.pinTries", { left: user.retriesLeft, max: user.maxRetries })}</span>
    </Space>
  );
}

function KeyCard({
  description: d,
  onReload,
  loading,
}: {
  description: KeyDescription;
  onReload(): void;
  loading: boolean;
}) {
  const { t } = useI18n();
  const cert = d.certificates[0];
  return (
    <Card
      title={<h2 className="card-title">{t("usbKey.inserted")}</h2>}
      extra={
        <>
          <Button onClick={onReload} disabled={loading} aria-busy={loading}>
            {t("usbKey.readAgain")}
          </Button>
          <BusyMark busy={loading} />
        </>
      }
      style={{ marginBottom: 16 }}
    >
      {d.info.defaultPin && !d.info.user.locked && (
        <Alert
          type="warning"
          showIcon
          role="status"
          style={{ marginBottom: 12 }}
          message={t("usbKey.changeDefaultPin")}
        />
      )}
      <Descriptions size="small" column={{ xs: 1, md: 2 }}>
        <Descriptions.Item label={t("usbKey.serial")}>{d.info.serial}</Descriptions.Item>
        <Descriptions.Item label={t("usbKey.label")}>{d.info.label}</Descriptions.Item>
        <Descriptions.Item label={t("usbKey.subject")} span={{ xs: 1, md: 2 }}>
          <span style={{ overflowWrap: "anywhere" }}>{cert ? cert.subject : t("usbKey.noCertificate")}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t("usbKey.certificateSerial")}>{cert?.serial ?? "—"}</Descriptions.Item>
        <Descriptions.Item label={t("usbKey.expires")}>
          {cert ? dateOf(cert.notAfter) : "—"}
        </Descriptions.Item>
        <Descriptions.Item label={t("usbKey.pinState")}>{pinStateText(d, t)}</Descriptions.Item>
        <Descriptions.Item label={t("usbKey.activation")}>
          {d.desk ? (
            d.desk.activated ? (
              <Tag color="success">{t("usbKey.activated")}</Tag>
            ) : (
              <Tag color="warning">{t("usbKey.notActivated")}</Tag>
            )
          ) : (
            t("usbKey.deskUnknown")
          )}
        </Descriptions.Item>
        <Descriptions.Item label={t("usbKey.seal")}>
          {d.seal ? d.seal.name : t("usbKey.noSeal")}
        </Descriptions.Item>
        {d.desk && (
          <Descriptions.Item label={t("usbKey.renewal")}>
            {d.desk.renewal.open
              ? t("usbKey.renewalOpen")
              : d.desk.renewal.windowOpens
                ? t("usbKey.renewalOpens", { date: dateOf(d.desk.renewal.windowOpens) })
                : "—"}
          </Descriptions.Item>
        )}
      </Descriptions>
      {d.desk && d.desk.openOrders.length > 0 && (
        <Typography.Paragraph style={{ marginTop: 12, marginBottom: 0 }}>
          {t("usbKey.openOrders")}{" "}
          {d.desk.openOrders.map((o, i) => (
            <span key={o.id}>
              {i > 0 && t("common.listSeparator")}
              <Link to={`/portal/orders/${o.id}`}>{o.number}</Link>
            </span>
          ))}
        </Typography.Paragraph>
      )}
    </Card>
  );
}

/** Without the sign-in's session in this tab, the password once more gives the agent one. */
function DeskSessionForm({ onSession }: { onSession(token: string): void }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(undefined);
  return (
    <Card size="small" style={{ marginBottom: 16 }}>
      <Typography.Paragraph>{t("usbKey.sessionNeeded")}</Typography.Paragraph>
      <ErrorAlert error={error} />
      <Form
        layout="inline"
        onFinish={async (v: { password: string }) => {
          setBusy(true);
          setError(undefined);
          try {
            const organisation = await api.get<Organisation>("/api/portal/organisation");
            const session = await api.post<{ token: string }>("/api/auth/login", {
              login: organisation.handler.mobile ?? "",
              password: v.password,
            });
            onSession(session.token);
          } catch (e) {
            setError(e);
          } finally {
            setBusy(false);
          }
        }}
      >
        <Form.Item
          label={t("usbKey.password")}
          name="password"
          rules={[{ required: true, message: t("usbKey.passwordRequired") }]}
        >
          <Input.Password autoComplete="current-password" />
        </Form.Item>
        <Button htmlType="submit" disabled={busy} aria-busy={busy}>
          {t("usbKey.confirmPassword")}
        </Button>
        <BusyMark busy={busy} />
      </Form>
    </Card>
  );
}

/** Where the secrets go: the agent's own window, never this page. */
function InAgentWindow({ busy }: { busy: boolean }) {
  const { t } = useI18n();
  return (
    <Typography.Paragraph type={busy ? "warning" : "secondary"} role={busy ? "status" : undefined}>
      {t(busy ? "usbKey.confirmInAgent" : "usbKey.inAgentWindow")}
    </Typography.Paragraph>
  );
}

function Done({ message, children }: { message: string; children?: ReactNode }) {
  return (
    <Alert
      type="success"
      showIcon
      role="status"
      style={{ marginBottom: 12 }}
      message={message}
      description={children}
    />
  );
}

function KeyActions({
  client,
  description,
  hasSession,
  onChanged,
}: {
  client: AgentClient;
  description: KeyDescription;
  hasSession: boolean;
  onChanged(): void;
}) {
  const { t } = useI18n();
  const needsSession = !hasSession && (
    <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t("usbKey.needsSession")} />
  );
  const items = [
    {
      key: "pin",
      label: t("usbKey.action.pin"),
      children: (
        <AgentStep
          hint={t("usbKey.currentPinHint")}
          label={t("usbKey.changePin")}
          done={() => t("usbKey.pinChanged")}
          run={() => client.changePin()}
          onChanged={onChanged}
        />
      ),
    },
    {
      key: "activate",
      label: t("usbKey.action.activate"),
      children: (
        <>
          {needsSession}
          <AgentStep
            hint={t("usbKey.activationCodeHint")}
            label={t("usbKey.activate")}
            done={() => t("usbKey.activatedDone")}
            run={() => client.activate()}
            onChanged={onChanged}
            disabled={!hasSession}
          />
        </>
      ),
    },
    {
      key: "unlock",
      label: t("usbKey.action.unlock"),
      children: (
        <>
          {needsSession}
          <Unlock client={client} description={description} onChanged={onChanged} disabled={!hasSession} />
        </>
      ),
    },
    {
      key: "renew",
      label: t("usbKey.action.renew"),
      children: (
        <>
          {needsSession}
          <Renew client={client} onChanged={onChanged} disabled={!hasSession} />
        </>
      ),
    },
    {
      key: "seal",
      label: t("usbKey.action.seal"),
      children: (
        <>
          {needsSession}
          <AgentStep
            hint={t("usbKey.sealText")}
            label={t("usbKey.installSeal")}
            done={(r) => t("usbKey.sealInstalled", { name: r.name })}
            run={() => client.installSeal()}
            onChanged={onChanged}
            disabled={!hasSession}
          />
        </>
      ),
    },
  ];
  return (
    <Card title={<h2 className="card-title">{t("usbKey.actions")}</h2>}>
      <Tabs items={items} destroyOnHidden />
    </Card>
  );
}

/**
 * One operation the agent confirms in its own window: what to expect, the button, what came of it.
 * The secrets (PIN, codes) are typed there, never here.
 */
function AgentStep<T>({
  hint,
  label,
  done,
  run,
  onChanged,
  disabled = false,
}: {
  hint: string;
  label: string;
  done(result: T): string;
  run(): Promise<T>;
  onChanged(): void;
  disabled?: boolean;
}) {
  const action = useAction<T>();
  return (
    <>
      {action.result !== undefined && <Done message={done(action.result)} />}
      <AgentErrorAlert error={action.error} />
      <Typography.Paragraph>{hint}</Typography.Paragraph>
      <InAgentWindow busy={action.busy} />
      <Button
        type="primary"
        disabled={disabled || action.busy}
        aria-busy={action.busy}
        onClick={async () => {
          if (await action.run(run)) onChanged();
        }}
      >
        {label}
      </Button>
      <BusyMark busy={action.busy} />
    </>
  );
}

function OrderLink({ order }: { order?: { id: string; number: string } | null | undefined }) {
  const { t } = useI18n();
  if (!order) return null;
  return <Link to={`/portal/orders/${order.id}`}>{t("usbKey.openOrder", { number: order.number })}</Link>;
}

/** What the page says at each unlock stage before the last. */
const UNLOCK_NOTES: Record<
  Exclude<UnlockStage["stage"], "unlocked">,
  { type: "info" | "warning"; message: MessageKey }
> = {
  under_review: { type: "info", message: "usbKey.unlockUnderReview" },
  awaiting_payment: { type: "warning", message: "usbKey.unlockPayFirst" },
  code_sent: { type: "info", message: "usbKey.unlockCodeSent" },
};

function Unlock({
  client,
  description,
  onChanged,
  disabled,
}: {
  client: AgentClient;
  description: KeyDescription;
  onChanged(): void;
  disabled: boolean;
}) {
  const { t } = useI18n();
  const action = useAction<UnlockStage>();
  const stage = action.result;
  if (description.info.unblock === "service-centre")
    return <Alert type="info" showIcon message={t("usbKey.unlockAtCentre")} />;
  return (
    <>
      {stage && stage.stage !== "unlocked" && (
        <Alert
          type={UNLOCK_NOTES[stage.stage].type}
          showIcon
          role="status"
          style={{ marginBottom: 12 }}
          message={t(UNLOCK_NOTES[stage.stage].message)}
          description={stage.stage === "code_sent" ? undefined : <OrderLink order={stage.order} />}
        />
      )}
      {stage?.stage === "unlocked" && <Done message={t("usbKey.unlocked")} />}
      <AgentErrorAlert error={action.error} />
      {stage?.stage === "code_sent" ? (
        <>
          <InAgentWindow busy={action.busy} />
          <Button
            type="primary"
            disabled={disabled || action.busy}
            aria-busy={action.busy}
            onClick={async () => {
              const next = await action.run(() => client.unlockWithCode());
              if (next?.stage === "unlocked") onChanged();
            }}
          >
            {t("usbKey.unlockFinish")}
          </Button>
          <BusyMark busy={action.busy} />
        </>
      ) : (
        stage?.stage !== "unlocked" && (
          <Form
            layout="vertical"
            style={{ maxWidth: 420 }}
            disabled={disabled}
            onFinish={async (v: { reason?: string }) => {
              await action.run(() => client.unlock(v.reason?.trim() ? { reason: v.reason.trim() } : {}));
            }}
          >
            <Typography.Paragraph>{t("usbKey.unlockText")}</Typography.Paragraph>
            <Form.Item label={t("usbKey.unlockReason")} name="reason">
              <Input.TextArea maxLength={500} autoSize={{ minRows: 2, maxRows: 4 }} />
            </Form.Item>
            <Button type="primary" htmlType="submit" disabled={action.busy} aria-busy={action.busy}>
              {t("usbKey.unlockStart")}
            </Button>
            <BusyMark busy={action.busy} />
          </Form>
        )
      )}
    </>
  );
}

function Renew({
  client,
  onChanged,
  disabled,
}: {
  client: AgentClient;
  onChanged(): void;
  disabled: boolean;
}) {
  const { t } = useI18n();
  const [form] = Form.useForm();
  const action = useAction<RenewStage>();
  const stage = action.result;
  return (
    <>
      {stage?.stage === "awaiting_payment" && (
        <Alert
          type="warning"
          showIcon
          role="status"
          style={{ marginBottom: 12 }}
          message={t("usbKey.renewPay")}
          description={
            <Space wrap>
              {stage.payUrl && (
                <Button type="primary" href={stage.payUrl}>
                  {t("usbKey.payNow")}
                </Button>
              )}
              <OrderLink order={stage.order} />
            </Space>
          }
        />
      )}
      {stage?.stage === "renewed" && <Done message={t("usbKey.renewed")} />}
      <AgentErrorAlert error={action.error} />
      <Form
        form={form}
        layout="vertical"
        style={{ maxWidth: 420 }}
        disabled={disabled}
        initialValues={{ years: 1 }}
        onFinish={async (v: { years: number }) => {
          const next = await action.run(() => client.renew({ years: v.years }));
          if (next?.stage === "renewed") onChanged();
        }}
      >
        <Typography.Paragraph>{t("usbKey.renewText")}</Typography.Paragraph>
        <Form.Item label={t("usbKey.renewYears")} name="years" rules={[{ required: true }]}>
          <InputNumber min={1} max={10} precision={0} />
        </Form.Item>
        <InAgentWindow busy={action.busy} />
        <Button type="primary" htmlType="submit" disabled={action.busy} aria-busy={action.busy}>
          {t("usbKey.renew")}
        </Button>
        <BusyMark busy={action.busy} />
      </Form>
    </>
  );
}
