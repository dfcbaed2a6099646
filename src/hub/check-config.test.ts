import { describe, expect, it } from "vitest";
import { builtinSources, builtinTargets } from "../../connectors/index.ts";
import { generateSecret } from "../../connectors/webhook/index.ts";
import { configSchema } from "../config/index.ts";
import { ConfigError } from "../config/load.ts";
import { silentLogger } from "../observability/index.ts";
import { assertConfiguration, checkConfiguration } from "./check-config.ts";
import { createRegistry } from "./context.ts";

const registry = createRegistry(builtinSources, builtinTargets);
const sections = [{ slug: "van-ban", name: "Văn bản" }];
// 13 bytes: what the end-to-end run configured; the signer refuses it.
const SHORT_SECRET = `whsec_${Buffer.from("thirteenbytes").toString("base64")}`;

const site = (id: string, extra: Record<string, unknown> = {}) => ({ id, name: id, mode: "push", endpoint: `https://${id}.example.vn/hook`, secrets: [generateSecret()], sections, ...extra });

describe("checkConfiguration", () => {
  it("accepts a correct configuration without errors or warnings", () => {
    const config = configSchema.parse({
      sources: [{ id: "dvc", connector: "dvc", name: "DVC", options: { baseUrl: "https://x.vn/dvc", clientId: "a", clientSecret: "b" } }],
      sites: [site("a"), { id: "feed", name: "Feed", mode: "pull", sections }],
      routing: [{ id: "r", name: "r", targets: ["a/van-ban"] }],
    });
    expect(checkConfiguration(config, registry)).toEqual({ errors: [], warnings: [] });
  });

  it("refuses a webhook secret the signer would refuse, with the key's path and the length", () => {
    const config = configSchema.parse({ sites: [site("a"), site("b"), site("c", { secrets: [SHORT_SECRET, generateSecret()] })] });
    const { errors } = checkConfiguration(config, registry);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(/^sites\[2\]\.secrets\[0\]: secret key must be 24–64 bytes, got 13/);
    expect(() => assertConfiguration(config, registry, silentLogger)).toThrow(ConfigError);
  });

  it("refuses a push site with an endpoint but no secret, and warns about one without an endpoint", () => {
    const config = configSchema.parse({ sites: [site("a", { secrets: [] }), { id: "b", name: "B", sections }] });
    const { errors, warnings } = checkConfiguration(config, registry);
    expect(errors).toEqual([expect.stringMatching(/^sites\[0\]\.secrets: a push site needs at least one whsec_ secret/)]);
    expect(warnings).toEqual([expect.stringMatching(/^sites\[1\]\.endpoint: push site without an endpoint/)]);
  });

  it("refuses unknown connectors for sources and sites, naming the known ones", () => {
    const config = configSchema.parse({
      sources: [{ id: "x", connector: "iofice", name: "typo" }],
      sites: [site("a", { connector: "drupal" })],
    });
    const { errors } = checkConfiguration(config, registry);
    expect(errors).toContain('sources[0].connector: unknown connector "iofice"; known: ioffice, dvc, edxml-inbox');
    expect(errors).toContainEqual(expect.stringMatching(/^sites\[0\]\.connector: unknown connector "drupal"; known: webhook, wordpress/));
  });

  it("refuses a typo or a missing value in a connector's options with its path", () => {
    const config = configSchema.parse({
      sources: [
        { id: "ok", connector: "edxml-inbox", name: "inbox", options: { folder: "/tmp/inbox" } },
        { id: "io", connector: "ioffice", name: "iOffice", options: { baseUrl: "https://x.vn/io", clientId: "a", clientSecrt: "b" } },
      ],
    });
    const { errors } = checkConfiguration(config, registry);
    expect(errors.some((e) => e.startsWith('sources[1].options.clientSecrt: unknown key (did you mean "clientSecret"?); known here: baseUrl, clientId, clientSecret'))).toBe(true);
    expect(errors.some((e) => e.startsWith("sources[1].options.clientSecret:"))).toBe(true);
  });

  it("refuses options on a webhook site, duplicate ids and routing targets that do not exist", () => {
    const config = configSchema.parse({
      sites: [site("a", { options: { username: "x" } }), site("a")],
      routing: [{ id: "r", name: "r", targets: ["a/van-ban", "a/thu-tuc"] }],
    });
    const { errors } = checkConfiguration(config, registry);
    expect(errors).toContainEqual(expect.stringMatching(/^sites\[0\]\.options\.username: unknown key/));
    expect(errors).toContain('sites[1].id: "a" is used by another site');
    expect(errors).toContain('routing[0].targets[1]: "a/thu-tuc" is not a configured site/section');
  });
});
