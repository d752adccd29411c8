/** The desk's figures (GET /api/office/stats): orders and revenue per day, deadlines missed, expiries ahead. */
import { Card, Col, Empty, List, Row, Typography } from "antd";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { api } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type { Programme } from "../../api/types";
import { ErrorAlert } from "../../components/errors";
import { useI18n } from "../../i18n";
import { yuan } from "../../lib/format";
import { dueKindText } from "./orderColumns";

interface Stats {
  from: string;
  to: string;
  ordersPerDay: { day: string; service: string; count: number }[];
  /** null for staff who do not handle money (only finance and admin see it) */
  revenuePerDay: { day: string; amountFen: number }[] | null;
  deadlinesMissed: { kind: string; count: number }[];
  expiringPerMonth: { month: string; count: number }[];
}

const COLOURS = ["#1677ff", "#52c41a", "#faad14", "#eb2f96", "#722ed1", "#13c2c2", "#fa541c", "#2f54eb"];

/** Every day from `from` to `to` (YYYY-MM-DD), so that quiet days show as zero. */
function daysBetween(from: string, to: string): string[] {
  const out: string[] = [];
  const d = new Date(`${from}T00:00:00Z`);
  const end = new Date(`${to}T00:00:00Z`);
  while (d <= end) {
    out.push(d.toISOString().slice(0, 10));
    d.setUTCDate(d.getUTCDate() + 1);
  }
  return out;
}

export function Dashboard({ programmes }: { programmes: Map<string, Programme> }) {
  const { t, loc } = useI18n();
  const stats = useLoad((signal) => api.get<Stats>("/api/office/stats", signal), []);
  if (!stats.data) return <ErrorAlert error={stats.error} onRetry={() => void stats.reload()} />;
  const s = stats.data;
  const serviceName = (code: string) => {
    for (const p of programmes.values()) {
      const def = p.services[code as keyof Programme["services"]];
      if (def) return loc(def.name);
    }
    return code;
  };
  const services = [...new Set(s.ordersPerDay.map((r) => r.service))];
  const days = daysBetween(s.from, s.to);
  const orderRows = days.map((day) => ({
    day: day.slice(5),
    ...Object.fromEntries(
      services.map((code) => [
        code,
        s.ordersPerDay.find((r) => r.day === day && r.service === code)?.count ?? 0,
      ]),
    ),
  }));
  const revenueRows = days.map((day) => ({
    day: day.slice(5),
    yuan: (s.revenuePerDay?.find((r) => r.day === day)?.amountFen ?? 0) / 100,
  }));
  const totalOrders = s.ordersPerDay.reduce((n, r) => n + r.count, 0);
  const totalRevenue = (s.revenuePerDay ?? []).reduce((n, r) => n + r.amountFen, 0);
  const totalMissed = s.deadlinesMissed.reduce((n, r) => n + r.count, 0);
  const totalExpiring = s.expiringPerMonth.reduce((n, r) => n + r.count, 0);

  return (
    <Row gutter={[16, 16]} style={{ marginTop: 16 }}>
      <Col xs={24} lg={12}>
        <Card title={<h2 className="card-title">{t("office.stats.orders")}</h2>}>
          <Typography.Paragraph type="secondary">
            {t("office.stats.ordersSummary", { n: totalOrders, from: s.from, to: s.to })}
          </Typography.Paragraph>
          <div
            role="img"
            aria-label={t("office.stats.ordersSummary", { n: totalOrders, from: s.from, to: s.to })}
          >
            <ResponsiveContainer width="100%" height={220}>
              <BarChart data={orderRows}>
                <CartesianGrid strokeDasharray="3 3" vertical={false} />
                <XAxis dataKey="day" tick={{ fontSize: 11 }} interval={4} />
                <YAxis allowDecimals={false} width={32} />
                <Tooltip />
                <Legend />
                {services.map((code, i) => (
                  <Bar
                    key={code}
                    dataKey={code}
                    name={serviceName(code)}
                    stackId="orders"
                    fill={COLOURS[i % COLOURS.length]}
                    isAnimationActive={false}
                  />
                ))}
              </BarChart>
            </ResponsiveContainer>
          </div>
        </Card>
      </Col>
      {s.revenuePerDay && (
        <Col xs={24} lg={12}>
          <Card title={<h2 className="card-title">{t("office.stats.revenue")}</h2>}>
            <Typography.Paragraph type="secondary">
              {t("office.stats.revenueSummary", { amount: yuan(totalRevenue), from: s.from, to: s.to })}
            </Typography.Paragraph>
            <div
              role="img"
              aria-label={t("office.stats.revenueSummary", {
                amount: yuan(totalRevenue),
                from: s.from,
                to: s.to,
              })}
            >
              <ResponsiveContainer width="100%" height={220}>
                <BarChart data={revenueRows}>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="day" tick={{ fontSize: 11 }} interval={4} />
                  <YAxis width={56} />
                  <Tooltip formatter={(v) => `¥${Number(v).toFixed(2)}`} />
                  <Bar
                    dataKey="yuan"
                    name={t("office.stats.yuan")}
                    fill="#52c41a"
                    isAnimationActive={false}
                  />
                </BarChart>
              </ResponsiveContainer>
            </div>
          </Card>
        </Col>
      )}
      <Col xs={24} lg={12}>
        <Card title={<h2 className="card-title">{t("office.stats.missed")}</h2>}>
          {totalMissed === 0 ? (
            <Empty image={Empty.PRESENTED_IMAGE_SIMPLE} description={t("office.stats.noneMissed")} />
          ) : (
            <List
              dataSource={s.deadlinesMissed}
              renderItem={(r) => (
                <List.Item>
                  <Typography.Text type="danger">
                    {t("office.stats.missedKind", { kind: dueKindText(r.kind, t), n: r.count })}
                  </Typography.Text>
                </List.Item>
              )}
            />
          )}
        </Card>
      </Col>
      <Col xs={24} lg={12}>
        <Card title={<h2 className="card-title">{t("office.stats.expiring")}</h2>}>
          <Typography.Paragraph type="secondary">
            {t("office.stats.expiringSummary", { n: totalExpiring })}
          </Typography.Paragraph>
          {totalExpiring > 0 && (
            <div role="img" aria-label={t("office.stats.expiringSummary", { n: totalExpiring })}>
              <ResponsiveContainer width="100%" height={200}>
                <BarChart data={s.expiringPerMonth}>
                  <CartesianGrid strokeDasharray="3 3" vertical={false} />
                  <XAxis dataKey="month" tick={{ fontSize: 11 }} />
                  <YAxis allowDecimals={false} width={32} />
                  <Tooltip />
                  <Bar
                    dataKey="count"
                    name={t("office.stats.certificates")}
                    fill="#faad14"
                    isAnimationActive={false}
                  />
                </BarChart>
              </ResponsiveContainer>
            </div>
          )}
        </Card>
      </Col>
    </Row>
  );
}
