/**
 * "My USB key": what the security client will do here. The local agent that talks to the key comes
 * with a later release; until then this page says so and points to what can be done now.
 */
import { Alert, Card, Typography } from "antd";
import { usePageTitle, PageHeading } from "../../components/AppLayout";
import { useI18n, type MessageKey } from "../../i18n";

const WILL_DO: MessageKey[] = [
  "usbKey.does.activate",
  "usbKey.does.pin",
  "usbKey.does.unlock",
  "usbKey.does.renew",
  "usbKey.does.seal",
];

export function UsbKey() {
  const { t } = useI18n();
  usePageTitle(t("usbKey.title"));
  return (
    <div className="narrow">
      <PageHeading title={t("usbKey.title")} />
      <Alert
        type="info"
        showIcon
        message={t("usbKey.notYet")}
        description={t("usbKey.notYetText")}
        style={{ marginBottom: 16 }}
      />
      <Card title={<h2 className="card-title">{t("usbKey.whatTitle")}</h2>} style={{ marginBottom: 16 }}>
        <Typography.Paragraph>{t("usbKey.what")}</Typography.Paragraph>
        <ul>
          {WILL_DO.map((k) => (
            <li key={k}>{t(k)}</li>
          ))}
        </ul>
      </Card>
      <Card title={<h2 className="card-title">{t("usbKey.meanwhileTitle")}</h2>}>
        <ul>
          <li>{t("usbKey.meanwhile.unlock")}</li>
          <li>{t("usbKey.meanwhile.pin")}</li>
          <li>{t("usbKey.meanwhile.contact")}</li>
        </ul>
      </Card>
    </div>
  );
}
