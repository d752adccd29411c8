/** Where staff land: the queues their roles work, each with how many orders wait and how many are late. */
import { ExclamationCircleOutlined } from "@ant-design/icons";
import { Card, Col, Empty, Row, Space, Statistic, Table, Typography } from "antd";
import { Link } from "react-router-dom";
import { api } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type { Staff } from "../../auth";
import { officePagesFor, PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert } from "../../components/errors";
import { useI18n } from "../../i18n";
import { dateOf, dateTimeOf } from "../../lib/format";
import { queuesFor, type OfficeOrder } from "../../lib/office";
import { Dashboard } from "./Dashboard";
import { dueKindText } from "./orderColumns";
import { useProgrammes } from "./QueuePage";

/** GET /api/staff/deadlines/overdue (src/jobs/deadlines.ts). */
interface OverdueOrder {
  orderId: string;
  number: string;
  programmeId: string;
  service: string;
  state: string;
  kind: string;
  dueOn: string;
  lateWorkingDays: number | null;
  alertedAt: string | null;
}

/** Who does the work each deadline waits for (the server's DEADLINE_ROLES). */
const DEADLINE_ROLES: Record<string, string> = {
  review: "reviewer",
  production: "production",
  "refund-payment": "finance",
  invoice: "finance",
};

function OverdueCard({ actor }: { actor: Staff }) {
  const { t } = useI18n();
  const overdue = useLoad((signal) => api.get<OverdueOrder[]>("/api/staff/deadlines/overdue", signal), []);
  const mine = (overdue.data ?? []).filter(
    (o) => actor.roles.includes("admin") || actor.roles.some((r) => DEADLINE_ROLES[o.kind] === r),
  );
  return (
    <Card
      title={
        <h2 className="card-title">
          {mine.length > 0 && <ExclamationCircleOutlined aria-hidden style={{ color: "#cf1322" }} />}{" "}
          {t("office.overdue")}
        </h2>
      }
      style={{ marginTop: 16 }}
    >
      <ErrorAlert error={overdue.error} onRetry={() => void overdue.reload()} />
      <Table<OverdueOrder>
        rowKey={(o) => `${o.orderId}-${o.kind}`}
        size="small"
        loading={overdue.loading}
        dataSource={mine}
        pagination={{ pageSize: 10, hideOnSinglePage: true }}
        locale={{ emptyText: <Empty description={t("office.overdueNone")} /> }}
        scroll={{ x: 640 }}
        columns={[
          {
            title: t("office.col.number"),
            key: "number",
            width: 180,
            render: (_, o) => <Link to={`/office/orders/${o.orderId}`}>{o.number}</Link>,
          },
          { title: t("office.col.due"), key: "kind", width: 100, render: (_, o) => dueKindText(o.kind, t) },
          { title: t("office.overdueDueOn"), key: "dueOn", width: 120, render: (_, o) => dateOf(o.dueOn) },
          {
            title: t("office.overdueLateCol"),
            key: "late",
            render: (_, o) => (
              <Space direction="vertical" size={0}>
                <Typography.Text type="danger">
                  {o.lateWorkingDays === null ? "—" : t("office.overdueLate", { n: o.lateWorkingDays })}
                </Typography.Text>
                {o.alertedAt && (
                  <Typography.Text type="secondary">
                    {t("office.overdueAlerted", { at: dateTimeOf(o.alertedAt) })}
                  </Typography.Text>
                )}
              </Space>
            ),
          },
        ]}
      />
    </Card>
  );
}

export function OfficeHome({ actor }: { actor: Staff }) {
  const { t } = useI18n();
  usePageTitle(t("office.title"));
  const { programmes } = useProgrammes();
  const orders = useLoad((signal) => api.get<OfficeOrder[]>("/api/office/orders", signal), []);
  const queues = queuesFor(actor.roles);
  const pages = officePagesFor(actor.roles);
  return (
    <>
      <PageHeading title={t("office.title")} sub={t("office.welcome", { name: actor.name })} />
      <ErrorAlert error={orders.error} onRetry={() => void orders.reload()} />
      <Row gutter={[16, 16]}>
        {queues.map((q) => {
          const held = (orders.data ?? []).filter((o) => q.holds(o, programmes));
          const late = held.filter((o) => o.due?.overdue).length;
          return (
            <Col key={q.id} xs={24} sm={12} lg={8}>
              <Card loading={orders.loading}>
                <Link to={`/office/queue/${q.id}`}>
                  <Statistic title={t(q.label)} value={held.length} />
                </Link>
                {late > 0 && (
                  <Typography.Text type="danger">{t("office.lateCount", { n: late })}</Typography.Text>
                )}
              </Card>
            </Col>
          );
        })}
      </Row>
      {pages.length > 0 && (
        <nav aria-label={t("office.shortcuts")} style={{ marginTop: 16 }}>
          <Space wrap size="middle">
            <Typography.Text type="secondary">{t("office.shortcuts")}</Typography.Text>
            {pages.map((p) => (
              <Link key={p.key} to={p.key}>
                {t(p.label)}
              </Link>
            ))}
          </Space>
        </nav>
      )}
      <OverdueCard actor={actor} />
      <Dashboard programmes={programmes} />
    </>
  );
}
