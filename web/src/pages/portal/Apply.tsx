/**
 * The guided application for every service of a programme: choose the service (cards from the
 * programme data), fill in what that service needs, see the itemised quote, create the order. The
 * order page then takes the materials, the submission and the payment.
 */
import { ArrowLeftOutlined } from "@ant-design/icons";
import { defaultSealName } from "../../../../src/domain/rules.js";
import {
  Alert,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Form,
  Input,
  InputNumber,
  Radio,
  Row,
  Segmented,
  Select,
  Space,
  Spin,
  Steps,
  Switch,
  Tag,
  Typography,
  type DescriptionsProps,
} from "antd";
import { useMemo, useState } from "react";
import { Link, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { api, idempotencyKey } from "../../api/client";
import { useLoad } from "../../api/hooks";
import type {
  Certificate,
  Order,
  OrderDetails,
  Organisation,
  Programme,
  Quote,
  ServiceCode,
} from "../../api/types";
import type { Applicant } from "../../auth";
import { PageHeading, usePageTitle } from "../../components/AppLayout";
import { ErrorAlert } from "../../components/errors";
import { LongText } from "../../components/LongText";
import { QuoteTable } from "../../components/QuoteTable";
import { StateTag } from "../../components/StateTag";
import { useI18n, type I18n, type MessageKey } from "../../i18n";
import { dateOf, termText, yuan } from "../../lib/format";
import { feeSummary } from "../../lib/fees";
import {
  certificateNeed,
  defaultKeys,
  defaultYears,
  hasStep,
  offeredServices,
  offersSealWithNew,
  requiredUploads,
  sealServices,
  yearsOffered,
} from "../../lib/programme";
import { certificateDecision, eligibleCertificates, refusalText, validHeld } from "../../lib/guards";
import { certificateView } from "../../lib/renewal";
import { serverToday } from "../../lib/today";
import { CertificateRefused, ExistingCertificates } from "./ApplyGuards";
import { BasketEditor, certificateLabel, completeLines, linesText, type BasketLine } from "./BasketEditor";

interface Loaded {
  programmes: Programme[];
  organisation: Organisation;
  certificates: Certificate[];
  orders: Order[];
  today: Awaited<ReturnType<typeof serverToday>>;
}

export function Apply({ actor }: { actor: Applicant }) {
  const { t } = useI18n();
  const { programmeId, service } = useParams();
  usePageTitle(t("apply.title"));
  const data = useLoad<Loaded>(
    async (signal) => {
      const [programmes, organisation, certificates, orders, today] = await Promise.all([
        api.get<Programme[]>("/api/programmes", signal),
        api.get<Organisation>("/api/portal/organisation", signal),
        api.get<Certificate[]>("/api/certificates", signal),
        api.get<Order[]>("/api/orders?limit=200", signal),
        serverToday(signal),
      ]);
      return { programmes, organisation, certificates, orders, today };
    },
    [actor.userId],
  );

  if (data.error) return <ErrorAlert error={data.error} onRetry={data.reload} />;
  if (!data.data) return <Spin tip={t("common.loading")} />;
  const d = data.data;
  const programme = d.programmes.find((p) => p.id === (programmeId ?? usualProgramme(d)));
  const code = service as ServiceCode | undefined;
  if (programmeId && !programme) return <Alert type="error" showIcon message={t("apply.unknownProgramme")} />;
  if (programme && code && !programme.services[code])
    return <Alert type="error" showIcon message={t("apply.serviceNotOffered")} />;

  return (
    <>
      <PageHeading title={t("apply.title")} />
      {programme && code ? (
        <ApplyForm key={`${programme.id}/${code}`} data={d} programme={programme} service={code} />
      ) : (
        <ChooseService data={d} programme={programme} />
      )}
    </>
  );
}

/** The programme the organisation already works in, when there is exactly one. */
function usualProgramme(d: Loaded): string | undefined {
  const used = new Set([...d.certificates.map((c) => c.programme_id), ...d.orders.map((o) => o.programmeId)]);
  if (used.size === 1) return [...used][0];
  return d.programmes.length === 1 ? d.programmes[0]?.id : undefined;
}

function FlowSteps({
  current,
  programme,
  service,
}: {
  current: number;
  programme?: Programme;
  service?: ServiceCode;
}) {
  const { t } = useI18n();
  const def = programme && service ? programme.services[service] : undefined;
  const items = [
    { title: t("apply.step.choose") },
    { title: t("apply.step.fill") },
    { title: t("apply.step.quote") },
    { title: t("apply.step.materials") },
  ];
  if (!def || hasStep(def, "payment")) items.push({ title: t("apply.step.pay") });
  return <Steps size="small" current={current} items={items} style={{ marginBottom: 24 }} />;
}

// ---- step 1: the service ---------------------------------------------------------------------

function ChooseService({ data, programme }: { data: Loaded; programme: Programme | undefined }) {
  const { t, loc } = useI18n();
  const navigate = useNavigate();
  const [search] = useSearchParams();
  const query = search.toString() ? `?${search.toString()}` : "";
  return (
    <>
      <FlowSteps current={0} />
      {data.programmes.length > 1 && (
        <div style={{ marginBottom: 16 }}>
          <Typography.Paragraph strong id="choose-programme">
            {t("apply.chooseProgramme")}
          </Typography.Paragraph>
          <Segmented
            aria-labelledby="choose-programme"
            value={programme?.id ?? ""}
            onChange={(id) => navigate(`/portal/apply/${id}${query}`)}
            options={data.programmes.map((p) => ({
              value: p.id,
              label: <LongText text={loc(p.name)} maxWidth={320} />,
            }))}
          />
        </div>
      )}
      {!programme ? (
        <Empty description={t("apply.chooseProgrammeFirst")} />
      ) : (
        <>
          <Typography.Paragraph type="secondary">{loc(programme.platform.description)}</Typography.Paragraph>
          <Row gutter={[16, 16]}>
            {offeredServices(programme).map(([code, def]) => {
              const name = loc(def.name);
              return (
                <Col xs={24} sm={12} lg={8} key={code}>
                  <Card className="service-card" size="small" title={<h2 className="card-title">{name}</h2>}>
                    <Typography.Paragraph
                      ellipsis={{ rows: 3, tooltip: loc(def.description) }}
                      style={{ marginBottom: 0 }}
                    >
                      {loc(def.description)}
                    </Typography.Paragraph>
                    <Space wrap size={4}>
                      <Tag>{t(`channel.${def.channel}`)}</Tag>
                      <Tag color="blue">{feeSummary(programme, code, { t })}</Tag>
                    </Space>
                    <div style={{ marginTop: "auto", display: "flex", gap: 8, flexWrap: "wrap" }}>
                      <Button
                        type="primary"
                        aria-label={t("apply.chooseService", { service: name })}
                        onClick={() => navigate(`/portal/apply/${programme.id}/${code}${query}`)}
                      >
                        {t("apply.choose")}
                      </Button>
                      <Link to={`/guides/${programme.id}/${code}`}>{t("apply.readGuide")}</Link>
                    </div>
                  </Card>
                </Col>
              );
            })}
          </Row>
        </>
      )}
    </>
  );
}

// ---- steps 2 and 3: fill in, quote, create ---------------------------------------------------

interface ApplyValues {
  years?: number;
  keys?: number;
  plan?: string;
  lines?: BasketLine[];
  certificateIds?: string[];
  courier?: "prepaid" | "cash-on-delivery";
  certificateId?: string;
  sealRequested?: boolean;
  sealName?: string;
  sealType?: string;
  newOrganisationName?: string;
  reason?: string;
  invoice?: { title?: string; taxNumber?: string; email?: string };
  mailingAddress?: { recipient?: string; phone?: string; address?: string };
  /** A new certificate beside a valid one: the applicant confirmed it (sent beside the details). */
  acknowledgeExistingCertificate?: boolean;
}

interface Shape {
  term: boolean;
  plans: boolean;
  /** programme B's new keys: lines of plan × term × keys in one order */
  basket: boolean;
  /** a single service that may name several keys at once */
  severalKeys: boolean;
  keys: boolean;
  courier: boolean;
  certificate: "required" | "optional" | "none";
  sealWithNew: boolean;
  seal: boolean;
  change: boolean;
  reason: "required" | "optional" | "none";
  invoice: boolean;
  mailing: boolean;
}

/** Which fields a service asks for, from its fee basis, steps and the programme's rules. */
function shapeOf(programme: Programme, service: ServiceCode): Shape {
  const def = programme.services[service]!;
  const perTime = def.fee === "per-time" ? programme.tariff.perTime[service] : undefined;
  return {
    term: def.fee === "term",
    plans: def.fee === "term" && programme.tariff.term?.kind === "plans",
    basket: def.fee === "term" && programme.tariff.term?.kind === "plans" && service === "new",
    severalKeys:
      programme.rules.keysPerOrder.max > 1 && ["pin-reset", "format", "remote-support"].includes(service),
    keys:
      programme.rules.keysPerOrder.max > 1 &&
      (def.fee === "term" || (perTime !== undefined && perTime.per === "key")),
    courier: service === "courier" && Boolean(perTime?.cashOnDelivery),
    certificate: certificateNeed(service),
    sealWithNew: offersSealWithNew(programme, service),
    seal: sealServices(service),
    change: service === "change",
    reason: ["change", "reissue", "unlock", "pin-reset", "format", "remote-support"].includes(service)
      ? "optional"
      : "none",
    invoice: hasStep(def, "payment"),
    mailing: hasStep(def, "shipping"),
  };
}

function detailsOf(shape: Shape, v: ApplyValues, programme: Programme): OrderDetails {
  const d: OrderDetails = {};
  const picked = shape.severalKeys ? (v.certificateIds ?? []) : [];
  if (shape.basket) d.lines = completeLines(programme, v.lines);
  else {
    if (shape.term && v.years !== undefined) d.years = v.years;
    // Keys named one by one are counted by the server; else the number entered.
    if (shape.keys && v.keys !== undefined && picked.length === 0) d.keys = v.keys;
    if (shape.plans && v.plan) d.plan = v.plan;
  }
  if (shape.courier && v.courier) d.courier = v.courier;
  if (picked.length > 0) d.certificateIds = picked;
  else if (shape.certificate !== "none" && !shape.severalKeys && v.certificateId)
    d.certificateId = v.certificateId;
  if (shape.sealWithNew) d.sealRequested = Boolean(v.sealRequested);
  if ((shape.sealWithNew && v.sealRequested) || shape.seal) {
    if (v.sealName?.trim()) d.sealName = v.sealName.trim();
    if (v.sealType) d.sealType = v.sealType;
  }
  if (shape.change && v.newOrganisationName?.trim()) d.newOrganisationName = v.newOrganisationName.trim();
  if (shape.reason !== "none" && v.reason?.trim()) d.reason = v.reason.trim();
  const inv = v.invoice;
  if (shape.invoice && inv?.title?.trim() && inv.taxNumber?.trim()) {
    d.invoice = { title: inv.title.trim(), taxNumber: inv.taxNumber.trim() };
    if (inv.email?.trim()) d.invoice.email = inv.email.trim();
  }
  const mail = v.mailingAddress;
  if (shape.mailing && mail?.recipient && mail.phone && mail.address)
    d.mailingAddress = {
      recipient: mail.recipient.trim(),
      phone: mail.phone.trim(),
      address: mail.address.trim(),
    };
  return d;
}

/** The quote the order will charge: a single service on chosen keys is priced by each key's plan. */
function quoteRequestOf(
  programme: Programme,
  service: ServiceCode,
  d: OrderDetails,
  certificates: Certificate[],
) {
  const named = d.certificateIds ?? (d.certificateId ? [d.certificateId] : []);
  const fee = programme.services[service]?.fee;
  const keyPlans =
    fee === "per-time" ? named.map((id) => certificates.find((c) => c.id === id)?.plan ?? null) : [];
  // The server checks the certificate as the order would (renewal window, expiry) before pricing.
  const timed = ["renewal", "change", "reissue", "seal-apply", "seal-change"].includes(service);
  return {
    programmeId: programme.id,
    service,
    ...(timed && d.certificateId ? { certificateId: d.certificateId } : {}),
    ...(d.lines !== undefined ? { lines: d.lines } : {}),
    ...(keyPlans.length > 0 ? { keyPlans } : {}),
    ...(d.years !== undefined ? { years: d.years } : {}),
    ...(d.keys !== undefined ? { keys: d.keys } : {}),
    ...(d.plan !== undefined ? { plan: d.plan } : {}),
    ...(d.courier !== undefined ? { courier: d.courier } : {}),
  };
}

function ApplyForm({
  data,
  programme,
  service,
}: {
  data: Loaded;
  programme: Programme;
  service: ServiceCode;
}) {
  const { t, loc, locale } = useI18n();
  const navigate = useNavigate();
  const [search] = useSearchParams();
  const def = programme.services[service]!;
  const shape = shapeOf(programme, service);
  const [form] = Form.useForm<ApplyValues>();
  const [step, setStep] = useState<1 | 2>(1);
  const [confirmed, setConfirmed] = useState<ApplyValues | undefined>(undefined);
  const [creating, setCreating] = useState(false);
  const [createError, setCreateError] = useState<unknown>(undefined);
  // One key for this application: a repeated click or a retry returns the same order.
  const [key] = useState(idempotencyKey);

  const org = data.organisation;
  const presetCertificate = search.get("certificate") ?? undefined;
  const certificates = data.certificates.filter((c) => c.programme_id === programme.id);
  const term = programme.tariff.term;
  // A new certificate beside a valid one asks first; a picker with one eligible certificate has it chosen.
  const validNow = service === "new" ? validHeld(certificates, data.today) : [];
  const eligible =
    shape.certificate === "none" ? [] : eligibleCertificates(service, certificates, programme, data.today);
  const onlyEligible = eligible.length === 1 ? eligible[0]!.id : undefined;
  const initial: ApplyValues = {
    years: defaultYears(programme),
    // A new order starts at the recommended number of keys; a single service on one key.
    keys: service === "new" ? defaultKeys(programme) : 1,
    ...(shape.basket
      ? {
          lines: [
            {
              ...(term?.kind === "plans" && term.defaultPlan ? { plan: term.defaultPlan } : {}),
              years: defaultYears(programme),
              keys: defaultKeys(programme),
            },
          ],
        }
      : {}),
    ...(term?.kind === "plans" && term.defaultPlan ? { plan: term.defaultPlan } : {}),
    courier: "prepaid",
    ...(presetCertificate && certificates.some((c) => c.id === presetCertificate)
      ? { certificateId: presetCertificate }
      : onlyEligible
        ? { certificateId: onlyEligible }
        : {}),
    ...(shape.severalKeys && onlyEligible ? { certificateIds: [onlyEligible] } : {}),
    sealRequested: false,
    // The registered name followed by the first seal type's word, as the desk requires.
    sealName: programme.rules.sealTypes[0]
      ? defaultSealName(org.name, programme.rules.sealTypes[0])
      : org.name,
    ...(programme.rules.sealTypes[0] ? { sealType: programme.rules.sealTypes[0] } : {}),
    invoice: { title: org.name, taxNumber: org.uscc },
    mailingAddress: {
      recipient: org.handler.name,
      phone: org.handler.mobile ?? "",
      address: org.address ?? "",
    },
  };

  const watched = Form.useWatch((values: ApplyValues) => values, form);
  const live = detailsOf(shape, { ...initial, ...(watched ?? {}) }, programme);
  // The picked certificate, checked by the rule the quote and the order apply: refused, no quote.
  const picked = certificates.find((c) => c.id === live.certificateId);
  const decision =
    picked && !shape.severalKeys ? certificateDecision(service, picked, programme, data.today) : undefined;
  const refusal = refusalText(decision, locale);
  const ended = decision?.allowed === false && decision.reason !== "rules.renewal.not_yet_open";
  const quoteRequest = quoteRequestOf(
    programme,
    service,
    step === 2 && confirmed ? detailsOf(shape, confirmed, programme) : live,
    certificates,
  );
  const quoteKey = JSON.stringify(quoteRequest);
  const quote = useLoad(
    async () => (refusal ? undefined : api.post<Quote>("/api/quote", quoteRequest)),
    [quoteKey, refusal],
  );

  const name = loc(def.name);

  const summary = confirmed ? detailsOf(shape, confirmed, programme) : undefined;
  const summaryItems = useDetailsItems({ details: summary ?? {}, programme, certificates });

  if (service === "refund") return <RefundTargets data={data} programme={programme} />;

  const create = async () => {
    if (!confirmed) return;
    setCreating(true);
    setCreateError(undefined);
    try {
      const order = await api.post<Order>(
        "/api/orders",
        {
          programmeId: programme.id,
          service,
          details: detailsOf(shape, confirmed, programme),
          ...(validNow.length > 0 && confirmed.acknowledgeExistingCertificate
            ? { acknowledgeExistingCertificate: true }
            : {}),
        },
        { "idempotency-key": key },
      );
      navigate(`/portal/orders/${order.id}`);
    } catch (e) {
      setCreateError(e);
    } finally {
      setCreating(false);
    }
  };

  const certificateOptions = certificates.map((c) => {
    const view = certificateView(c, programme, data.today);
    return {
      value: c.id,
      label: `${certificateLabel(c, programme, { t, loc })} · ${t(`standing.${view.standing}`)}`,
      disabled: view.standing === "revoked",
    };
  });
  const sealTypeOptions = programme.rules.sealTypes.map((s) => ({ value: s, label: t(`seal.${s}`) }));

  const uploads = summary ? requiredUploads(def, summary) : [];

  return (
    <>
      <FlowSteps current={step} programme={programme} service={service} />
      <Typography.Title level={3} style={{ marginTop: 0 }}>
        {name}{" "}
        <Typography.Text type="secondary" style={{ fontSize: 14 }}>
          · {loc(programme.name)}
        </Typography.Text>
      </Typography.Title>
      <Row gutter={24}>
        <Col xs={24} lg={15}>
          <Form
            form={form}
            layout="vertical"
            initialValues={initial}
            hidden={step !== 1}
            onFinish={(values) => {
              setConfirmed({ ...initial, ...values });
              setStep(2);
            }}
            scrollToFirstError
          >
            {validNow.length > 0 && <ExistingCertificates programme={programme} valid={validNow} />}
            {shape.severalKeys && (
              <Form.Item
                label={t("apply.certificate")}
                name="certificateIds"
                extra={
                  certificates.length === 0
                    ? t("apply.noCertificates")
                    : (watched?.certificateIds?.length ?? 0) > 0
                      ? t("basket.keysPicked", { n: watched?.certificateIds?.length ?? 0 })
                      : undefined
                }
              >
                <Select
                  mode="multiple"
                  options={certificateOptions}
                  allowClear
                  placeholder={t("basket.chooseCertificates")}
                />
              </Form.Item>
            )}
            {shape.certificate !== "none" && !shape.severalKeys && (
              <Form.Item
                label={t("apply.certificate")}
                name="certificateId"
                extra={certificates.length === 0 ? t("apply.noCertificates") : undefined}
                rules={[
                  ...(shape.certificate === "required"
                    ? [{ required: true, message: t("apply.certificateRequired") }]
                    : []),
                  // Refused by the rule: no quote, no order (the alert below says why).
                  {
                    validator: async () => {
                      if (refusal) throw new Error(t("guards.certificate.refused"));
                    },
                  },
                ]}
              >
                <Select
                  options={certificateOptions}
                  allowClear={shape.certificate === "optional"}
                  placeholder={t("apply.chooseCertificate")}
                />
              </Form.Item>
            )}
            {refusal && <CertificateRefused text={refusal} programme={programme} ended={ended} />}
            {shape.basket && (
              <Form.Item
                label={t("basket.title")}
                name="lines"
                rules={[
                  {
                    validator: async (_, lines?: BasketLine[]) => {
                      const all = lines ?? [];
                      if (all.length === 0 || completeLines(programme, all).length !== all.length)
                        throw new Error(t("basket.linesRequired"));
                    },
                  },
                ]}
              >
                <BasketEditor programme={programme} />
              </Form.Item>
            )}
            {shape.plans && !shape.basket && term?.kind === "plans" && (
              <Form.Item
                label={t("apply.plan")}
                name="plan"
                rules={[{ required: true, message: t("apply.planRequired") }]}
              >
                <Radio.Group style={{ display: "flex", flexDirection: "column", gap: 8 }}>
                  {term.plans.map((p) => (
                    <Radio key={p.id} value={p.id}>
                      <Typography.Text strong>{loc(p.name)}</Typography.Text>
                      {p.description && (
                        <Typography.Text type="secondary"> — {loc(p.description)}</Typography.Text>
                      )}
                    </Radio>
                  ))}
                </Radio.Group>
              </Form.Item>
            )}
            {shape.term && !shape.basket && (
              <Form.Item label={t("apply.years")} name="years" rules={[{ required: true }]}>
                <Radio.Group optionType="button" buttonStyle="solid">
                  {yearsOffered(programme).map((y) => (
                    <Radio.Button key={y} value={y}>
                      {termText(y, t)}
                    </Radio.Button>
                  ))}
                </Radio.Group>
              </Form.Item>
            )}
            {shape.keys && !shape.basket && (watched?.certificateIds?.length ?? 0) === 0 && (
              <Form.Item
                label={t("apply.keys")}
                name="keys"
                extra={
                  programme.rules.keysPerOrder.recommended && service === "new"
                    ? t("apply.keysRecommended", { n: programme.rules.keysPerOrder.recommended })
                    : undefined
                }
                rules={[{ required: true, message: t("apply.keysRequired") }]}
              >
                <InputNumber
                  min={programme.rules.keysPerOrder.min}
                  max={programme.rules.keysPerOrder.max}
                  precision={0}
                  style={{ width: 160 }}
                />
              </Form.Item>
            )}
            {shape.courier && (
              <Form.Item label={t("apply.courier")} name="courier">
                <Radio.Group>
                  <Radio value="prepaid">{t("apply.courierPrepaid")}</Radio>
                  <Radio value="cash-on-delivery">{t("apply.courierCod")}</Radio>
                </Radio.Group>
              </Form.Item>
            )}
            {shape.sealWithNew && (
              <Form.Item
                label={t("apply.sealRequested")}
                name="sealRequested"
                valuePropName="checked"
                extra={t("apply.sealRequestedHint")}
              >
                <Switch />
              </Form.Item>
            )}
            {(shape.seal || (shape.sealWithNew && watched?.sealRequested)) && (
              <>
                <Form.Item
                  label={t("apply.sealName")}
                  name="sealName"
                  extra={t("apply.sealNameHint")}
                  rules={[{ required: true, whitespace: true, message: t("apply.sealNameRequired") }]}
                >
                  <Input maxLength={100} />
                </Form.Item>
                <Form.Item label={t("apply.sealType")} name="sealType" rules={[{ required: true }]}>
                  <Radio.Group options={sealTypeOptions} />
                </Form.Item>
              </>
            )}
            {shape.change && (
              <Form.Item
                label={t("apply.newOrganisationName")}
                name="newOrganisationName"
                extra={t("apply.newOrganisationNameHint")}
              >
                <Input maxLength={200} />
              </Form.Item>
            )}
            {shape.reason !== "none" && (
              <Form.Item label={t("apply.reason")} name="reason">
                <Input.TextArea maxLength={1000} autoSize={{ minRows: 2, maxRows: 5 }} />
              </Form.Item>
            )}
            {shape.mailing && (
              <fieldset className="plain-fieldset">
                <legend>{t("apply.mailing")}</legend>
                <Typography.Paragraph type="secondary">{t("apply.mailingHint")}</Typography.Paragraph>
                <Row gutter={16}>
                  <Col xs={24} md={12}>
                    <Form.Item
                      label={t("apply.recipient")}
                      name={["mailingAddress", "recipient"]}
                      rules={[{ required: true, whitespace: true, message: t("apply.recipientRequired") }]}
                    >
                      <Input maxLength={50} autoComplete="name" />
                    </Form.Item>
                  </Col>
                  <Col xs={24} md={12}>
                    <Form.Item
                      label={t("apply.phone")}
                      name={["mailingAddress", "phone"]}
                      rules={[{ required: true, whitespace: true, message: t("apply.phoneRequired") }]}
                    >
                      <Input maxLength={30} inputMode="tel" autoComplete="tel" />
                    </Form.Item>
                  </Col>
                </Row>
                <Form.Item
                  label={t("apply.address")}
                  name={["mailingAddress", "address"]}
                  rules={[{ required: true, whitespace: true, message: t("apply.addressRequired") }]}
                >
                  <Input.TextArea
                    maxLength={300}
                    autoSize={{ minRows: 2, maxRows: 4 }}
                    autoComplete="street-address"
                  />
                </Form.Item>
              </fieldset>
            )}
            {shape.invoice && (
              <fieldset className="plain-fieldset">
                <legend>{t("apply.invoice")}</legend>
                <Row gutter={16}>
                  <Col xs={24} md={12}>
                    <Form.Item label={t("apply.invoiceTitle")} name={["invoice", "title"]}>
                      <Input maxLength={200} />
                    </Form.Item>
                  </Col>
                  <Col xs={24} md={12}>
                    <Form.Item label={t("apply.invoiceTaxNumber")} name={["invoice", "taxNumber"]}>
                      <Input maxLength={30} spellCheck={false} />
                    </Form.Item>
                  </Col>
                </Row>
                <Form.Item
                  label={t("apply.invoiceEmail")}
                  name={["invoice", "email"]}
                  rules={[{ type: "email", message: t("apply.emailInvalid") }]}
                >
                  <Input maxLength={100} type="email" autoComplete="email" />
                </Form.Item>
              </fieldset>
            )}
            <Space>
              <Button
                icon={<ArrowLeftOutlined aria-hidden />}
                onClick={() => navigate(`/portal/apply/${programme.id}`)}
              >
                {t("apply.otherService")}
              </Button>
              <Button type="primary" htmlType="submit" disabled={Boolean(refusal)}>
                {t("apply.toQuote")}
              </Button>
            </Space>
          </Form>
          {step === 2 && summary && (
            <>
              <Card
                title={<h2 className="card-title">{t("apply.summary")}</h2>}
                size="small"
                style={{ marginBottom: 16 }}
              >
                <Descriptions
                  size="small"
                  column={1}
                  bordered
                  items={[
                    {
                      key: "service",
                      label: t("order.service"),
                      children: `${name} · ${loc(programme.name)}`,
                    },
                    ...summaryItems,
                  ]}
                />
              </Card>
              {uploads.length > 0 && (
                <Alert
                  type="info"
                  showIcon
                  style={{ marginBottom: 16 }}
                  message={t("apply.afterCreate")}
                  description={
                    <ul className="requirements">
                      {uploads.map((m) => (
                        <li key={m.id}>{loc(m.name)}</li>
                      ))}
                    </ul>
                  }
                />
              )}
              <ErrorAlert error={createError} />
              <Space>
                <Button icon={<ArrowLeftOutlined aria-hidden />} onClick={() => setStep(1)}>
                  {t("apply.back")}
                </Button>
                <Button type="primary" loading={creating} onClick={create}>
                  {t("apply.create")}
                </Button>
              </Space>
            </>
          )}
        </Col>
        <Col xs={24} lg={9}>
          <Card
            size="small"
            title={<h2 className="card-title">{t("quote.title")}</h2>}
            style={{ position: "sticky", top: 16 }}
            aria-live="polite"
          >
            <ErrorAlert error={quote.error} />
            {refusal ? (
              <Typography.Paragraph type="secondary" style={{ marginBottom: 0 }}>
                {t("guards.quote.blocked")}
              </Typography.Paragraph>
            ) : quote.data ? (
              <Spin spinning={quote.loading}>
                <QuoteTable quote={quote.data} />
                <Typography.Paragraph type="secondary" style={{ marginTop: 8, marginBottom: 0 }}>
                  {paymentNote(programme, def.fee, t)}
                </Typography.Paragraph>
              </Spin>
            ) : (
              !quote.error && <Spin />
            )}
          </Card>
        </Col>
      </Row>
    </>
  );
}

function paymentNote(programme: Programme, fee: string, t: I18n["t"]): string {
  const how = t(
    programme.payment.channels.includes("online") ? "apply.payOnlineNote" : "apply.payTransferNote",
  );
  if (fee === "free" || fee === "none") return t("apply.nothingToPayNote");
  return fee === "per-time" ? `${t("apply.perTimeNote")} ${how}` : how;
}

/** The catalogue label of each detail a form or a reviewer may name. */
const FIELD_LABELS: Record<string, MessageKey> = {
  lines: "basket.title",
  plan: "apply.plan",
  years: "apply.years",
  keys: "apply.keys",
  courier: "apply.courier",
  certificateId: "apply.certificate",
  certificateIds: "apply.certificate",
  validityEnd: "order.validityEnd",
  sealRequested: "apply.sealRequested",
  sealName: "apply.sealName",
  sealType: "apply.sealType",
  newOrganisationName: "apply.newOrganisationName",
  reason: "apply.reason",
  mailingAddress: "apply.mailing",
  invoice: "apply.invoice",
};

export function fieldLabelKey(field: string): MessageKey {
  return FIELD_LABELS[field] ?? "order.otherField";
}

/** The filled-in details as the items of a Descriptions (also used by the order page). */
export function useDetailsItems({
  details,
  programme,
  certificates,
  rejected,
}: {
  details: OrderDetails;
  programme: Programme;
  certificates: Certificate[];
  /** Per field, the reviewer's reason, shown beside it. */
  rejected?: Record<string, string> | undefined;
}): NonNullable<DescriptionsProps["items"]> {
  const { t, loc } = useI18n();
  const values: Record<string, string | undefined> = {};
  const plan =
    programme.tariff.term?.kind === "plans"
      ? programme.tariff.term.plans.find((p) => p.id === details.plan)
      : undefined;
  values.plan = plan ? loc(plan.name) : details.plan;
  // A basket shows its lines; a one-line basket also names its plan and term, shown as before.
  if (details.lines && details.lines.length > 1) {
    values.lines = linesText(programme, details.lines, { t, loc });
    values.plan = undefined;
  }
  values.years = details.years !== undefined ? termText(details.years, t) : undefined;
  values.keys = details.keys?.toString();
  if (details.courier)
    values.courier = t(details.courier === "prepaid" ? "apply.courierPrepaid" : "apply.courierCod");
  const cert = certificates.find((c) => c.id === details.certificateId);
  values.certificateId = cert ? certificateLabel(cert, programme, { t, loc }) : details.certificateId;
  if (details.certificateIds && details.certificateIds.length > 1) {
    values.certificateIds = details.certificateIds
      .map((id) => {
        const c = certificates.find((x) => x.id === id);
        return c ? certificateLabel(c, programme, { t, loc }) : id;
      })
      .join("; ");
    values.certificateId = undefined;
  }
  if (details.validityEnd) values.validityEnd = dateOf(details.validityEnd);
  if (details.sealRequested !== undefined)
    values.sealRequested = t(details.sealRequested ? "common.yes" : "common.no");
  values.sealName = details.sealName;
  values.sealType =
    details.sealType === "official" || details.sealType === "contract"
      ? t(`seal.${details.sealType}`)
      : details.sealType;
  values.newOrganisationName = details.newOrganisationName;
  values.reason = details.reason;
  if (details.mailingAddress) {
    const m = details.mailingAddress;
    values.mailingAddress = `${m.recipient} · ${m.phone} · ${m.address}`;
  }
  if (details.invoice) {
    const i = details.invoice;
    values.invoice = [i.title, i.taxNumber, i.email].filter(Boolean).join(" · ");
  }
  const fields = Object.keys(FIELD_LABELS).filter((f) => values[f] !== undefined && values[f] !== "");
  // A field a reviewer named is shown even when it is empty.
  for (const field of Object.keys(rejected ?? {})) if (!fields.includes(field)) fields.push(field);
  return fields.map((field) => ({
    key: field,
    label: t(fieldLabelKey(field)),
    children: (
      <>
        {values[field] ?? "—"}
        {rejected?.[field] && (
          <Alert
            type="error"
            showIcon
            style={{ marginTop: 4 }}
            message={t("order.fixThis", { reason: rejected[field]! })}
          />
        )}
      </>
    ),
  }));
}

/** Refund: first the order to refund; its page shows the eligibility and takes the request. */
function RefundTargets({ data, programme }: { data: Loaded; programme: Programme }) {
  const { t, loc } = useI18n();
  const candidates = useMemo(
    () =>
      data.orders.filter(
        (o) =>
          o.programmeId === programme.id &&
          o.service !== "refund" &&
          !["draft", "cancelled", "expired", "refunded"].includes(o.state),
      ),
    [data.orders, programme.id],
  );
  return (
    <>
      <FlowSteps current={1} programme={programme} service="refund" />
      <Card title={<h2 className="card-title">{t("refund.chooseOrder")}</h2>}>
        {candidates.length === 0 ? (
          <Empty description={t("refund.noOrders")} />
        ) : (
          <ul className="steps-plain">
            {candidates.map((o) => (
              <li key={o.id}>
                <Space wrap>
                  <Link to={`/portal/orders/${o.id}/refund`}>{o.number}</Link>
                  <span>{loc(programme.services[o.service]?.name)}</span>
                  <StateTag state={o.state} />
                  <span>¥{yuan(o.totalFen)}</span>
                </Space>
              </li>
            ))}
          </ul>
        )}
      </Card>
    </>
  );
}
