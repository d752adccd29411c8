/** What a material must be: seal, handwritten fields, copies, sides, file types, how it is handed in. */
import { Typography } from "antd";
import type { Material } from "../api/types";
import { useI18n } from "../i18n";
import { mailed, uploadable } from "../lib/programme";

export function MaterialRequirements({ material }: { material: Material }) {
  const { t, loc, locale } = useI18n();
  const r = material.requirements;
  const list = (items: string[]) => items.join(locale === "en" ? ", " : "、");
  const lines: string[] = [];
  if (material.description) lines.push(loc(material.description));
  if (material.kind === "usb-key") lines.push(t("material.usbKey"));
  if (r.physicalSealOnly) lines.push(t("material.physicalSealOnly"));
  else if (r.needsOfficialSeal) lines.push(t("material.officialSeal"));
  if (r.sealImprintTypes?.length)
    lines.push(t("material.imprintTypes", { types: list(r.sealImprintTypes.map((s) => t(`seal.${s}`))) }));
  if (r.handwrittenFields.length)
    lines.push(t("material.handwritten", { fields: list(r.handwrittenFields.map((f) => loc(f.name))) }));
  if (material.kind === "document") {
    lines.push(t("material.copies", { n: r.copies }));
    if (r.bothSides) lines.push(t("material.bothSides"));
  }
  if (uploadable(material) && mailed(material)) lines.push(t("material.uploadAndMail"));
  else if (uploadable(material)) lines.push(t("material.uploadOnly"));
  else if (mailed(material)) lines.push(t("material.mailOnly"));
  if (uploadable(material) && material.acceptedFileTypes.length)
    lines.push(
      t("material.fileTypes", { types: material.acceptedFileTypes.map((x) => x.toUpperCase()).join("/") }),
    );
  if (material.condition) lines.push(t(`material.condition.${material.condition}`));
  if (material.optional) lines.push(t("material.optional"));
  return (
    <ul className="requirements">
      {lines.map((line, i) => (
        <li key={i}>
          <Typography.Text type={i === 0 && material.description ? undefined : "secondary"}>
            {line}
          </Typography.Text>
        </li>
      ))}
    </ul>
  );
}
