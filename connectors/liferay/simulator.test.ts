// The stand-in refuses what Liferay's published OpenAPI description of
// headless-delivery does not allow, and accepts what it does: each refusal
// below is a request a careless client could make, sent over real HTTP.

import type { AddressInfo } from "node:net";
import { serve, type ServerType } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { OpenApiDescription } from "./openapi.ts";
import { createLiferaySimulator, DEFAULT_SIM_SITE_ID, DEFAULT_SIM_STRUCTURE_ID, type LiferaySimulator } from "./simulator.ts";

let server: ServerType;
let base: string;
let sim: LiferaySimulator;
let token: string;

const api = (path: string) => `${base}/o/headless-delivery/v1.0${path}`;
const erc = (code: string) => `/sites/${DEFAULT_SIM_SITE_ID}/structured-contents/by-external-reference-code/${code}`;

beforeAll(async () => {
  sim = createLiferaySimulator({ baseUrl: "http://placeholder" });
  server = serve({ fetch: (req) => sim.app.fetch(req), port: 0, hostname: "127.0.0.1" });
  await new Promise<void>((resolve) => server.once("listening", () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const answer = await fetch(`${base}/o/oauth2/token`, {
    method: "POST",
    body: new URLSearchParams({ grant_type: "client_credentials", client_id: "portalsync", client_secret: "liferay-secret" }),
  });
  token = ((await answer.json()) as { access_token: string }).access_token;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function send(method: string, path: string, body?: unknown, contentType = "application/json") {
  const init: RequestInit = { method, headers: { authorization: `Bearer ${token}` } };
  if (body instanceof FormData) init.body = body;
  else if (body !== undefined) {
    init.body = typeof body === "string" ? body : JSON.stringify(body);
    (init.headers as Record<string, string>)["content-type"] = contentType;
  }
  const response = await fetch(api(path), init);
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as { status?: string; title?: string; id?: number }) : null };
}

const article = { contentStructureId: DEFAULT_SIM_STRUCTURE_ID, title: "152/QĐ-UBND Về việc…", contentFields: [{ name: "number", contentFieldValue: { data: "152/QĐ-UBND" } }] };

describe("requests Liferay's description allows", () => {
  it("are served", async () => {
    const put = await send("PUT", erc("ps-ok"), article);
    expect(put.status).toBe(200);
    expect(put.body?.id).toEqual(expect.any(Number));
    expect((await send("GET", erc("ps-ok"))).status).toBe(200);
    expect((await send("GET", `/sites/${DEFAULT_SIM_SITE_ID}/document-folders?page=1&pageSize=5`)).status).toBe(200);
  });
});

describe("requests outside the description are refused", () => {
  it("an unknown path is 404", async () => {
    const r = await send("GET", `/sites/${DEFAULT_SIM_SITE_ID}/web-contents`);
    expect(r.status).toBe(404);
    expect(r.body?.status).toBe("NOT_FOUND");
  });

  it("a method the path does not have is 405", async () => {
    const r = await send("PATCH", erc("ps-ok"), { title: "x" });
    expect(r.status).toBe(405);
    expect(r.body?.title).toContain("allowed: DELETE, GET, PUT");
  });

  it("a body property not in the schema is 400 (there is no `status` to set on a StructuredContent)", async () => {
    const r = await send("PUT", erc("ps-status"), { ...article, status: "approved" });
    expect(r.status).toBe(400);
    expect(r.body?.title).toContain("property status is not in the schema");
  });

  it("a read-only property in a body is 400", async () => {
    const r = await send("PUT", erc("ps-ro"), { ...article, id: 5 });
    expect(r.status).toBe(400);
    expect(r.body?.title).toContain("property id is not in the schema (or is read-only)");
  });

  it("a wrong type is 400", async () => {
    const r = await send("PUT", erc("ps-type"), { ...article, contentStructureId: "40123" });
    expect(r.status).toBe(400);
    expect(r.body?.title).toContain("body/contentStructureId: must be integer");
  });

  it("a wrong type deep inside (contentFieldValue.data must be a string) is 400", async () => {
    const r = await send("PUT", erc("ps-deep"), { ...article, contentFields: [{ name: "number", contentFieldValue: { data: 152 } }] });
    expect(r.status).toBe(400);
    expect(r.body?.title).toContain("body/contentFields/0/contentFieldValue/data: must be string");
  });

  it("a missing required property is 400", async () => {
    const r = await send("PUT", erc("ps-req"), { contentStructureId: DEFAULT_SIM_STRUCTURE_ID });
    expect(r.status).toBe(400);
    expect(r.body?.title).toContain("required property title is missing");
  });

  it("a query parameter the operation does not define is 400", async () => {
    const r = await send("GET", `/sites/${DEFAULT_SIM_SITE_ID}/document-folders?parentFolderId=0`);
    expect(r.status).toBe(400);
    expect(r.body?.title).toContain("query parameter parentFolderId is not defined");
  });

  it("a non-integer path parameter is 400", async () => {
    const r = await send("GET", "/content-structures/abc");
    expect(r.status).toBe(400);
    expect(r.body?.title).toContain("path parameter contentStructureId must be an integer");
  });

  it("a site key instead of the numeric id is refused unless the portal accepts keys (DXP 2025.Q3+)", async () => {
    expect((await send("GET", "/sites/binhson/document-folders")).status).toBe(400);
  });

  it("an undeclared media type is 415", async () => {
    const r = await send("PUT", erc("ps-media"), "title=x", "application/x-www-form-urlencoded");
    expect(r.status).toBe(415);
  });

  it("a structured content sent as multipart, or a document sent as JSON, is 415", async () => {
    const form = new FormData();
    form.set("structuredContent", JSON.stringify(article));
    expect((await send("PUT", erc("ps-mp"), form)).status).toBe(415);
    expect((await send("PUT", `/sites/${DEFAULT_SIM_SITE_ID}/documents/by-external-reference-code/f1`, { title: "x" })).status).toBe(415);
  });

  it("multipart: an unknown part, a document part with foreign fields, or the file as text is 400", async () => {
    const path = `/sites/${DEFAULT_SIM_SITE_ID}/documents/by-external-reference-code/f2`;
    const unknown = new FormData();
    unknown.set("metadata", "{}");
    unknown.set("file", new Blob(["x"]), "a.pdf");
    expect((await send("PUT", path, unknown)).body?.title).toContain("multipart part metadata is not defined");

    const foreign = new FormData();
    foreign.set("document", JSON.stringify({ title: "a.pdf", folderId: 1 }));
    foreign.set("file", new Blob(["x"]), "a.pdf");
    const r = await send("PUT", path, foreign);
    expect(r.status).toBe(400);
    expect(r.body?.title).toContain("document: property folderId is not in the schema");

    const textFile = new FormData();
    textFile.set("file", "not a file");
    expect((await send("PUT", path, textFile)).body?.title).toContain("multipart part file must be a file");
  });

  it("records every refusal for tests to assert on", () => {
    expect(sim.refusals.length).toBeGreaterThanOrEqual(12);
    expect(sim.refusals.every((r) => r.status === 400 || r.status === 404 || r.status === 405 || r.status === 415)).toBe(true);
  });
});

describe("beyond the description, the rules Liferay enforces", () => {
  it("a field the content structure does not have, an unknown structure, an overlong title", async () => {
    const field = await send("PUT", erc("ps-f"), { ...article, contentFields: [{ name: "soKyHieu", contentFieldValue: { data: "1" } }] });
    expect(field).toMatchObject({ status: 400, body: { title: expect.stringContaining("Unable to find field soKyHieu") } });
    expect((await send("PUT", erc("ps-s"), { ...article, contentStructureId: 1 })).status).toBe(404);
    expect((await send("PUT", erc("ps-t"), { ...article, title: "x".repeat(401) })).status).toBe(400);
  });

  it("no credentials: 403 as Liferay answers the Guest user; a bad token: 401", async () => {
    expect((await fetch(api(erc("ps-ok")))).status).toBe(403);
    expect((await fetch(api(erc("ps-ok")), { headers: { authorization: "Bearer nope" } })).status).toBe(401);
  });
});

describe("the description itself", () => {
  it("is Liferay's excerpt with the operations the connector uses", () => {
    const d = OpenApiDescription.load();
    const ops = [
      ["GET", "/content-structures/1"],
      ["GET", "/sites/1/document-folders"],
      ["POST", "/sites/1/document-folders"],
      ["GET", "/sites/1/documents/by-external-reference-code/x"],
      ["PUT", "/sites/1/documents/by-external-reference-code/x"],
      ["GET", "/sites/1/structured-contents/by-external-reference-code/x"],
      ["PUT", "/sites/1/structured-contents/by-external-reference-code/x"],
      ["PUT", "/structured-contents/1/permissions"],
      ["PUT", "/documents/1/permissions"],
    ].map(([m, p]) => {
      const match = d.match(m!, p!);
      return match.ok ? match.operation.operationId : `missing ${m} ${p}`;
    });
    expect(ops).toEqual([
      "getContentStructure",
      "getSiteDocumentFoldersPage",
      "postSiteDocumentFolder",
      "getSiteDocumentByExternalReferenceCode",
      "putSiteDocumentByExternalReferenceCode",
      "getSiteStructuredContentByExternalReferenceCode",
      "putSiteStructuredContentByExternalReferenceCode",
      "putStructuredContentPermissionsPage",
      "putDocumentPermissionsPage",
    ]);
  });

  it("also checks answers: a property Liferay's StructuredContent does not have, a page without items", () => {
    const d = OpenApiDescription.load();
    const get = d.match("GET", "/sites/1/structured-contents/by-external-reference-code/x");
    const list = d.match("GET", "/sites/1/document-folders");
    if (!get.ok || !list.ok) throw new Error("operations missing");
    expect(d.checkAnswer(get.operation, { id: 1, title: "t", contentStructureId: 2, uuid: "u" })).toEqual([]);
    expect(d.checkAnswer(get.operation, { id: 1, title: "t", contentStructureId: 2, status: "approved" })).toEqual(["answer: property status is not in the schema (or is write-only)"]);
    expect(d.checkAnswer(get.operation, { id: "1", title: "t", contentStructureId: 2 })).toEqual(["answer/id: must be integer"]);
    expect(d.checkAnswer(list.operation, [])).toEqual(["answer: a page needs an items array"]);
    expect(d.checkAnswer(list.operation, { items: [{ id: 1, name: "a", viewableBy: "Anyone" }] })).toEqual(["answer/items/0: property viewableBy is not in the schema (or is write-only)"]);
  });
});
