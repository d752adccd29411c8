/** The front page: what the desk does, the programmes it serves, where to start. */
import { Button, Card, Col, Row, Space, Spin, Typography } from "antd";
import { Link, useNavigate } from "react-router-dom";
import { api } from "../api/client";
import { useLoad } from "../api/hooks";
import type { Programme } from "../api/types";
import { useAuth } from "../auth";
import { usePageTitle } from "../components/AppLayout";
import { ErrorAlert } from "../components/errors";
import { useI18n } from "../i18n";
import { offeredServices } from "../lib/programme";

export function Landing() {
  const { t, loc } = useI18n();
  const { actor } = useAuth();
  const navigate = useNavigate();
  const programmes = useLoad((signal) => api.get<Programme[]>("/api/programmes", signal), []);
  usePageTitle(undefined);

  return (
    <>
      <div className="page-heading">
        <div>
          <Typography.Title level={1} style={{ marginTop: 0 }}>
            {t("landing.title")}
          </Typography.Title>
          <Typography.Paragraph style={{ fontSize: 16, maxWidth: 760 }}>
            {t("landing.intro")}
          </Typography.Paragraph>
          <Space wrap>
            {actor?.kind === "applicant" ? (
              <Button type="primary" size="large" onClick={() => navigate("/portal")}>
                {t("landing.toPortal")}
              </Button>
            ) : (
              <>
                <Button type="primary" size="large" onClick={() => navigate("/sign-in")}>
                  {t("auth.signIn")}
                </Button>
                <Button size="large" onClick={() => navigate("/sign-up")}>
                  {t("landing.signUp")}
                </Button>
              </>
            )}
            <Button size="large" type="link" onClick={() => navigate("/guides")}>
              {t("landing.guides")}
            </Button>
          </Space>
        </div>
      </div>
      <ErrorAlert error={programmes.error} onRetry={programmes.reload} />
      {programmes.loading && !programmes.data && <Spin />}
      <Row gutter={[16, 16]}>
        {programmes.data?.map((p) => (
          <Col xs={24} md={12} key={p.id}>
            <Card title={<h2 style={{ margin: 0, fontSize: 16 }}>{loc(p.name)}</h2>} className="service-card">
              <Typography.Paragraph type="secondary">{loc(p.platform.description)}</Typography.Paragraph>
              <Typography.Text strong>{t("landing.services")}</Typography.Text>
              <Space wrap>
                {offeredServices(p).map(([code, def]) => (
                  <Link key={code} to={`/guides/${p.id}/${code}`}>
                    {loc(def.name)}
                  </Link>
                ))}
              </Space>
            </Card>
          </Col>
        ))}
      </Row>
    </>
  );
}
