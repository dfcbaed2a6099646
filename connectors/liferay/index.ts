// Liferay DXP 7.4 / Portal GA129+ as a target: documents and procedures
// written into a site through headless-delivery (see README.md).

import { credentialsMayTravelTo } from "../http-kit/index.ts";
import type { TargetConnector } from "../sdk.ts";
import { createLiferayClient } from "./client.ts";
import { liferayOptionsSchema, type LiferayOptions } from "./options.ts";

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
};

export default liferay;

export { createLiferayClient, DEFAULT_TIMEOUT_MS } from "./client.ts";
export { liferayOptionsSchema, type LiferayOptions, type LiferayOptionsInput } from "./options.ts";
export { contentErc, fileErc, structuredContentBody, documentMetadata, DEFAULT_FIELD_NAMES } from "./mapping.ts";
