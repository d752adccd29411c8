/**
 * The guide to one service of one programme, generated from the programme data (so editing the
 * programme updates it): what it is, who may use it, the steps, the materials, the fees with a
 * worked example priced by the server, the mailing address, downloads, contacts, tips and FAQ.
 */
import {
  Alert,
  Breadcrumb,
  Button,
  Card,
  Collapse,
  Descriptions,
  Space,
  Spin,
  Table,
  Tag,
  Typography,
} from "antd";
import type { ReactNode } from "react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { api } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type { Programme, Quote, ServiceCode } from "../../api/types";
import { useAuth } from "../../auth";
import { PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert } from "../../components/errors";
import { MaterialRequirements } from "../../components/MaterialRequirements";
import { QuoteTable } from "../../components/QuoteTable";
import { useI18n } from "../../i18n";
import { termText, yuan } from "../../lib/format";
import { guideSteps } from "../../lib/guideSteps";
import { defaultKeys, defaultYears, hasStep, mailed } from "../../lib/programme";
import { MailingAddress } from "../portal/OrderPage";

function Section({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <Card
      style={{ marginBottom: 16 }}
      title={
        <h2 className="card-title" id={id}>
          {title}
        </h2>
      }
    >
      <section aria-labelledby={id}>{children}</section>
    </Card>
  );
}

export function GuidePage() {
  const { programmeId = "", service = "" } = useParams();
  const i18n = useI18n();
  const { t, loc } = i18n;
  const navigate = useNavigate();
  const { actor } = useAuth();
  const loaded = useLoad(
    (signal) => api.get<Programme>(`/api/programmes/${programmeId}`, signal),
    [programmeId],
  );
  const programme = loaded.data;
  const code = service as ServiceCode;
  const def = programme?.services[code];
  usePageTitle(def ? loc(def.name) : t("guides.title"));

  if (loaded.error) return <ErrorAlert error={loaded.error} onRetry={loaded.reload} />;
  if (!programme) return <Spin tip={t("common.loading")} />;
  if (!def) return <Alert type="error" showIcon message={t("apply.serviceNotOffered")} />;

  const r = programme.rules;
  const eligibility: string[] = [];
  if (def.eligibility.withinRenewalWindow && r.renewalWindowDays !== undefined)
    eligibility.push(t("guide.withinRenewalWindow", { days: r.renewalWindowDays }));
  else if (def.eligibility.beforeExpiry) eligibility.push(t("guide.beforeExpiry"));
  if (def.eligibility.applyingAccountOnly) eligibility.push(t("guide.applyingAccountOnly"));
  if (def.keepsOriginalValidity) eligibility.push(t("guide.keepsValidity"));
  if (code === "refund" && r.refundActivationWindowDays !== undefined)
    eligibility.push(t("guide.refundRule", { days: r.refundActivationWindowDays }));
  if (code === "new" && r.oneCertificatePerAccount) eligibility.push(t("guide.oneCertificatePerAccount"));
  if (code === "new" && r.maxSealsPerCertificate > 0)
    eligibility.push(t("guide.maxSeals", { n: r.maxSealsPerCertificate }));
  if (code === "new" && r.keysPerOrder.recommended)
    eligibility.push(t("guide.keysRecommended", { n: r.keysPerOrder.recommended }));

  const paper = hasStep(def, "paper") || def.materials.some(mailed);
  const forms = def.materials.filter((m) => m.template);
  const apply = () =>
    navigate(
      actor?.kind === "applicant"
        ? `/portal/apply/${programme.id}/${code}`
        : `/sign-in?next=${encodeURIComponent(`/portal/apply/${programme.id}/${code}`)}`,
    );

  return (
    <>
      <Breadcrumb
        style={{ marginBottom: 12 }}
        items={[
          { title: <Link to="/guides">{t("guides.title")}</Link> },
          { title: loc(programme.name) },
          { title: loc(def.name) },
        ]}
      />
      <PageHeading
        title={loc(def.name)}
        sub={
          <Space wrap>
            <span>{loc(programme.name)}</span>
            <Tag>{t(`channel.${def.channel}`)}</Tag>
          </Space>
        }
        extra={
          <Button type="primary" onClick={apply}>
            {t("guide.applyNow")}
          </Button>
        }
      />
      <Section id="what" title={t("guide.what")}>
        <Typography.Paragraph>{loc(def.description)}</Typography.Paragraph>
        <Descriptions size="small" column={1}>
          <Descriptions.Item label={t("guide.platform")}>{loc(programme.platform.name)}</Descriptions.Item>
          <Descriptions.Item label={t("guide.ca")}>{loc(programme.ca.name)}</Descriptions.Item>
          {programme.agent && (
            <Descriptions.Item label={t("guide.agent")}>{loc(programme.agent.name)}</Descriptions.Item>
          )}
          <Descriptions.Item label={t("guide.channel")}>{t(`channel.${def.channel}`)}</Descriptions.Item>
        </Descriptions>
        {eligibility.length > 0 && (
          <ul className="requirements">
            {eligibility.map((e) => (
              <li key={e}>{e}</li>
            ))}
          </ul>
        )}
      </Section>
      <Section id="steps" title={t("guide.steps")}>
        <ol className="steps-plain">
          {guideSteps(programme, code, i18n).map((line, i) => (
            <li key={i}>{line}</li>
          ))}
        </ol>
      </Section>
      {def.materials.length > 0 && (
        <Section id="materials" title={t("guide.materials")}>
          {def.materials.map((m) => (
            <div key={m.id} style={{ marginBottom: 12 }}>
              <Typography.Text strong>{loc(m.name)}</Typography.Text>
              <MaterialRequirements material={m} />
            </div>
          ))}
        </Section>
      )}
      <Section id="fees" title={t("guide.fees")}>
        <FeeTable programme={programme} code={code} />
        <FeeExample programme={programme} code={code} />
      </Section>
      <Section id="payment" title={t("guide.payment")}>
        <PaymentInfo programme={programme} code={code} />
      </Section>
      {paper && programme.mailingAddress && (
        <Section id="mail" title={t("guide.mail")}>
          <MailingAddress programme={programme} />
        </Section>
      )}
      <Section id="downloads" title={t("guide.downloads")}>
        <ul className="requirements">
          {forms.map((m) => (
            <li key={m.id}>
              {t("guide.downloadLine", {
                form: loc(m.name),
                how: t(m.template?.prefilled ? "guide.formPrefilled" : "guide.formOnOrder"),
              })}
            </li>
          ))}
          <li>{t("guide.securityClient")}</li>
        </ul>
      </Section>
      {def.tips.length > 0 && (
        <Section id="tips" title={t("guide.tips")}>
          <ul className="requirements">
            {def.tips.map((tip, i) => (
              <li key={i}>{loc(tip)}</li>
            ))}
          </ul>
        </Section>
      )}
      {def.faq.length > 0 && (
        <Section id="faq" title={t("guide.faq")}>
          <Collapse
            items={def.faq.map((f, i) => ({
              key: i,
              label: loc(f.question),
              children: <p style={{ margin: 0 }}>{loc(f.answer)}</p>,
            }))}
          />
        </Section>
      )}
      <Section id="contacts" title={t("guide.contacts")}>
        <Descriptions size="small" column={1}>
          <Descriptions.Item label={t("guide.phone")}>{programme.contacts.phone}</Descriptions.Item>
          <Descriptions.Item label={t("guide.email")}>
            <a href={`mailto:${programme.contacts.email}`}>{programme.contacts.email}</a>
          </Descriptions.Item>
          <Descriptions.Item label={t("guide.hours")}>{loc(programme.contacts.hours)}</Descriptions.Item>
          {programme.contacts.website && (
            <Descriptions.Item label={t("guide.website")}>
              <a href={programme.contacts.website}>{programme.contacts.website}</a>
            </Descriptions.Item>
          )}
        </Descriptions>
      </Section>
    </>
  );
}

