/**
 * A service's steps in plain words, generated from the programme data: what the applicant does in
 * the portal first, then one line per step of the service's `steps`, worded for that service.
 */
import type { Programme, ServiceCode, Step } from "../api/types";
import type { I18n } from "../i18n";
import { mailed, uploadable } from "./programme";

export function guideSteps(
  programme: Programme,
  code: ServiceCode,
  { t, loc, locale }: Pick<I18n, "t" | "loc" | "locale">,
): string[] {
  const def = programme.services[code];
  if (!def) return [];
  const sep = locale === "en" ? ", " : "、";
  const service = loc(def.name);
  const lines: string[] = [];
  lines.push(t("guideStep.signIn"));
  lines.push(code === "refund" ? t("guideStep.refundStart") : t("guideStep.fill", { service }));
  const forms = def.materials.filter((m) => m.template);
  if (forms.length) {
    const handwritten = forms.flatMap((m) => m.requirements.handwrittenFields.map((f) => loc(f.name)));
    const seal = forms.some((m) => m.requirements.physicalSealOnly)
      ? t("guideStep.physicalSeal")
      : forms.some((m) => m.requirements.needsOfficialSeal)
        ? t("guideStep.officialSeal")
        : "";
    lines.push(
      t("guideStep.forms", { forms: forms.map((m) => loc(m.name)).join(sep) }) +
        (handwritten.length ? t("guideStep.handwrite", { fields: handwritten.join(sep) }) : "") +
        seal +
        t("guideStep.end"),
    );
  }
  const uploads = def.materials.filter(uploadable);
  if (uploads.length) lines.push(t(programme.agent ? "guideStep.uploadToAgent" : "guideStep.upload"));
  lines.push(t("guideStep.submit"));
  for (const step of def.steps) lines.push(stepLine(programme, code, step, { t, loc, locale }));
  lines.push(t("guideStep.done"));
  return lines;
}

function stepLine(
  programme: Programme,
  code: ServiceCode,
  step: Step,
  { t, loc }: Pick<I18n, "t" | "loc" | "locale">,
): string {
  const def = programme.services[code]!;
  const rules = programme.rules;
  const agent = programme.agent ? loc(programme.agent.name) : undefined;
  switch (step) {
    case "payment":
      return programme.payment.channels.includes("online")
        ? t(def.channel === "online-self-service" ? "guideStep.payOnlineOnly" : "guideStep.payOnline")
        : t("guideStep.payTransfer");
    case "review":
      if (def.autoApproveWhen)
        return t("guideStep.reviewUnlock", { days: rules.unlockReviewDeadlineWorkingDays ?? 2 });
      return agent ? t("guideStep.reviewAgent", { agent }) : t("guideStep.reviewCa");
    case "paper": {
      const key = def.materials.find((m) => m.kind === "usb-key" && mailed(m));
      return (
        t("guideStep.paper") +
        (key ? t("guideStep.paperWithKey", { key: loc(key.name) }) : "") +
        (programme.mailingAddress?.registeredPostRefused ? t("guideStep.noRegisteredPost") : "") +
        t("guideStep.end")
      );
    }
    case "production": {
      const within =
        rules.productionDeadlineWorkingDays !== undefined
          ? t("guideStep.within", { days: rules.productionDeadlineWorkingDays })
          : "";
      const end = t("guideStep.end");
      if (code === "seal-apply" || code === "seal-change") return t("guideStep.makeSeal") + within + end;
      if (code === "renewal") return t("guideStep.makeRenewed") + within + end;
      return (
        t(agent ? "guideStep.makeKeysAgent" : "guideStep.makeKeys", { agent: agent ?? "" }) +
        within +
        (def.keepsOriginalValidity ? t("guideStep.keepsValidity") : "") +
        end
      );
    }
    case "shipping":
      return t(programme.invoice.delivery === "with-keys" ? "guideStep.shipWithInvoice" : "guideStep.ship");
    case "activation":
      if (code === "renewal") return t("guideStep.installRenewed");
      if (code === "seal-apply" || code === "seal-change") return t("guideStep.installSeal");
      return t("guideStep.activate");
    case "binding":
      return t("guideStep.bind", { platform: loc(programme.platform.name) });
    case "fulfilment":
      if (code === "refund")
        return t("guideStep.refundPaid", { days: rules.refundPaymentDeadlineWorkingDays ?? 15 });
      if (code === "unlock") return t("guideStep.unlockCode");
      return t("guideStep.fulfil", { agent: agent ?? loc(programme.ca.name) });
  }
}
