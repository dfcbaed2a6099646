// Request validation against Liferay's own published OpenAPI description of
// headless-delivery (the excerpt in openapi/headless-delivery-subset.yaml).
// The stand-in runs every request through this before any handler: a request
// the description does not allow is refused the way Liferay's JAX-RS layer
// refuses it (404 unknown path, 405 wrong method, 400 bad parameter or body,
// 415 undeclared media type), so the connector cannot drift from the real API
// while its tests stay green.

import { readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import { parse } from "yaml";

type Json = Record<string, unknown>;

export interface Parameter {
  name: string;
  in: "path" | "query" | "header";
  required: boolean;
  schema: Json;
}

export interface Operation {
  operationId: string;
  method: string;
  /** Path template as written in the description, e.g. `/sites/{siteId}/…`. */
  template: string;
  parameters: Parameter[];
  /** Declared request media types; a null schema means "any body" (`application/json: {}`). */
  body: Map<string, Json | null> | null;
  /** The JSON schema of the 200 answer, when the description gives one. */
  okSchema: Json | null;
}

export type RouteMatch =
  | { ok: true; operation: Operation; pathParams: Record<string, string> }
  | { ok: false; status: 404 | 405; allowed: string[] };

export interface RequestParts {
  pathParams: Record<string, string>;
  query: URLSearchParams;
  /** Media type without parameters (`multipart/form-data`), or null without a body. */
  mediaType: string | null;
  /** Parsed JSON body (application/json). */
  json?: unknown;
  /** Multipart parts: strings for fields, Files for file parts. */
  parts?: Record<string, string | File>;
}

export interface Refusal {
  status: 400 | 415;
  problems: string[];
}

interface CompiledPath {
  template: string;
  regex: RegExp;
  names: string[];
  operations: Map<string, Operation>;
}

const SUBSET_URL = new URL("./openapi/headless-delivery-subset.yaml", import.meta.url);

export class OpenApiDescription {
  readonly #paths: CompiledPath[] = [];
  readonly #ajv: Ajv;
  readonly #validators = new Map<string, ValidateFunction>();

  constructor(document: Json) {
    this.#ajv = new Ajv({ strict: false, allErrors: true });
    // OpenAPI formats Liferay uses; the type keyword already checks int64/double.
    for (const name of ["int64", "int32", "double", "binary"]) this.#ajv.addFormat(name, true);
    this.#ajv.addFormat("date-time", (value: string) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(value) && !Number.isNaN(Date.parse(value)));
    this.#ajv.addFormat("uri", (value: string) => URL.canParse(value) || value.startsWith("/"));
    const components = (document.components ?? {}) as Json;
    this.#ajv.addSchema({ $id: "request", components: view(components, "request") });
    this.#ajv.addSchema({ $id: "response", components: view(components, "response") });

    const paths = (document.paths ?? {}) as Record<string, Json>;
    for (const [template, item] of Object.entries(paths)) {
      const names: string[] = [];
      const pattern = template.replace(/[.*+?^$()|[\]\\]/g, "\\$&").replace(/\\?\{([^}]+)\\?\}/g, (_m, name: string) => {
        names.push(name);
        return "([^/]+)";
      });
      const operations = new Map<string, Operation>();
      for (const [method, raw] of Object.entries(item)) {
        const op = raw as Json;
        const body = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
        operations.set(method.toUpperCase(), {
          operationId: String(op.operationId),
          method: method.toUpperCase(),
          template,
          parameters: ((op.parameters ?? []) as Json[]).map((p) => ({
            name: String(p.name),
            in: p.in as Parameter["in"],
            required: p.required === true,
            schema: (p.schema ?? {}) as Json,
          })),
          body: body ? new Map(Object.entries(body).map(([type, media]) => [type, (media?.schema as Json | undefined) ?? null])) : null,
          okSchema: ((((op.responses as Json | undefined)?.["200"] as Json | undefined)?.content as Json | undefined)?.["application/json"] as Json | undefined)?.schema as Json | null ?? null,
        });
      }
      this.#paths.push({ template, regex: new RegExp(`^${pattern}$`), names, operations });
    }
  }

  static load(url: URL = SUBSET_URL): OpenApiDescription {
    return new OpenApiDescription(parse(readFileSync(url, "utf8")) as Json);
  }

  /** Finds the operation for `path` (relative to the API's base, e.g. `/sites/1/…`). */
  match(method: string, path: string): RouteMatch {
    for (const compiled of this.#paths) {
      const m = compiled.regex.exec(path);
      if (!m) continue;
      const operation = compiled.operations.get(method.toUpperCase());
      if (!operation) return { ok: false, status: 405, allowed: [...compiled.operations.keys()] };
      const pathParams: Record<string, string> = {};
      try {
        compiled.names.forEach((name, i) => {
          pathParams[name] = decodeURIComponent(m[i + 1]!);
        });
      } catch {
        return { ok: false, status: 404, allowed: [] }; // a malformed %-escape names no resource
      }
      return { ok: true, operation, pathParams };
    }
    return { ok: false, status: 404, allowed: [] };
  }

  /** Problems that make the request one the description does not allow; null when it is allowed. */
  check(operation: Operation, request: RequestParts): Refusal | null {
    const problems: string[] = [];
    for (const p of operation.parameters.filter((x) => x.in === "path")) {
      const value = request.pathParams[p.name];
      if (value === undefined || value === "") problems.push(`path parameter ${p.name} is required`);
      else problems.push(...scalarProblems(`path parameter ${p.name}`, value, p.schema));
    }
    const declared = new Map(operation.parameters.filter((x) => x.in === "query").map((p) => [p.name, p]));
    for (const [name, value] of request.query) {
      const p = declared.get(name);
      if (!p) {
        problems.push(`query parameter ${name} is not defined for ${operation.operationId}`);
        continue;
      }
      const itemSchema = p.schema.type === "array" ? ((p.schema.items ?? {}) as Json) : p.schema;
      problems.push(...scalarProblems(`query parameter ${name}`, value, itemSchema));
    }
    for (const p of declared.values()) {
      if (p.required && !request.query.has(p.name)) problems.push(`query parameter ${p.name} is required`);
    }

    if (!operation.body) {
      if (request.mediaType) problems.push(`${operation.operationId} takes no request body`);
      return problems.length ? { status: 400, problems } : null;
    }
    if (!request.mediaType) return { status: 400, problems: [...problems, `${operation.operationId} needs a request body (${[...operation.body.keys()].join(" or ")})`] };
    if (!operation.body.has(request.mediaType)) {
      return { status: 415, problems: [`media type ${request.mediaType} is not accepted by ${operation.operationId} (${[...operation.body.keys()].join(", ")})`] };
    }
    const schema = operation.body.get(request.mediaType) ?? null;
    if (request.mediaType === "multipart/form-data") problems.push(...this.#multipartProblems(schema, request.parts ?? {}));
    else if (schema) problems.push(...this.#schemaProblems(schema, request.json, "body"));
    return problems.length ? { status: 400, problems } : null;
  }

  #multipartProblems(schema: Json | null, parts: Record<string, string | File>): string[] {
    if (!schema) return [];
    const properties = (schema.properties ?? {}) as Record<string, Json>;
    const problems: string[] = [];
    for (const [name, value] of Object.entries(parts)) {
      const property = properties[name];
      if (!property) {
        problems.push(`multipart part ${name} is not defined (allowed: ${Object.keys(properties).join(", ")})`);
        continue;
      }
      if (property.format === "binary") {
        if (typeof value === "string") problems.push(`multipart part ${name} must be a file`);
        continue;
      }
      // Liferay reads a JSON part (e.g. `document`) as a string holding JSON.
      const text = typeof value === "string" ? value : null;
      if (text === null) {
        problems.push(`multipart part ${name} must be a JSON string, not a file`);
        continue;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        problems.push(`multipart part ${name} is not valid JSON`);
        continue;
      }
      problems.push(...this.#schemaProblems(property, parsed, name));
    }
    return problems;
  }

  /**
   * Problems with a 200 answer (the stand-in checks its own answers, so it
   * cannot hand the client a shape Liferay would not). Liferay's description
   * models a page as an array of items; the answer is `{items: […], …}`.
   */
  checkAnswer(operation: Operation, json: unknown): string[] {
    const schema = operation.okSchema;
    if (!schema) return [];
    if (schema.type === "array") {
      const items = (json as { items?: unknown } | null)?.items;
      if (!Array.isArray(items)) return ["answer: a page needs an items array"];
      return items.flatMap((item, i) => this.#schemaProblems((schema.items ?? {}) as Json, item, `answer/items/${i}`, "response"));
    }
    return this.#schemaProblems(schema, json, "answer", "response");
  }

  #schemaProblems(schema: Json, value: unknown, where: string, mode: Mode = "request"): string[] {
    const key = `${mode}:${JSON.stringify(schema)}`;
    let validate = this.#validators.get(key);
    if (!validate) {
      validate = this.#ajv.compile(rebase(shaped(schema, mode), mode) as object);
      this.#validators.set(key, validate);
    }
    if (validate(value)) return [];
    return (validate.errors ?? []).map((e) => describe(where, e, mode));
  }
}

function describe(where: string, error: ErrorObject, mode: Mode): string {
  const at = `${where}${error.instancePath}`;
  if (error.keyword === "additionalProperties") {
    return `${at}: property ${(error.params as { additionalProperty: string }).additionalProperty} is not in the schema (or is ${mode === "request" ? "read-only" : "write-only"})`;
  }
  if (error.keyword === "required") return `${at}: required property ${(error.params as { missingProperty: string }).missingProperty} is missing`;
  return `${at}: ${error.message ?? error.keyword}`;
}

/** A path or query value against its (scalar) schema, as JAX-RS converts it. */
function scalarProblems(what: string, value: string, schema: Json): string[] {
  switch (schema.type) {
    case "integer":
      return /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? [] : [`${what} must be an integer, got ${JSON.stringify(value)}`];
    case "number":
      return value.trim() !== "" && Number.isFinite(Number(value)) ? [] : [`${what} must be a number, got ${JSON.stringify(value)}`];
    case "boolean":
      return value === "true" || value === "false" ? [] : [`${what} must be true or false, got ${JSON.stringify(value)}`];
    default:
      return [];
  }
}

type Mode = "request" | "response";

/** `#/components/…` references resolve inside the registered `request` or `response` document. */
function rebase(schema: unknown, mode: Mode): unknown {
  if (Array.isArray(schema)) return schema.map((s) => rebase(s, mode));
  if (!schema || typeof schema !== "object") return schema;
  const out: Json = {};
  for (const [k, v] of Object.entries(schema as Json)) {
    out[k] = k === "$ref" && typeof v === "string" && v.startsWith("#/") ? `${mode}${v}` : rebase(v, mode);
  }
  return out;
}

function view(components: Json, mode: Mode): Json {
  const schemas = (components.schemas ?? {}) as Record<string, Json>;
  return { schemas: Object.fromEntries(Object.entries(schemas).map(([name, s]) => [name, shaped(s, mode)])) };
}

/**
 * The schema as a request body (or an answer) must satisfy it: read-only
 * properties are dropped from requests (a client must not send them) and
 * write-only ones from answers, undeclared properties are refused, and
 * Liferay's two non-JSON-Schema types get their real shapes: `permission` is
 * `{roleName, actionIds}` (headless-common Permission) and `customField` is
 * `{name, customValue, dataType}` (headless-common CustomField).
 */
function shaped(schema: unknown, mode: Mode): Json {
  if (!schema || typeof schema !== "object") return {};
  const s = { ...(schema as Json) };
  if (s.type === "permission") {
    return {
      type: "object",
      additionalProperties: false,
      properties: { roleName: { type: "string" }, actionIds: { type: "array", items: { type: "string" } } },
    };
  }
  if (s.type === "customField") {
    return {
      type: "object",
      additionalProperties: false,
      properties: { name: { type: "string" }, dataType: { type: "string" }, customValue: { type: "object" } },
    };
  }
  if (s.properties && typeof s.properties === "object") {
    const props: Json = {};
    const hidden = mode === "request" ? "readOnly" : "writeOnly";
    for (const [name, prop] of Object.entries(s.properties as Json)) {
      if ((prop as Json | null)?.[hidden] === true) continue;
      props[name] = shaped(prop, mode);
    }
    s.properties = props;
    if (s.additionalProperties === undefined) s.additionalProperties = false;
    if (!s.type) s.type = "object";
  }
  if (s.additionalProperties && typeof s.additionalProperties === "object") s.additionalProperties = shaped(s.additionalProperties, mode);
  if (s.items) s.items = shaped(s.items, mode);
  // `readOnly` next to a $ref was handled by the parent; the rest is annotation.
  delete s.readOnly;
  delete s.writeOnly;
  return s;
}
