/** The guards' strings of guards-zh-CN.ts, in English. */
import type { guardsZhCN } from "./guards-zh-CN";

export const guardsEn: Record<keyof typeof guardsZhCN, string> = {
  "guards.existing.title": "Your organisation already holds a valid certificate on this platform",
  "guards.existing.held": "Serial {serial}, valid until {date}",
  "guards.existing.more": "and {n} more valid",
  "guards.existing.advice":
    "A new application makes another USB key and is charged again. What you want may be:",
  "guards.existing.renew": "Renewal: extend this certificate's validity",
  "guards.existing.reissue": "Reissue: the key is lost or damaged",
  "guards.existing.change": "Change: a new organisation name or address",
  "guards.existing.confirm":
    "I understand: we do need another new certificate (for another platform account, say)",
  "guards.existing.confirmRequired":
    "Confirm that you need another certificate, or choose renewal, reissue or change instead",

  "guards.certificate.refused": "This certificate cannot have this service now",
  "guards.certificate.newApplication": "Apply for a new certificate",
  "guards.quote.blocked": "No quote: the chosen certificate cannot have this service now.",

  "guards.paper.title": "Tracking number of the mailed paper",
  "guards.paper.hint":
    "Once you have sent the paper originals, enter the courier and its tracking number so the service centre can look out for them. You can change it until the centre records them received.",
  "guards.paper.carrier": "Courier",
  "guards.paper.carriers": "SF Express,EMS,JD Logistics,ZTO Express,YTO Express,STO Express,Yunda Express",
  "guards.paper.number": "Tracking number",
  "guards.paper.save": "Save the tracking number",
  "guards.paper.update": "Change the tracking number",
  "guards.paper.saved": "Tracking number saved",
  "guards.paper.given": "Given: {carrier} {number} ({at})",
  "guards.paper.locked":
    "The service centre has recorded the paper as received; the tracking number can no longer be changed.",

  "guards.office.paperTracking": "Applicant's tracking number",
  "guards.office.paperTrackingIs": "Applicant's tracking number: {carrier} {number}",
  "guards.office.noPaperTracking": "The applicant has not given a tracking number yet",
};
