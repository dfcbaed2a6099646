#!/usr/bin/env node
// Launcher. Runs the bundle in dist/ (built by `npm install` or `npm run build`,
// see scripts/build.mjs) when it is up to date with the sources: that avoids
// transforming TypeScript at every start (~300 ms). Otherwise — no bundle, a
// source edited since the build, or PORTALSYNC_FROM_SOURCE=1 — it runs the
// TypeScript CLI through tsx, as before.
import { readFileSync, statSync } from "node:fs";

const root = new URL("../", import.meta.url);
const bundle = new URL("dist/portalsync.mjs", root);

/** Every bundled source still has the mtime and size it had at build time. */
function bundleIsFresh() {
  if (process.env.PORTALSYNC_FROM_SOURCE === "1") return false;
  try {
    const { inputs } = JSON.parse(readFileSync(new URL("dist/manifest.json", root), "utf8"));
    for (const [file, [mtimeMs, size]] of Object.entries(inputs)) {
      const st = statSync(new URL(file, root));
      if (st.mtimeMs !== mtimeMs || st.size !== size) return false;
    }
    statSync(bundle);
    return true;
  } catch {
    return false;
  }
}

if (bundleIsFresh()) {
  if (process.argv[2] === "verify") {
    // the verify command takes its arguments as they are (src/cli.ts only
    // forwards them): go straight to it, without loading the rest of the CLI
    process.argv.splice(2, 1);
    await import(new URL("dist/verify.mjs", root).href);
  } else {
    await import(bundle.href);
  }
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/cli.ts");
}
