/** A service's price in one line, from the programme's tariff (the guide's table has the detail). */
import type { Programme, ServiceCode } from "../api/types";
import type { I18n } from "../i18n";
import { yuan } from "./format";

export function feeSummary(programme: Programme, code: ServiceCode, { t }: Pick<I18n, "t">): string {
  const def = programme.services[code];
  if (!def) return "";
  const { tariff, rules } = programme;
  switch (def.fee) {
    case "free":
      return t("fee.free");
    case "none":
      return t("fee.none");
    case "per-time": {
      const price = tariff.perTime[code];
      if (!price) return "";
      const base = t(price.per === "key" ? "fee.perTimeKey" : "fee.perTimeOrder", {
        amount: yuan(price.unitPrice),
      });
      return price.cashOnDelivery ? `${base}${t("fee.cashOnDelivery")}` : base;
    }
    case "term": {
      const term = tariff.term;
      if (!term) return "";
      const years = [...rules.validityYears].sort((a, b) => a - b);
      const range = years.length > 1 ? `${years[0]}–${years[years.length - 1]}` : String(years[0]);
      if (term.kind === "per-year") return t("fee.perYear", { amount: yuan(term.perYear), years: range });
      const prices = term.plans.flatMap((p) => p.prices.map((x) => x.perKey));
      return t("fee.plans", { min: yuan(Math.min(...prices)), max: yuan(Math.max(...prices)) });
    }
  }
}
