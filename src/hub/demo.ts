// Demo mode (`npm start`): every connector's simulator runs inside the hub's
// own server under /sim/<connector>, a simulated portal (two sites) under
// /sim/portal, one site per CMS target with a demo stand-in (TargetDemo),
// and demo sources, sites and routing rules point at them, so a
// newcomer watches documents flow end to end with nothing else installed.

import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import type { Simulator } from "../../connectors/sdk.ts";
import type { Config } from "../config/index.ts";
import type { Logger } from "../observability/index.ts";
import { requestRun } from "../pipeline/runs.ts";
import type { ConnectorRegistry } from "./context.ts";
import type { RunningHub } from "./hub.ts";

const DEMO_CLIENT = { clientId: "portalsync-demo", clientSecret: "demo-secret-for-the-simulators-only" };
// Fixed demo secrets: the simulated portal is local and holds nothing real.
const DEMO_SITE_SECRET = "whsec_cG9ydGFsc3luYy1kZW1vLXNpdGUtc2VjcmV0LTAx";
const PLACEHOLDER_URL = "http://127.0.0.1:1";
const TEST_CA_DIR = fileURLToPath(new URL("../../connectors/sim-kit/test-ca", import.meta.url));

export interface DemoSetup {
  config: Config;
  mounts: { path: string; app: Hono }[];
  onListening(url: string): Promise<void>;
  afterStart(hub: RunningHub): Promise<void>;
}

/** A mount point whose simulator is created once the hub knows its own URL. */
function lateMount(prefix: string) {
  let target: Simulator | null = null;
  const app = new Hono();
  app.all("*", (c) => {
    if (!target) return c.text("simulator starting", 503);
    const url = new URL(c.req.url);
    url.pathname = url.pathname.slice(prefix.length) || "/";
    return target.app.fetch(new Request(url, c.req.raw));
  });
  return { app, set: (sim: Simulator) => (target = sim) };
}

