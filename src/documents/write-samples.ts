/**
 * Writes the sample forms and invoice to docs/samples/ as PDFs and as PNGs of their first page
 * (60 dpi, made with poppler's pdftoppm), for people to look at:
 *
 *   node --import tsx src/documents/write-samples.ts [folder]
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { renderForm } from "./forms.js";
import type { FormTemplateId } from "./form-data.js";
import { renderInvoice } from "./invoice.js";
import { sampleForms, sampleInvoice } from "./samples.js";

const folder = resolve(process.argv[2] ?? fileURLToPath(new URL("../../docs/samples", import.meta.url)));
mkdirSync(folder, { recursive: true });

async function write(name: string, pdf: Uint8Array): Promise<void> {
  const path = join(folder, `${name}.pdf`);
  writeFileSync(path, pdf);
  execFileSync("pdftoppm", [
    "-png",
    "-r",
    "60",
    "-singlefile",
    "-f",
    "1",
    "-l",
    "1",
    path,
    join(folder, name),
  ]);
  console.log(`${name}.pdf (${pdf.length} bytes) and ${name}.png`);
}

const forms = sampleForms();
for (const template of Object.keys(forms) as FormTemplateId[]) {
  await write(template, await renderForm(template, forms[template]));
}
await write("vat-general-invoice", await renderInvoice(sampleInvoice));
