/** Money in yuan and times in Shanghai, as the desk counts them. */
/** 60000 fen → "600.00" (no grouping: amounts are read and typed as written on forms). */
export function yuan(fen: number): string {
  const sign = fen < 0 ? "-" : "";
  const abs = Math.abs(fen);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, "0")}`;
}

const TZ = "Asia/Shanghai";

function parts(iso: string): Record<string, string> {
  const f = new Intl.DateTimeFormat("en-CA", {
    timeZone: TZ,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  });
  return Object.fromEntries(f.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
}

/** "2026-05-01" in Shanghai. A plain date (YYYY-MM-DD) is returned as it is. */
export function dateOf(iso: string): string {
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) return iso;
  const p = parts(iso);
  return `${p.year}-${p.month}-${p.day}`;
}

/** "2026-05-01 14:03" in Shanghai. */
export function dateTimeOf(iso: string): string {
  const p = parts(iso);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}`;
}

export function fileSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1048576).toFixed(1)} MB`;
}

/** "3 years" / "1 year" / "3 年" from the catalogue. */
export function termText(
  years: number,
  t: (key: "apply.yearsN" | "apply.yearsOne", params?: Record<string, number>) => string,
): string {
  return years === 1 ? t("apply.yearsOne") : t("apply.yearsN", { n: years });
}
