/** One staff queue: a table of the orders waiting for this desk, the nearest deadline first. */
import { ClockCircleOutlined, ExclamationCircleOutlined } from "@ant-design/icons";
import { Button, Table, Typography } from "antd";
import { Link, Navigate, useParams } from "react-router-dom";
import { api } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type { Programme } from "../../api/types";
import type { Staff } from "../../auth";
import { PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert } from "../../components/errors";
import { LongText } from "../../components/LongText";
import { StateTag } from "../../components/StateTag";
import { useI18n, type I18n, type MessageKey } from "../../i18n";
import { dateOf } from "../../lib/format";
import { byDue, queuesFor, type OfficeOrder } from "../../lib/office";

export function useProgrammes(): { programmes: Map<string, Programme>; error: unknown } {
  const loaded = useLoad((signal) => api.get<Programme[]>("/api/programmes", signal), []);
  return { programmes: new Map((loaded.data ?? []).map((p) => [p.id, p])), error: loaded.error };
}

const DUE_KINDS = ["review", "production", "invoice", "refund-payment"] as const;

/** What a deadline is for, in words ("审核" / "review"). */
export function dueKindText(kind: string, t: I18n["t"]): string {
  return (DUE_KINDS as readonly string[]).includes(kind) ? t(`office.dueKind.${kind}` as MessageKey) : kind;
}

/** The working-day countdown: days left, or overdue in red with an icon and words. */
export function DueCell({ due }: { due: OfficeOrder["due"] }) {
  const { t } = useI18n();
  if (!due) return <Typography.Text type="secondary">—</Typography.Text>;
  if (due.overdue)
    return (
      <Typography.Text type="danger" strong>
        <ExclamationCircleOutlined aria-hidden /> {dueKindText(due.kind, t)} ·{" "}
        {t("office.due.overdue", { date: dateOf(due.on) })}
      </Typography.Text>
    );
  return (
    <span>
      <ClockCircleOutlined aria-hidden /> {dueKindText(due.kind, t)} ·{" "}
      {due.remainingWorkingDays === null
        ? t("office.due.on", { date: dateOf(due.on) })
        : t("office.due.left", { n: due.remainingWorkingDays, date: dateOf(due.on) })}
    </span>
  );
}

export function QueuePage({ actor }: { actor: Staff }) {
  const { t, loc } = useI18n();
  const { queueId } = useParams();
  const queue = queuesFor(actor.roles).find((q) => q.id === queueId);
  usePageTitle(queue ? t(queue.label) : undefined);
  const { programmes, error: programmesError } = useProgrammes();
  const orders = useLoad(
    (signal) =>
      api.get<OfficeOrder[]>(`/api/office/orders${queue?.state ? `?state=${queue.state}` : ""}`, signal),
    [queue?.id],
  );
  if (!queue) return <Navigate to="/office" replace />;
  const rows = (orders.data ?? []).filter((o) => queue.holds(o, programmes)).sort(byDue);

  return (
    <>
      <PageHeading
        title={t(queue.label)}
        sub={t("office.queue.count", { n: rows.length })}
        extra={<Button onClick={() => void orders.reload()}>{t("common.refresh")}</Button>}
      />
      <ErrorAlert error={orders.error ?? programmesError} onRetry={() => void orders.reload()} />
      <Table<OfficeOrder>
        rowKey="id"
        size="middle"
        loading={orders.loading}
        dataSource={rows}
        pagination={{ pageSize: 20, hideOnSinglePage: true }}
        rowClassName={(o) => (o.due?.overdue ? "row-overdue" : "")}
        scroll={{ x: 900 }}
        columns={[
          {
            title: t("office.col.number"),
            key: "number",
            width: 180,
            render: (_, o) => <Link to={`/office/orders/${o.id}`}>{o.number}</Link>,
          },
          {
            title: t("office.col.organisation"),
            key: "organisation",
            render: (_, o) => <LongText text={o.organisation?.name ?? "—"} maxWidth={260} />,
          },
          {
            title: t("office.col.service"),
            key: "service",
            width: 150,
            render: (_, o) => loc(programmes.get(o.programmeId)?.services[o.service]?.name) || o.service,
          },
          {
            title: t("office.col.programme"),
            key: "programme",
            width: 200,
            render: (_, o) => <LongText text={loc(programmes.get(o.programmeId)?.name) || o.programmeId} />,
          },
          {
            title: t("office.col.state"),
            key: "state",
            width: 130,
            render: (_, o) => <StateTag state={o.state} />,
          },
          { title: t("office.col.due"), key: "due", width: 220, render: (_, o) => <DueCell due={o.due} /> },
        ]}
      />
    </>
  );
}
