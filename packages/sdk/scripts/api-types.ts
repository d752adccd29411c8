/**
 * Writes packages/sdk/src/api.ts, the platform API's request and answer types, from the desk's
 * OpenAPI document, so the SDK is typed from what the desk really serves:
 *
 *   node --import tsx packages/sdk/scripts/api-types.ts
 *
 * test/sdk.test.ts fails when the file is out of step with the served document.
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { format } from "prettier";
import { servedPlatformDocument } from "./served-document.js";

export const API_TYPES_FILE = fileURLToPath(new URL("../src/api.ts", import.meta.url));
const PREFIX = "/api/platform/v1";

interface JsonSchema {
  type?: string | string[];
  nullable?: boolean;
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  description?: string;
}

interface Operation {
  summary?: string;
  parameters?: { in: string; name: string; required?: boolean; schema: JsonSchema }[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, { content?: Record<string, { schema: JsonSchema }> }>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Operation>>;
}

/** The TypeScript type of a JSON schema, as @fastify/swagger writes zod's schemas. */
export function typeOf(schema: JsonSchema): string {
  const base = baseTypeOf(schema);
  return schema.nullable ? `${base} | null` : base;
}

function baseTypeOf(s: JsonSchema): string {
  if (s.const !== undefined) return JSON.stringify(s.const);
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(" | ");
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return alternatives.map((a) => `(${typeOf(a)})`).join(" | ");
  if (s.allOf) return s.allOf.map((a) => `(${typeOf(a)})`).join(" & ");
  if (Array.isArray(s.type)) return s.type.map((t) => baseTypeOf({ ...s, type: t })).join(" | ");
  switch (s.type) {
    case "string":
      return "string";
    case "integer":
    case "number":
      return "number";
    case "boolean":
      return "boolean";
    case "null":
      return "null";
    case "array":
      return `Array<${s.items ? typeOf(s.items) : "unknown"}>`;
    case "object":
    case undefined: {
      if (!s.properties)
        return s.additionalProperties && s.additionalProperties !== true
          ? `Record<string, ${typeOf(s.additionalProperties)}>`
          : "Record<string, unknown>";
      const required = new Set(s.required ?? []);
      const fields = Object.entries(s.properties).map(
        ([name, p]) => `${JSON.stringify(name)}${required.has(name) ? "" : "?"}: ${typeOf(p)};`,
      );
      return `{ ${fields.join(" ")} }`;
    }
    default:
      throw new Error(`the SDK's type generator does not know the JSON schema type ${String(s.type)}`);
  }
}

/** The source of api.ts: one entry per platform API operation, keyed "METHOD /path". */
export async function renderApiTypes(doc: OpenApiDocument): Promise<string> {
  const entries: string[] = [];
  for (const [path, operations] of Object.entries(doc.paths).sort(([a], [b]) => a.localeCompare(b))) {
    if (!path.startsWith(`${PREFIX}/`)) continue;
    for (const [method, op] of Object.entries(operations)) {
      const key = `${method.toUpperCase()} ${path.slice(PREFIX.length)}`;
      const params = (op.parameters ?? []).filter((p) => p.in === "path");
      const body = op.requestBody?.content["application/json"]?.schema;
      const ok = Object.entries(op.responses).find(([status]) => status.startsWith("2"))?.[1];
      const answer = ok?.content?.["application/json"]?.schema;
      const parts = [
        `params: ${params.length ? `{ ${params.map((p) => `${JSON.stringify(p.name)}: ${typeOf(p.schema)};`).join(" ")} }` : "Record<string, never>"};`,
        `body: ${body ? typeOf(body) : "never"};`,
        `answer: ${answer ? typeOf(answer) : "void"};`,
      ];
      entries.push(
        `${op.summary ? `/** ${op.summary.replace(/\*\//g, "* /")} */\n` : ""}${JSON.stringify(key)}: { ${parts.join(" ")} };`,
      );
    }
  }
  const source = `/**
 * The platform API's requests and answers, generated from certdesk's OpenAPI document by
 * packages/sdk/scripts/api-types.ts. Do not edit: run the script after changing a route.
 */
export interface PlatformApi {
${entries.join("\n")}
}
`;
  return format(source, { parser: "typescript", printWidth: 110 });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(API_TYPES_FILE, await renderApiTypes(await servedPlatformDocument()));
  console.log(`wrote ${API_TYPES_FILE}`);
}
