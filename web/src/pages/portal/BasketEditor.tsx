/**
 * Programme B's basket on the new-order page: lines of plan × term × number of keys, priced live
 * by the server's quote (domain/basket.ts), and the labels that tell one key's certificate from
 * another in the single-service picker (plan, key label, serial).
 */
import { DeleteOutlined, PlusOutlined } from "@ant-design/icons";
import { Button, InputNumber, Select, Space, Typography } from "antd";
import type { Certificate, OrderDetails, Programme } from "../../api/types";
import { useI18n, type I18n } from "../../i18n";
import { dateOf, termText } from "../../lib/format";
import { yearsOffered } from "../../lib/programme";

export type BasketLine = {
  plan?: string | undefined;
  years?: number | undefined;
  keys?: number | null | undefined;
};
type Lines = NonNullable<OrderDetails["lines"]>;

/** The lines fit to send: each with a plan (plan pricing), a term and at least one key. */
export function completeLines(programme: Programme, lines: readonly BasketLine[] | undefined): Lines {
  const plans = programme.tariff.term?.kind === "plans";
  return (lines ?? []).flatMap((l) =>
    (plans && !l.plan) || !l.years || !l.keys || l.keys < 1
      ? []
      : [{ ...(l.plan ? { plan: l.plan } : {}), years: l.years, keys: l.keys }],
  );
}

export function planName(
  programme: Programme,
  plan: string | null | undefined,
  loc: I18n["loc"],
): string | undefined {
  const term = programme.tariff.term;
  if (!plan || term?.kind !== "plans") return undefined;
  const found = term.plans.find((p) => p.id === plan);
  return found ? loc(found.name) : plan;
}

/** "2 × All-inclusive plan · 3 years; 1 × Basic plan · 3 years" */
export function linesText(programme: Programme, lines: Lines, { t, loc }: Pick<I18n, "t" | "loc">): string {
  return lines
    .map((l) =>
      [`${l.keys} ×`, planName(programme, l.plan, loc), termText(l.years ?? 0, t)].filter(Boolean).join(" "),
    )
    .join("; ");
}

/** A certificate as a picker shows it: plan, key label and serial, so no two lines read the same. */
export function certificateLabel(
  cert: Certificate,
  programme: Programme,
  { t, loc }: Pick<I18n, "t" | "loc">,
): string {
  return [
    planName(programme, cert.plan, loc) ??
      (programme.tariff.term?.kind === "plans" ? t("basket.planUnknown") : undefined),
    cert.key_label ? t("basket.keyLabel", { label: cert.key_label }) : undefined,
    t("basket.serial", { serial: cert.serial }),
    t("apply.until", { date: dateOf(cert.not_after) }),
  ]
    .filter(Boolean)
    .join(" · ");
}

export function BasketEditor({
  programme,
  value,
  onChange,
}: {
  programme: Programme;
  value?: BasketLine[];
  onChange?: (lines: BasketLine[]) => void;
}) {
  const { t, loc } = useI18n();
  const lines = value ?? [];
  const term = programme.tariff.term;
  const plans = term?.kind === "plans" ? term.plans : [];
  const { max } = programme.rules.keysPerOrder;
  const set = (index: number, patch: Partial<BasketLine>) =>
    onChange?.(lines.map((l, i) => (i === index ? { ...l, ...patch } : l)));
  return (
    <Space direction="vertical" style={{ width: "100%" }}>
      {lines.map((line, index) => {
        const n = index + 1;
        return (
          <Space key={index} wrap role="group" aria-label={t("basket.line", { n })} className="basket-line">
            {plans.length > 0 && (
              <Select
                aria-label={t("basket.linePlan", { n })}
                placeholder={t("apply.planRequired")}
                value={line.plan}
                onChange={(plan: string) => set(index, { plan })}
                options={plans.map((p) => ({ value: p.id, label: loc(p.name) }))}
                style={{ minWidth: 140 }}
                status={line.plan ? undefined : "warning"}
              />
            )}
            <Select
              aria-label={t("basket.lineYears", { n })}
              value={line.years}
              onChange={(years: number) => set(index, { years })}
              options={yearsOffered(programme).map((y) => ({ value: y, label: termText(y, t) }))}
              style={{ minWidth: 96 }}
            />
            <InputNumber
              aria-label={t("basket.lineKeys", { n })}
              min={1}
              max={max}
              precision={0}
              value={line.keys ?? null}
              onChange={(keys) => set(index, { keys })}
              addonAfter={t("basket.keysUnit")}
              style={{ width: 140 }}
            />
            {lines.length > 1 && (
              <Button
                aria-label={t("basket.removeLine", { n })}
                icon={<DeleteOutlined aria-hidden />}
                onClick={() => onChange?.(lines.filter((_, i) => i !== index))}
              />
            )}
          </Space>
        );
      })}
      <Button
        icon={<PlusOutlined aria-hidden />}
        onClick={() => onChange?.([...lines, { years: lines.at(-1)?.years, keys: 1 }])}
      >
        {t("basket.addLine")}
      </Button>
      <Typography.Text type="secondary">{t("basket.hint")}</Typography.Text>
    </Space>
  );
}