/** The tariff as it applies to this service. */
function FeeTable({ programme, code }: { programme: Programme; code: ServiceCode }) {
  const { t, loc } = useI18n();
  const def = programme.services[code]!;
  const term = programme.tariff.term;
  if (def.fee === "free") return <Typography.Paragraph>{t("fee.free")}</Typography.Paragraph>;
  if (def.fee === "none") return <Typography.Paragraph>{t("fee.none")}</Typography.Paragraph>;
  if (def.fee === "per-time") {
    const price = programme.tariff.perTime[code];
    if (!price) return null;
    const covering = term?.kind === "plans" ? term.plans.filter((p) => p.covers.includes(code)) : [];
    return (
      <>
        <Typography.Paragraph>
          {t(price.per === "key" ? "fee.perTimeKey" : "fee.perTimeOrder", { amount: yuan(price.unitPrice) })}
          {price.cashOnDelivery ? t("fee.cashOnDelivery") : ""}
        </Typography.Paragraph>
        {covering.length > 0 && (
          <Typography.Paragraph type="secondary">
            {t("fee.coveredBy", { plans: covering.map((p) => loc(p.name)).join(" / ") })}
          </Typography.Paragraph>
        )}
      </>
    );
  }
  if (!term) return null;
  const years = [...programme.rules.validityYears].sort((a, b) => a - b);
  if (term.kind === "per-year") {
    return (
      <Table
        size="small"
        pagination={false}
        rowKey="years"
        aria-label={t("guide.fees")}
        dataSource={years.map((y) => ({ years: y, amount: term.perYear * y }))}
        columns={[
          { title: t("apply.years"), key: "y", render: (_, row) => termText(row.years, t) },
          {
            title: t("fee.perCertificate"),
            key: "a",
            align: "right",
            render: (_, row) => `¥${yuan(row.amount)}`,
          },
        ]}
        style={{ maxWidth: 480, marginBottom: 16 }}
      />
    );
  }
  return (
    <Table
      size="small"
      pagination={false}
      rowKey="id"
      aria-label={t("guide.fees")}
      dataSource={term.plans}
      scroll={{ x: 600 }}
      style={{ marginBottom: 16 }}
      columns={[
        {
          title: t("apply.plan"),
          key: "plan",
          render: (_, p) => (
            <>
              <Typography.Text strong>{loc(p.name)}</Typography.Text>
              {p.description && (
                <div>
                  <Typography.Text type="secondary">{loc(p.description)}</Typography.Text>
                </div>
              )}
            </>
          ),
        },
        ...years.map((y) => ({
          title: t("fee.perKeyYears", { term: termText(y, t) }),
          key: `y${y}`,
          align: "right" as const,
          render: (_: unknown, p: (typeof term.plans)[number]) => {
            const price = p.prices.find((x) => x.years === y);
            return price ? `¥${yuan(price.perKey)}` : "—";
          },
        })),
      ]}
    />
  );
}

