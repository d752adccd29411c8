/**
 * The one catalogue of messages a user can see, in Simplified Chinese (default) and English.
 * Each area keeps its entries in a file under ./messages; they are merged here, and a code may be
 * defined only once. Placeholders are written {name}.
 */
import type { ErrorParams } from "../domain/errors.js";
import type { MessageTable } from "./messages/types.js";
import { auditMessages } from "./messages/audit.js";
import { caMessages } from "./messages/ca.js";
import { keysMessages } from "./messages/keys.js";
import { calendarMessages } from "./messages/calendar.js";
import { cliMessages } from "./messages/cli.js";
import { pkcs11Messages } from "./messages/pkcs11.js";
import { pkiMessages } from "./messages/pki.js";
import { platformMessages } from "./messages/platform.js";
import { commonMessages } from "./messages/common.js";
import { deskMessages } from "./messages/desk.js";
import { deskProcessesMessages } from "./messages/desk-processes.js";
import { documentsMessages } from "./messages/documents.js";
import { edgeMessages } from "./messages/edge.js";
import { moneyMessages } from "./messages/money.js";
import { ofdMessages } from "./messages/ofd.js";
import { programmeMessages } from "./messages/programme.js";
import { publicationMessages } from "./messages/publication.js";
import { rulesMessages } from "./messages/rules.js";
import { sealMessages } from "./messages/seal.js";
import { tsaMessages } from "./messages/tsa.js";
import { trustMessages } from "./messages/trust.js";
import { uploadMessages } from "./messages/uploads.js";
import { validationMessages } from "./messages/validation.js";

export type { Locale, Message, MessageTable } from "./messages/types.js";
import type { Locale } from "./messages/types.js";

const tables: MessageTable[] = [
  commonMessages,
  deskMessages,
  deskProcessesMessages,
  calendarMessages,
  validationMessages,
  programmeMessages,
  rulesMessages,
  cliMessages,
  pkiMessages,
  publicationMessages,
  pkcs11Messages,
  sealMessages,
  ofdMessages,
  tsaMessages,
  trustMessages,
  documentsMessages,
  caMessages,
  platformMessages,
  keysMessages,
  moneyMessages,
  auditMessages,
  uploadMessages,
  edgeMessages,
];

export const catalogue: MessageTable = {};
for (const table of tables) {
  for (const [code, message] of Object.entries(table)) {
    if (code in catalogue) throw new Error(`message code defined twice: ${code}`);
    catalogue[code] = message;
  }
}

export function hasMessage(code: string): boolean {
  return code in catalogue;
}

export function translate(code: string, locale: Locale, params: ErrorParams = {}): string {
  const template = catalogue[code]?.[locale] ?? code;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Picks zh-CN or en from an Accept-Language header or a ?lang= value; zh-CN when unsure. */
export function pickLocale(header: string | undefined): Locale {
  if (!header) return "zh-CN";
  const first = header.split(",")[0]?.trim().toLowerCase() ?? "";
  return first.startsWith("en") ? "en" : "zh-CN";
}
