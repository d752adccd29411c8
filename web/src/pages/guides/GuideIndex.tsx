/** Every programme's services, each with its guide (public, no sign-in). */
import { Card, Col, Row, Space, Spin, Tag, Typography } from "antd";
import { Link } from "react-router-dom";
import { api } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type { Programme } from "../../api/types";
import { PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert } from "../../components/errors";
import { useI18n } from "../../i18n";
import { feeSummary } from "../../lib/fees";
import { offeredServices } from "../../lib/programme";

export function GuideIndex() {
  const { t, loc } = useI18n();
  usePageTitle(t("guides.title"));
  const programmes = useLoad((signal) => api.get<Programme[]>("/api/programmes", signal), []);
  return (
    <>
      <PageHeading title={t("guides.title")} sub={t("guides.intro")} />
      <ErrorAlert error={programmes.error} onRetry={programmes.reload} />
      {!programmes.data && !programmes.error && <Spin />}
      {programmes.data?.map((p) => (
        <section key={p.id} aria-labelledby={`programme-${p.id}`} style={{ marginBottom: 24 }}>
          <Typography.Title level={3} id={`programme-${p.id}`}>
            {loc(p.name)}
          </Typography.Title>
          <Typography.Paragraph type="secondary">
            {loc(p.platform.name)} · {loc(p.ca.name)}
            {p.agent ? ` · ${loc(p.agent.name)}` : ""}
          </Typography.Paragraph>
          <Row gutter={[16, 16]}>
            {offeredServices(p).map(([code, def]) => (
              <Col xs={24} sm={12} lg={8} key={code}>
                <Card size="small" className="service-card">
                  <Link to={`/guides/${p.id}/${code}`}>
                    <Typography.Text strong>{loc(def.name)}</Typography.Text>
                  </Link>
                  <Typography.Paragraph
                    type="secondary"
                    ellipsis={{ rows: 2, tooltip: loc(def.description) }}
                    style={{ marginBottom: 0 }}
                  >
                    {loc(def.description)}
                  </Typography.Paragraph>
                  <Space wrap size={4}>
                    <Tag>{t(`channel.${def.channel}`)}</Tag>
                    <Tag color="blue">{feeSummary(p, code, { t })}</Tag>
                  </Space>
                </Card>
              </Col>
            ))}
          </Row>
        </section>
      ))}
    </>
  );
}
