// Liferay DXP 7.4 / Portal GA129+ as a target: documents and procedures
// written into a site through headless-delivery (see README.md).

import { credentialsMayTravelTo } from "../http-kit/index.ts";
import type { TargetConnector } from "../sdk.ts";
import { createLiferayClient } from "./client.ts";
import { liferayOptionsSchema, type LiferayOptions } from "./options.ts";

// The demo's stand-in only: it runs inside the hub and holds nothing real.
const DEMO_OAUTH2 = { clientId: "portalsync-demo", clientSecret: "demo-liferay-secret" };

const liferay: TargetConnector<LiferayOptions> = {
  name: "liferay",
  title: "Liferay sites (headless-delivery: web content and Documents and Media)",
  optionsSchema: liferayOptionsSchema,
  validate(site) {
    // A client secret (sent to /o/oauth2/token) or a Basic password would
    // travel in clear over plain HTTP to anything but this machine.
    if (credentialsMayTravelTo(site.options.baseUrl)) return [];
    const what = "clientSecret" in site.options.auth ? "the OAuth2 client secret" : "the password";
    return [{ severity: "error", path: "options.baseUrl", message: `use https:// (${what} must not travel over plain HTTP)` }];
  },
  create: (site, ctx) => createLiferayClient(site.options, ctx),
  // Loaded on demand: the stand-in needs the OpenAPI validator (ajv), a development dependency.
  createSimulator: async (options) => {
    const { createLiferaySimulator } = await import("./simulator.ts");
    return createLiferaySimulator(options);
  },
  demo: {
    siteId: "so-tu-phap",
    siteName: "Trang TTĐT Sở Tư pháp (Liferay mô phỏng)",
    options: (baseUrl) => ({ baseUrl, siteId: 20121, auth: DEMO_OAUTH2, contentStructureId: 40123 }),
    simulator: { siteId: 20121, oauth2: DEMO_OAUTH2 },
  },
};

export default liferay;

export { createLiferayClient, DEFAULT_TIMEOUT_MS } from "./client.ts";
export { liferayOptionsSchema, type LiferayOptions, type LiferayOptionsInput } from "./options.ts";
export { contentErc, fileErc, structuredContentBody, documentMetadata, DEFAULT_FIELD_NAMES } from "./mapping.ts";
