/** Where staff land: the queues their roles work, each with how many orders wait and how many are late. */
import { Card, Col, Row, Statistic, Typography } from "antd";
import { Link } from "react-router-dom";
import { api } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type { Staff } from "../../auth";
import { PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert } from "../../components/errors";
import { useI18n } from "../../i18n";
import { queuesFor, type OfficeOrder } from "../../lib/office";
import { Dashboard } from "./Dashboard";
import { useProgrammes } from "./QueuePage";

export function OfficeHome({ actor }: { actor: Staff }) {
  const { t } = useI18n();
  usePageTitle(t("office.title"));
  const { programmes } = useProgrammes();
  const orders = useLoad((signal) => api.get<OfficeOrder[]>("/api/office/orders", signal), []);
  const queues = queuesFor(actor.roles);
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
      <Dashboard programmes={programmes} />
    </>
  );
}
