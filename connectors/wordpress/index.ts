// WordPress sites as delivery targets (see README.md): a section is a
// category, a document or procedure one post, its files media items.

import { credentialsMayTravelTo } from "../http-kit/index.ts";
import type { SiteProblem, TargetConnector } from "../sdk.ts";
import { createWordPressClient, wordpressOptionsSchema, type WordPressOptions } from "./client.ts";
import { createWordPressSimulator } from "./simulator.ts";

// The demo's stand-in only: it runs inside the hub and holds nothing real.
const DEMO_USER = "portalsync";
const DEMO_APP_PASSWORD = "demo demo demo demo demo demo";

const wordpress: TargetConnector<WordPressOptions> = {
  name: "wordpress",
  title: "WordPress sites (REST API, application password)",
  optionsSchema: wordpressOptionsSchema,
  validate(site) {
    const problems: SiteProblem[] = [];
    // Application passwords travel in clear over plain HTTP; WordPress itself
    // refuses them there unless the site is a local one.
    if (!credentialsMayTravelTo(site.options.baseUrl)) {
      problems.push({ severity: "error", path: "options.baseUrl", message: "use https:// (an application password must not travel over plain HTTP)" });
    }
    return problems;
  },
  create: (site, ctx) => createWordPressClient(site, ctx),
  createSimulator: (options) => createWordPressSimulator(options),
  demo: {
    siteId: "xa-binh-thuan",
    siteName: "Trang TTĐT xã Bình Thuận (WordPress mô phỏng)",
    options: (baseUrl) => ({ baseUrl, username: DEMO_USER, applicationPassword: DEMO_APP_PASSWORD }),
    simulator: { username: DEMO_USER, applicationPassword: DEMO_APP_PASSWORD },
  },
};

export default wordpress;
export { createWordPressClient, wordpressOptionsSchema, REQUIRED_CAPABILITIES, classify } from "./client.ts";
export { createWordPressSimulator } from "./simulator.ts";