interface Example {
  caption: string;
  quote: Quote;
}

/** A worked example priced by the server (POST /api/quote), e.g. 2 keys × 3 years on each plan. */
function FeeExample({ programme, code }: { programme: Programme; code: ServiceCode }) {
  const { t, loc } = useI18n();
  const def = programme.services[code]!;
  const examples = useLoad<Example[]>(async () => {
    if (def.fee === "free" || def.fee === "none") return [];
    const post = (body: Record<string, unknown>) =>
      api.post<Quote>("/api/quote", { programmeId: programme.id, service: code, ...body });
    if (def.fee === "per-time") {
      const quote = await post({});
      return [{ caption: t("fee.examplePerTime"), quote }];
    }
    const years = defaultYears(programme);
    const keys = Math.max(defaultKeys(programme), Math.min(2, programme.rules.keysPerOrder.max));
    const term = programme.tariff.term;
    if (term?.kind === "plans") {
      return Promise.all(
        term.plans.map(async (p) => ({
          caption: t("fee.examplePlan", { keys, term: termText(years, t), plan: loc(p.name) }),
          quote: await post({ years, keys, plan: p.id }),
        })),
      );
    }
    const quote = await post({ years, ...(programme.rules.keysPerOrder.max > 1 ? { keys } : {}) });
    return [
      { caption: t("fee.exampleTerm", { keys: quote.term?.keys ?? 1, term: termText(years, t) }), quote },
    ];
  }, [programme.id, code, t]);

  if (def.fee === "free" || def.fee === "none") return null;
  return (
    <div aria-live="polite">
      <Typography.Title level={4}>{t("fee.example")}</Typography.Title>
      <ErrorAlert error={examples.error} onRetry={examples.reload} />
      {!examples.data && !examples.error && <Spin />}
      {examples.data?.map((e) => (
        <div key={e.caption} style={{ marginBottom: 16 }}>
          <Typography.Paragraph strong style={{ marginBottom: 4 }}>
            {t("fee.exampleLine", { caption: e.caption, amount: yuan(e.quote.total) })}
          </Typography.Paragraph>
          <QuoteTable quote={e.quote} caption={e.caption} />
        </div>
      ))}
    </div>
  );
}

function PaymentInfo({ programme, code }: { programme: Programme; code: ServiceCode }) {
  const { t, loc } = useI18n();
  const def = programme.services[code]!;
  if (!hasStep(def, "payment")) return <Typography.Paragraph>{t("guide.nothingToPay")}</Typography.Paragraph>;
  const account = programme.payment.collectionAccount;
  return (
    <>
      <Typography.Paragraph>
        {programme.payment.channels
          .map((c) => t(c === "online" ? "payment.online" : "payment.bankTransfer"))
          .join(" / ")}
      </Typography.Paragraph>
      {programme.payment.channels.includes("bank-transfer") && account && (
        <Descriptions size="small" column={1} bordered style={{ marginBottom: 12 }}>
          <Descriptions.Item label={t("order.bank")}>{account.bank}</Descriptions.Item>
          <Descriptions.Item label={t("order.accountName")}>{account.accountName}</Descriptions.Item>
          <Descriptions.Item label={t("order.accountNumber")}>{account.accountNumber}</Descriptions.Item>
        </Descriptions>
      )}
      {programme.payment.bankTransfer && (
        <Typography.Paragraph>{loc(programme.payment.bankTransfer.instructions)}</Typography.Paragraph>
      )}
      <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
        {t(`invoice.${programme.invoice.delivery}`, {
          type: programme.invoice.type ? t(`invoiceType.${programme.invoice.type}`) : t("invoiceType.plain"),
          days: programme.rules.invoiceDeadlineWorkingDays ?? 2,
        })}
      </Typography.Paragraph>
    </>
  );
}
