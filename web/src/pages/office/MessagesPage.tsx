/**
 * Notifications for staff: the outbox (what the desk sent or will send, and why a message was given
 * up), and the development SMS sink's texts, to read what an applicant received.
 */
import { Alert, Button, Empty, Input, Select, Space, Table, Tabs, Tag, Typography } from "antd";
import { useState } from "react";
import { api } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type { OutboxEntry, OutboxStatus, SmsMessage } from "../../api/types";
import { PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert } from "../../components/errors";
import { LongText } from "../../components/LongText";
import { useI18n, type I18n, type MessageKey } from "../../i18n";
import { dateTimeOf } from "../../lib/format";

const TEMPLATES = [
  "order-submitted",
  "order-rejected",
  "order-paid",
  "order-approved",
  "order-shipped",
  "activation-code",
  "unlock-code",
  "invoice-ready",
  "refund-made",
  "expiry-reminder",
  "deadline-overdue",
  "order-expired",
  "transfer-rejected",
  "password-reset-code",
] as const;

const STATUS_COLOURS: Record<OutboxStatus, string> = {
  pending: "processing",
  sent: "success",
  failed: "error",
};

function templateText(template: string, t: I18n["t"]): string {
  return (TEMPLATES as readonly string[]).includes(template)
    ? t(`messages.template.${template}` as MessageKey)
    : template;
}

function channelText(channel: string, t: I18n["t"]): string {
  return channel === "sms" || channel === "email" ? t(`messages.channel.${channel}`) : channel;
}

function Outbox() {
  const { t } = useI18n();
  const [status, setStatus] = useState<OutboxStatus | "all">("all");
  const outbox = useLoad(
    (signal) =>
      api.get<OutboxEntry[]>(
        `/api/staff/outbox?limit=200${status === "all" ? "" : `&status=${status}`}`,
        signal,
      ),
    [status],
  );
  return (
    <>
      <Space wrap style={{ marginBottom: 16 }}>
        <Select<OutboxStatus | "all">
          aria-label={t("messages.status")}
          value={status}
          onChange={setStatus}
          style={{ minWidth: 120 }}
          options={[
            { value: "all", label: t("platforms.allStatuses") },
            ...(["pending", "sent", "failed"] as const).map((s) => ({
              value: s,
              label: t(`messages.status.${s}`),
            })),
          ]}
        />
        <Button onClick={() => void outbox.reload()}>{t("common.refresh")}</Button>
      </Space>
      <ErrorAlert error={outbox.error} onRetry={() => void outbox.reload()} />
      <Table<OutboxEntry>
        rowKey="id"
        size="small"
        loading={outbox.loading}
        dataSource={outbox.data ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: <Empty description={t("messages.none")} /> }}
        scroll={{ x: 900 }}
        columns={[
          {
            title: t("messages.col.createdAt"),
            key: "createdAt",
            width: 150,
            render: (_, m) => dateTimeOf(m.createdAt),
          },
          {
            title: t("messages.col.template"),
            key: "template",
            render: (_, m) => templateText(m.template, t),
          },
          {
            title: t("messages.col.channel"),
            key: "channel",
            width: 80,
            render: (_, m) => channelText(m.channel, t),
          },
          {
            title: t("messages.recipient"),
            key: "recipient",
            width: 200,
            render: (_, m) => <LongText text={m.recipient} maxWidth={190} />,
          },
          {
            title: t("messages.status"),
            key: "status",
            width: 100,
            render: (_, m) => <Tag color={STATUS_COLOURS[m.status]}>{t(`messages.status.${m.status}`)}</Tag>,
          },
          { title: t("messages.col.attempts"), dataIndex: "attempts", width: 90, align: "right" },
          {
            title: t("messages.col.sentAt"),
            key: "sentAt",
            width: 150,
            render: (_, m) => (m.sentAt ? dateTimeOf(m.sentAt) : "—"),
          },
          {
            title: t("messages.col.error"),
            key: "error",
            width: 200,
            render: (_, m) => (m.lastError ? <LongText text={m.lastError} maxWidth={190} /> : "—"),
          },
        ]}
      />
    </>
  );
}

function SmsSink() {
  const { t } = useI18n();
  const [recipient, setRecipient] = useState("");
  const sms = useLoad(
    (signal) =>
      api.get<SmsMessage[]>(
        `/api/staff/sms?limit=200${recipient ? `&recipient=${encodeURIComponent(recipient)}` : ""}`,
        signal,
      ),
    [recipient],
  );
  return (
    <>
      <Alert type="info" showIcon message={t("messages.smsHint")} style={{ marginBottom: 16 }} />
      <Space wrap style={{ marginBottom: 16 }}>
        <Input.Search
          aria-label={t("messages.recipientFilter")}
          placeholder={t("messages.recipientFilter")}
          allowClear
          maxLength={20}
          inputMode="tel"
          onSearch={(v) => setRecipient(v.trim())}
          style={{ width: 240 }}
        />
        <Button onClick={() => void sms.reload()}>{t("common.refresh")}</Button>
      </Space>
      <ErrorAlert error={sms.error} onRetry={() => void sms.reload()} />
      <Table<SmsMessage>
        rowKey="id"
        size="small"
        loading={sms.loading}
        dataSource={sms.data ?? []}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        locale={{ emptyText: <Empty description={t("messages.none")} /> }}
        scroll={{ x: 700 }}
        columns={[
          {
            title: t("messages.col.createdAt"),
            key: "createdAt",
            width: 150,
            render: (_, m) => dateTimeOf(m.createdAt),
          },
          { title: t("messages.recipient"), dataIndex: "recipient", width: 140 },
          {
            title: t("messages.col.text"),
            key: "text",
            render: (_, m) => (
              <Typography.Paragraph style={{ margin: 0, overflowWrap: "anywhere" }}>
                {m.text}
              </Typography.Paragraph>
            ),
          },
        ]}
      />
    </>
  );
}

export function MessagesPage() {
  const { t } = useI18n();
  usePageTitle(t("messages.title"));
  const [tab, setTab] = useState<"outbox" | "sms">("outbox");
  return (
    <>
      <PageHeading title={t("messages.title")} sub={t("messages.sub")} />
      <Tabs
        activeKey={tab}
        onChange={(k) => setTab(k === "sms" ? "sms" : "outbox")}
        items={[
          { key: "outbox", label: t("messages.outbox"), children: tab === "outbox" ? <Outbox /> : null },
          { key: "sms", label: t("messages.sms"), children: tab === "sms" ? <SmsSink /> : null },
        ]}
      />
    </>
  );
}
