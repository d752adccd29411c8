/**
 * Reads programme files (YAML or JSON) and validates them against the programme schema. A file
 * that does not validate stops the desk at boot with every issue named by its path in the file.
 */
import { readFileSync } from "node:fs";
import { extname } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import type { z } from "zod";
import { DomainError } from "../domain/errors.js";
import { type Programme, programmesFileSchema } from "../domain/programme.js";

/** The demo programmes shipped with the desk (procurement and power-trading). */
export const demoProgrammesPath: string = fileURLToPath(
  new URL("../../data/programmes/demo.yaml", import.meta.url),
);

export function readProgrammesFile(path: string): Programme[] {
  let source: string;
  try {
    source = readFileSync(path, "utf8");
  } catch (e) {
    throw new DomainError("programme.file_unreadable", { path, detail: errorText(e) });
  }

  let data: unknown;
  try {
    data = extname(path).toLowerCase() === ".json" ? JSON.parse(source) : parseYaml(source);
  } catch (e) {
    throw new DomainError("programme.invalid", { path, detail: errorText(e) });
  }

  const result = programmesFileSchema.safeParse(data);
  if (!result.success) {
    throw new DomainError("programme.invalid", { path, detail: formatIssues(result.error.issues) });
  }
  return result.data.programmes;
}

/** One line per issue: "programmes.0.services.new.steps.1: Invalid option: …". */
export function formatIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues
    .map((issue) => {
      const path = issue.path.map(String).join(".") || "(file)";
      return `${path}: ${issue.message}`;
    })
    .join("\n");
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