export async function demoSetup(base: Config, registry: ConnectorRegistry, log: Logger): Promise<DemoSetup> {
  const inbox = path.resolve(base.dataDir, "demo-inbox");
  await mkdir(inbox, { recursive: true });
  const mounts: { path: string; app: Hono }[] = [];
  const late: { name: string; prefix: string; set: (s: Simulator) => void }[] = [];
  for (const [name, connector] of registry.sources) {
    if (!connector.createSimulator || name === "edxml-inbox") continue;
    const prefix = `/sim/${name}`;
    const mount = lateMount(prefix);
    mounts.push({ path: prefix, app: mount.app });
    late.push({ name, prefix, set: mount.set });
  }
  // Targets with a stand-in and a demo site (a CMS): one site each, mounted
  // at /sim/<name>. Until the port is known their address is a loopback
  // placeholder (credentials may go to loopback, so the start-up check passes).
  const cmsSites: { name: string; siteId: string; set: (s: Simulator) => void; simulator: Record<string, unknown> }[] = [];
  const cmsConfigs: Config["sites"] = [];
  for (const [name, connector] of registry.targets) {
    if (!connector.createSimulator || !connector.demo) continue;
    const prefix = `/sim/${name}`;
    const mount = lateMount(prefix);
    mounts.push({ path: prefix, app: mount.app });
    cmsSites.push({ name, siteId: connector.demo.siteId, set: mount.set, simulator: connector.demo.simulator ?? {} });
    cmsConfigs.push({
      id: connector.demo.siteId, name: connector.demo.siteName, mode: "push", connector: name, options: connector.demo.options(PLACEHOLDER_URL), secrets: [],
      publishMode: "automatic", allowUnverified: false, enabled: true,
      sections: [
        { slug: "van-ban-chi-dao-dieu-hanh", name: "Văn bản chỉ đạo điều hành", itemKind: "document" },
        { slug: "thu-tuc-hanh-chinh", name: "Thủ tục hành chính", itemKind: "procedure" },
      ],
    });
  }
  const portal = lateMount("/sim/portal");
  const inboxSim = lateMount("/sim/edxml-inbox");
  mounts.push({ path: "/sim/edxml-inbox", app: inboxSim.app });
  mounts.push({ path: "/sim/portal", app: portal.app });

  let hubUrl = `http://${base.server.host}:${base.server.port}`;
  const url = (p: string) => `${hubUrl}${p}`;
  const sites = ["tinh", "binhson"];

  const sources: Config["sources"] = [];
  if (registry.sources.has("ioffice")) {
    sources.push({ id: "ioffice-demo", connector: "ioffice", name: "iOffice (mô phỏng)", enabled: true, schedule: "*/2 * * * *", options: { baseUrl: "http://placeholder", ...DEMO_CLIENT } });
  }
  if (registry.sources.has("dvc")) {
    sources.push({ id: "dvc-demo", connector: "dvc", name: "Dịch vụ công (mô phỏng)", enabled: true, schedule: "*/5 * * * *", options: { baseUrl: "http://placeholder", ...DEMO_CLIENT } });
  }
  if (registry.sources.has("edxml-inbox")) {
    sources.push({ id: "edxml-inbox-demo", connector: "edxml-inbox", name: "Hộp thư edXML", enabled: true, schedule: "* * * * *", options: { folder: inbox } });
  }

  const config: Config = {
    ...base,
    verify: { ...base.verify, trust: [...base.verify.trust, TEST_CA_DIR] },
    sources: [...base.sources, ...sources],
    sites: [
      ...base.sites,
      {
        id: "tinh", name: "Cổng TTĐT tỉnh (mô phỏng)", mode: "push", connector: "webhook", options: {}, endpoint: "http://placeholder", secrets: [DEMO_SITE_SECRET],
        publishMode: "automatic", allowUnverified: false, enabled: true,
        sections: [
          { slug: "van-ban-chi-dao-dieu-hanh", name: "Văn bản chỉ đạo điều hành", itemKind: "document" },
          { slug: "thu-tuc-hanh-chinh", name: "Thủ tục hành chính", itemKind: "procedure" },
        ],
      },
      {
        id: "binhson", name: "Trang TTĐT huyện Bình Sơn (mô phỏng)", mode: "push", connector: "webhook", options: {}, endpoint: "http://placeholder", secrets: [DEMO_SITE_SECRET],
        publishMode: "review", allowUnverified: false, enabled: true,
        sections: [{ slug: "van-ban-chi-dao-dieu-hanh", name: "Văn bản chỉ đạo điều hành", itemKind: "document" }],
      },
      ...cmsConfigs,
    ],
    routing: [
      ...base.routing,
      { id: "demo-all-documents", name: "Mọi văn bản công khai → cổng tỉnh", priority: 100, enabled: true, match: { itemKind: "document" }, targets: ["tinh/van-ban-chi-dao-dieu-hanh"] },
      { id: "demo-procedures", name: "Thủ tục hành chính → cổng tỉnh", priority: 100, enabled: true, match: { itemKind: "procedure" }, targets: ["tinh/thu-tuc-hanh-chinh"] },
      ...cmsConfigs.map((site) => ({
        id: `demo-${site.id}`, name: `Mọi văn bản và thủ tục → ${site.name}`, priority: 100, enabled: true, match: {},
        targets: [`${site.id}/van-ban-chi-dao-dieu-hanh`, `${site.id}/thu-tuc-hanh-chinh`],
      })),
      { id: "demo-binhson", name: "Văn bản UBND huyện Bình Sơn → trang huyện", priority: 50, enabled: true, match: { itemKind: "document", issuerName: ["UBND huyện Bình Sơn"] }, targets: ["binhson/van-ban-chi-dao-dieu-hanh"] },
    ],
  };

  return {
    config,
    mounts,
    async onListening(listening) {
      hubUrl = listening;
      for (const entry of late) {
        const sim = await registry.sources.get(entry.name)!.createSimulator!({ baseUrl: url(entry.prefix), ...DEMO_CLIENT });
        entry.set(sim);
      }
      const receiver = registry.targets.get("webhook")?.createSimulator;
      if (receiver) {
        const sim = await receiver({ baseUrl: url("/sim/portal"), sites: Object.fromEntries(sites.map((s) => [s, { secrets: [DEMO_SITE_SECRET] }])) });
        portal.set(sim);
      }
      for (const cms of cmsSites) {
        cms.set(await registry.targets.get(cms.name)!.createSimulator!({ baseUrl: url(`/sim/${cms.name}`), ...cms.simulator }));
        const site = config.sites.find((s) => s.id === cms.siteId)!;
        site.options = registry.targets.get(cms.name)!.demo!.options(url(`/sim/${cms.name}`));
      }
      // Point the demo sources and sites at the simulators now the port is known.
      for (const s of config.sources) {
        if (s.options.baseUrl === "http://placeholder") s.options.baseUrl = url(`/sim/${s.connector}`);
      }
      for (const site of config.sites) {
        if (site.endpoint === "http://placeholder") site.endpoint = url(`/sim/portal/sites/${site.id}/webhook`);
      }
    },
    async afterStart(hub) {
      for (const site of config.sites) {
        if (sites.includes(site.id)) await hub.ctx.db.prisma.site.update({ where: { id: site.id }, data: { endpoint: site.endpoint ?? null } });
      }
      const simulator = registry.sources.get("edxml-inbox")?.createSimulator;
      if (simulator) {
        const sim = await simulator({ baseUrl: hubUrl, folder: inbox, initial: 5 });
        inboxSim.set(sim);
      }
      for (const source of sources) {
        await requestRun(hub.ctx, { sourceId: source.id, trigger: "manual", requestedBy: "demo" });
      }
      log.info(
        {
          api: `${hub.url}/api/openapi.json`,
          portal: `${hub.url}/sim/portal/`,
          ...Object.fromEntries(cmsSites.map((cms) => [cms.name, `${hub.url}/sim/${cms.name}/`])),
          readiness: `${hub.url}/readyz`,
        },
        "demo running: documents flow from the simulated iOffice, DVC and edXML inbox to the simulated portal and CMS stand-ins",
      );
    },
  };
}
