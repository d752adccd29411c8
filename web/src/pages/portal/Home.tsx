/**
 * The handler's desk: the organisation, a banner for each certificate inside its renewal window,
 * the certificates with their expiry, and every order with its state and what it waits for.
 */
import { PlusOutlined, ReloadOutlined } from "@ant-design/icons";
import { Alert, Button, Card, Descriptions, Space, Table, Tag, Tooltip, Typography } from "antd";
import { Link, useNavigate } from "react-router-dom";
import { api } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type { Certificate, Order, Organisation, Programme } from "../../api/types";
import type { Applicant } from "../../auth";
import { PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert } from "../../components/errors";
import { LongText } from "../../components/LongText";
import { StateTag } from "../../components/StateTag";
import { useI18n } from "../../i18n";
import { dateOf, yuan } from "../../lib/format";
import { dueKey, nextActionKey } from "../../lib/orders";
import { certificateView, type CertificateStanding } from "../../lib/renewal";
import { serverToday } from "../../lib/today";

const STANDING_COLOUR: Record<CertificateStanding, string> = {
  revoked: "error",
  expired: "default",
  renewable: "warning",
  "pending-activation": "processing",
  valid: "success",
};

export function Home({ actor }: { actor: Applicant }) {
  const { t, loc } = useI18n();
  const navigate = useNavigate();
  usePageTitle(t("home.title"));
  const data = useLoad(
    async (signal) => {
      const [organisation, certificates, orders, programmes, today] = await Promise.all([
        api.get<Organisation>("/api/portal/organisation", signal),
        api.get<Certificate[]>("/api/certificates", signal),
        api.get<Order[]>("/api/orders?limit=200", signal),
        api.get<Programme[]>("/api/programmes", signal),
        serverToday(signal),
      ]);
      return { organisation, certificates, orders, programmes, today };
    },
    [actor.userId],
  );
  const d = data.data;
  const programmeOf = (id: string) => d?.programmes.find((p) => p.id === id);
  const certificates = (d?.certificates ?? []).map((c) => ({
    cert: c,
    view: certificateView(c, programmeOf(c.programme_id), d!.today),
  }));
  const renewable = certificates.filter((c) => c.view.renewable);

  return (
    <>
      <PageHeading
        title={t("home.title")}
        sub={d && <LongText text={d.organisation.name} strong maxWidth={640} />}
        extra={
          <>
            <Button
              icon={<ReloadOutlined aria-hidden />}
              aria-label={t("common.refresh")}
              onClick={() => void data.reload()}
              loading={data.loading}
            />
            <Button
              type="primary"
              icon={<PlusOutlined aria-hidden />}
              onClick={() => navigate("/portal/apply")}
            >
              {t("home.apply")}
            </Button>
          </>
        }
      />
      <ErrorAlert error={data.error} onRetry={data.reload} />
      {renewable.map(({ cert, view }) => (
        <Alert
          key={cert.id}
          type="warning"
          showIcon
          role="status"
          style={{ marginBottom: 12 }}
          message={t("home.renewalBanner", {
            programme: loc(programmeOf(cert.programme_id)?.name),
            date: dateOf(cert.not_after),
            days: view.daysLeft,
          })}
          action={
            <Button
              size="small"
              type="primary"
              onClick={() => navigate(`/portal/apply/${cert.programme_id}/renewal?certificate=${cert.id}`)}
            >
              {t("home.renewNow")}
            </Button>
          }
        />
      ))}
      {d && (
        <Card size="small" style={{ marginBottom: 16 }}>
          <Descriptions size="small" column={{ xs: 1, md: 3 }}>
            <Descriptions.Item label={t("home.organisation")}>{d.organisation.name}</Descriptions.Item>
            <Descriptions.Item label={t("signUp.uscc")}>{d.organisation.uscc}</Descriptions.Item>
            <Descriptions.Item label={t("home.handler")}>{d.organisation.handler.name}</Descriptions.Item>
          </Descriptions>
        </Card>
      )}
      <Card title={<h2 className="card-title">{t("home.certificates")}</h2>} style={{ marginBottom: 16 }}>
        <Table
          size="small"
          rowKey={(r) => r.cert.id}
          loading={data.loading && !d}
          dataSource={certificates}
          pagination={false}
          locale={{ emptyText: t("home.noCertificates") }}
          scroll={{ x: 900 }}
          columns={[
            {
              title: t("home.programme"),
              key: "programme",
              width: 200,
              render: (_, r) => <LongText text={loc(programmeOf(r.cert.programme_id)?.name)} />,
            },
            {
              title: t("home.subject"),
              key: "subject",
              ellipsis: { showTitle: false },
              render: (_, r) => <LongText text={r.cert.subject} />,
            },
            {
              title: t("home.serial"),
              key: "serial",
              width: 150,
              ellipsis: { showTitle: false },
              render: (_, r) => <LongText text={r.cert.serial} />,
            },
            {
              title: t("home.validUntil"),
              key: "notAfter",
              width: 170,
              render: (_, r) => (
                <>
                  {dateOf(r.cert.not_after)}
                  {r.view.daysLeft > 0 && (
                    <Typography.Text type="secondary">
                      {" "}
                      · {t("home.daysLeft", { days: r.view.daysLeft })}
                    </Typography.Text>
                  )}
                </>
              ),
            },
            {
              title: t("home.status"),
              key: "status",
              width: 110,
              render: (_, r) => (
                <Tag color={STANDING_COLOUR[r.view.standing]}>{t(`standing.${r.view.standing}`)}</Tag>
              ),
            },
            {
              title: t("common.actions"),
              key: "actions",
              width: 180,
              render: (_, r) => (
                <Space size="small">
                  {r.view.renewable && (
                    <Link to={`/portal/apply/${r.cert.programme_id}/renewal?certificate=${r.cert.id}`}>
                      {t("home.renew")}
                    </Link>
                  )}
                  <Link to={`/portal/apply/${r.cert.programme_id}?certificate=${r.cert.id}`}>
                    {t("home.otherServices")}
                  </Link>
                </Space>
              ),
            },
          ]}
        />
      </Card>
      <Card title={<h2 className="card-title">{t("home.orders")}</h2>}>
        <Table
          size="small"
          rowKey="id"
          loading={data.loading && !d}
          dataSource={d?.orders ?? []}
          pagination={{ pageSize: 10, hideOnSinglePage: true }}
          locale={{ emptyText: t("home.noOrders") }}
          scroll={{ x: 980 }}
          columns={[
            {
              title: t("order.number"),
              key: "number",
              width: 190,
              render: (_, o) => <Link to={`/portal/orders/${o.id}`}>{o.number}</Link>,
            },
            {
              title: t("order.service"),
              key: "service",
              width: 170,
              ellipsis: { showTitle: false },
              render: (_, o) => (
                <LongText
                  text={`${loc(programmeOf(o.programmeId)?.services[o.service]?.name)} · ${loc(programmeOf(o.programmeId)?.name)}`}
                />
              ),
            },
            {
              title: t("order.state"),
              key: "state",
              width: 120,
              render: (_, o) => <StateTag state={o.state} />,
            },
            {
              title: t("order.next"),
              key: "next",
              ellipsis: { showTitle: false },
              render: (_, o) => {
                const key = nextActionKey(o, programmeOf(o.programmeId));
                return key ? (
                  <LongText text={t(key)} />
                ) : (
                  <Typography.Text type="secondary">—</Typography.Text>
                );
              },
            },
            {
              title: t("order.total"),
              key: "total",
              width: 110,
              align: "right",
              render: (_, o) => `¥${yuan(o.totalFen)}`,
            },
            {
              title: t("order.due"),
              key: "due",
              width: 150,
              render: (_, o) =>
                o.due ? (
                  <Tooltip title={t(dueKey(o.due.kind))}>
                    <span>
                      {o.due.on}
                      {o.due.overdue ? (
                        <Tag color="error" style={{ marginLeft: 4 }}>
                          {t("order.overdue")}
                        </Tag>
                      ) : null}
                    </span>
                  </Tooltip>
                ) : (
                  "—"
                ),
            },
            { title: t("order.created"), key: "created", width: 110, render: (_, o) => dateOf(o.createdAt) },
          ]}
        />
      </Card>
    </>
  );
}
