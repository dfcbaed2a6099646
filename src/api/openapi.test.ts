// The hub's OpenAPI document (/api/openapi.json) must be usable by client
// generators: validated against the official OpenAPI 3.1 JSON Schema, then
// checked for what the schema cannot see (every $ref resolves, every
// operation answers something, path parameters are declared, operationIds
// unique, security schemes exist).

import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";
import { createApiApp } from "./app.ts";
import { configSchema } from "../config/index.ts";
import type { HubContext } from "../hub/context.ts";
import { createMetrics, silentLogger } from "../observability/index.ts";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

async function openApiDocument(): Promise<Record<string, any>> {
  // Building the document touches no database: a context without one is enough.
  const ctx = {
    config: configSchema.parse({ log: { level: "silent" } }),
    db: { prisma: {} },
    log: silentLogger,
    metrics: createMetrics(),
    connectors: { sources: new Map(), targets: new Map() },
    verifier: null,
    now: () => new Date(),
    startedAt: new Date(),
  } as unknown as HubContext;
  const app = createApiApp(ctx);
  const res = await app.request("/api/openapi.json");
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, any>;
}

function resolvePointer(doc: Json, ref: string): Json | undefined {
  if (!ref.startsWith("#/")) return undefined;
  let node: Json | undefined = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (node === null || typeof node !== "object" || Array.isArray(node) || !(key in node)) return undefined;
    node = (node as Record<string, Json>)[key];
  }
  return node;
}

function collectRefs(node: Json, at: string, out: { ref: string; at: string }[]) {
  if (Array.isArray(node)) node.forEach((n, i) => collectRefs(n, `${at}/${i}`, out));
  else if (node && typeof node === "object") {
    for (const [k, v] of Object.entries(node)) {
      if (k === "$ref" && typeof v === "string") out.push({ ref: v, at });
      else collectRefs(v, `${at}/${k}`, out);
    }
  }
}

const METHODS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

describe("OpenAPI document", () => {
  it("is OpenAPI 3.1 with info and paths", async () => {
    const doc = await openApiDocument();
    expect(doc.openapi).toBe("3.1.0");
    expect(typeof doc.info?.title).toBe("string");
    expect(typeof doc.info?.version).toBe("string");
    expect(Object.keys(doc.paths ?? {}).length).toBeGreaterThan(10);
  });

  it("validates against the OpenAPI 3.1 schema", async () => {
    const result = await new Validator().validate(await openApiDocument());
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
  });

  it("resolves every $ref", async () => {
    const doc = await openApiDocument();
    const refs: { ref: string; at: string }[] = [];
    collectRefs(doc as Json, "#", refs);
    expect(refs.length).toBeGreaterThan(0);
    const broken = refs.filter((r) => resolvePointer(doc as Json, r.ref) === undefined);
    expect(broken).toEqual([]);
  });

  it("gives every operation responses, declared path parameters and unique operationIds", async () => {
    const doc = await openApiDocument();
    const problems: string[] = [];
    const operationIds = new Map<string, string>();
    const schemes = new Set(Object.keys(doc.components?.securitySchemes ?? {}));
    for (const [path, item] of Object.entries<Record<string, any>>(doc.paths)) {
      if (!path.startsWith("/")) problems.push(`${path}: does not start with /`);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
      for (const method of Object.keys(item)) {
        if (!METHODS.includes(method) && method !== "parameters" && method !== "summary" && method !== "description") problems.push(`${path}: unknown key ${method}`);
      }
      for (const method of METHODS.filter((m) => item[m])) {
        const op = item[method];
        const where = `${method.toUpperCase()} ${path}`;
        const responses = Object.entries<Record<string, any>>(op.responses ?? {});
        if (responses.length === 0) problems.push(`${where}: no responses`);
        for (const [status, response] of responses) {
          if (!/^([1-5]\d\d|[1-5]XX|default)$/.test(status)) problems.push(`${where}: bad status ${status}`);
          if (!response.$ref && typeof response.description !== "string") problems.push(`${where} ${status}: no description`);
        }
        const params = [...(item.parameters ?? []), ...(op.parameters ?? [])].map((p: any) => (p.$ref ? resolvePointer(doc as Json, p.$ref) : p) as any);
        for (const name of templated) {
          const p = params.find((x) => x?.in === "path" && x?.name === name);
          if (!p) problems.push(`${where}: path parameter {${name}} not declared`);
          else if (p.required !== true) problems.push(`${where}: path parameter {${name}} not required`);
        }
        for (const p of params.filter((x) => x?.in === "path")) {
          if (!templated.includes(p.name)) problems.push(`${where}: path parameter ${p.name} not in the path`);
        }
        const seen = new Set<string>();
        for (const p of params) {
          const key = `${p?.in}:${p?.name}`;
          if (seen.has(key)) problems.push(`${where}: duplicate parameter ${key}`);
          seen.add(key);
        }
        if (op.operationId) {
          if (operationIds.has(op.operationId)) problems.push(`${where}: operationId ${op.operationId} also on ${operationIds.get(op.operationId)}`);
          operationIds.set(op.operationId, where);
        }
        for (const requirement of op.security ?? []) {
          for (const scheme of Object.keys(requirement)) if (!schemes.has(scheme)) problems.push(`${where}: unknown security scheme ${scheme}`);
        }
        if (op.requestBody && !op.requestBody.$ref && !op.requestBody.content) problems.push(`${where}: requestBody without content`);
      }
    }
    expect(problems).toEqual([]);
  });

  it("documents the console's API", async () => {
    const doc = await openApiDocument();
    for (const path of ["/api/v1/dashboard", "/api/v1/runs/{id}/items", "/api/v1/documents", "/api/v1/documents/{id}", "/api/v1/procedures", "/api/v1/review", "/api/v1/deliveries/{id}/republish", "/api/v1/users", "/api/v1/tokens", "/api/v1/audit", "/api/v1/alerts"]) {
      expect(Object.keys(doc.paths), path).toContain(path);
    }
    expect(doc.components.securitySchemes.session).toMatchObject({ type: "apiKey", in: "cookie" });
  });
});
