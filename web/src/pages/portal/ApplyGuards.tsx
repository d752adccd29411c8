/**
 * What the application form says before any quote (#19 finding 9): a new certificate while the
 * organisation holds a valid one (what it holds, what it may want instead, a confirmation), and a
 * certificate the chosen service cannot take now (the rule's own words: when the renewal window
 * opens, or that an expired certificate needs a new application).
 */
import { Alert, Checkbox, Form, Space, Typography } from "antd";
import { Link } from "react-router-dom";
import type { Certificate, Programme, ServiceCode } from "../../api/types";
import { useI18n, type MessageKey } from "../../i18n";
import { dateOf } from "../../lib/format";

/** The services that may be what a holder of a valid certificate wants instead of a new one. */
const INSTEAD: { service: ServiceCode; label: MessageKey }[] = [
  { service: "renewal", label: "guards.existing.renew" },
  { service: "reissue", label: "guards.existing.reissue" },
  { service: "change", label: "guards.existing.change" },
];

/** The warning and the confirmation a new application needs beside a valid certificate. */
export function ExistingCertificates({ programme, valid }: { programme: Programme; valid: Certificate[] }) {
  const { t } = useI18n();
  const first = valid[0];
  if (!first) return null;
  const instead = INSTEAD.filter((i) => programme.services[i.service]);
  return (
    <div className="existing-certificates">
      <Alert
        type="warning"
        showIcon
        role="alert"
        style={{ marginBottom: 12 }}
        message={t("guards.existing.title")}
        description={
          <Space direction="vertical" size={4} style={{ width: "100%" }}>
            <Typography.Text strong className="wrap-anywhere">
              {t("guards.existing.held", { serial: first.serial, date: dateOf(first.not_after) })}
              {valid.length > 1 && ` · ${t("guards.existing.more", { n: valid.length - 1 })}`}
            </Typography.Text>
            {instead.length > 0 && <span>{t("guards.existing.advice")}</span>}
            {instead.length > 0 && (
              <ul className="requirements" style={{ margin: 0 }}>
                {instead.map((i) => (
                  <li key={i.service}>
                    <Link to={`/portal/apply/${programme.id}/${i.service}?certificate=${first.id}`}>
                      {t(i.label)}
                    </Link>
                  </li>
                ))}
              </ul>
            )}
          </Space>
        }
      />
      <Form.Item
        name="acknowledgeExistingCertificate"
        valuePropName="checked"
        rules={[
          {
            validator: async (_, checked?: boolean) => {
              if (!checked) throw new Error(t("guards.existing.confirmRequired"));
            },
          },
        ]}
      >
        <Checkbox>{t("guards.existing.confirm")}</Checkbox>
      </Form.Item>
    </div>
  );
}

/** Why the picked certificate cannot have this service now; an ended one is sent to a new application. */
export function CertificateRefused({
  text,
  programme,
  ended,
}: {
  text: string;
  programme: Programme;
  ended: boolean;
}) {
  const { t } = useI18n();
  return (
    <Alert
      type="error"
      showIcon
      role="alert"
      style={{ marginBottom: 16 }}
      message={t("guards.certificate.refused")}
      description={
        <>
          <span>{text}</span>
          {ended && programme.services.new && (
            <>
              {" "}
              <Link to={`/portal/apply/${programme.id}/new`}>{t("guards.certificate.newApplication")}</Link>
            </>
          )}
        </>
      }
    />
  );
}
