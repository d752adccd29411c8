/** One staff queue: a table of the orders waiting for this desk, the nearest deadline first. */
import { Button, Table } from "antd";
import { Navigate, useParams } from "react-router-dom";
import { api } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type { Programme } from "../../api/types";
import type { Staff } from "../../auth";
import { PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert } from "../../components/errors";
import { useI18n } from "../../i18n";
import { byDue, queuesFor, type OfficeOrder } from "../../lib/office";
import { useOrderColumns } from "./orderColumns";

export function useProgrammes(): { programmes: Map<string, Programme>; error: unknown } {
  const loaded = useLoad((signal) => api.get<Programme[]>("/api/programmes", signal), []);
  return { programmes: new Map((loaded.data ?? []).map((p) => [p.id, p])), error: loaded.error };
}

export function QueuePage({ actor }: { actor: Staff }) {
  const { t } = useI18n();
  const { queueId } = useParams();
  const queue = queuesFor(actor.roles).find((q) => q.id === queueId);
  usePageTitle(queue ? t(queue.label) : undefined);
  const { programmes, error: programmesError } = useProgrammes();
  const orders = useLoad(
    (signal) =>
      api.get<OfficeOrder[]>(`/api/office/orders${queue?.state ? `?state=${queue.state}` : ""}`, signal),
    [queue?.id],
  );
  // The paper queue shows the courier's number the applicant gave for the paper on its way.
  const columns = useOrderColumns(programmes, [
    "number",
    "organisation",
    "service",
    "programme",
    "state",
    ...(queue?.id === "paper" ? (["paperTracking"] as const) : []),
    "due",
  ]);
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
        columns={columns}
      />
    </>
  );
}
