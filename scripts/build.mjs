#!/usr/bin/env node
// Bundles the CLI (src/cli.ts and everything it imports from this repository)
// into dist/ with esbuild, so `bin/portalsync.js` starts without transforming
// TypeScript at run time (tsx costs ~300 ms per start; `portalsync verify` over
// a folder is benchmarked against `openssl dgst`, see tests/bench/verify.bench.ts).
//
// Runs from `npm install` (postinstall) and `npm run build`. Plain JavaScript on
// purpose: it must run before anything else exists. A failed build is not fatal:
// the launcher then runs the sources through tsx, as before.
//
// - npm packages stay external (imported from node_modules at run time): the
//   Prisma client runtime, pg, PGlite's wasm files and pino transports locate
//   their files relative to their own package.
// - code splitting keeps dynamic imports lazy, so `verify` loads neither the hub
//   nor the database.
// - `import.meta.url` in our sources keeps meaning "this source file" (used to
//   find trust/, prisma/migrations/, test CAs next to the sources): it is
//   rewritten to the source file's URL, computed from the bundle's location.
// - dist/manifest.json lists every bundled source with its mtime and size; the
//   launcher falls back to the sources when any of them changed since the build.
import { readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { statSync } from "node:fs";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const dist = resolve(root, "dist");

async function loadEsbuild() {
  try {
    return await import("esbuild");
  } catch {
    // not a direct dependency: it comes with tsx (which is one)
    const fromTsx = createRequire(createRequire(import.meta.url).resolve("tsx/package.json"));
    return await import(pathToFileURL(fromTsx.resolve("esbuild")).href);
  }
}

/** Keep `import.meta.url` pointing at the source file once the code lives in dist/. */
const sourceUrlPlugin = {
  name: "source-import-meta-url",
  setup(build) {
    build.onLoad({ filter: /\.(ts|tsx|mts)$/ }, async (args) => {
      if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
      const text = await readFile(args.path, "utf8");
      if (!text.includes("import.meta.url")) return undefined;
      // every chunk is written at the top of dist/, so this relative URL is valid in all of them
      const rel = relative(dist, args.path).split(sep).join("/");
      const contents = text.replaceAll("import.meta.url", `new URL(${JSON.stringify(rel)}, import.meta.url).href`);
      return { contents, loader: args.path.endsWith(".tsx") ? "tsx" : "ts" };
    });
  },
};

export async function build({ quiet = false } = {}) {
  const esbuild = await loadEsbuild();
  await rm(dist, { recursive: true, force: true });
  const result = await esbuild.build({
    absWorkingDir: root,
    // verify.mjs: `portalsync verify` without commander and the CLI module, so
    // its hashing workers start sooner (the launcher picks it)
    // edxml-parse-worker.mjs: the worker thread connectors/edxml-inbox/offthread.ts
    // starts for large packages (from the sources it runs parse-worker.ts via tsx)
    entryPoints: { portalsync: "src/cli.ts", verify: "src/verify/main.ts", "edxml-parse-worker": "connectors/edxml-inbox/parse-worker.ts" },
    outdir: "dist",
    outExtension: { ".js": ".mjs" },
    chunkNames: "chunk-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20.19",
    packages: "external",
    sourcemap: "linked",
    // stack traces and error messages keep their function/class names
    keepNames: true,
    legalComments: "none",
    metafile: true,
    logLevel: quiet ? "error" : "warning",
    plugins: [sourceUrlPlugin],
    // lets code tell the bundle from the sources (e.g. which worker file to start)
    define: { __PORTALSYNC_BUNDLE__: "true" },
  });
  const inputs = {};
  for (const p of Object.keys(result.metafile.inputs)) {
    const abs = resolve(root, p);
    const st = statSync(abs);
    inputs[relative(root, abs).split(sep).join("/")] = [st.mtimeMs, st.size];
  }
  await writeFile(resolve(dist, "manifest.json"), JSON.stringify({ built: new Date().toISOString(), node: process.version, inputs }) + "\n");
  return { files: Object.keys(result.metafile.outputs).length, inputs: Object.keys(inputs).length };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    const r = await build({ quiet: process.argv.includes("--quiet") });
    if (!process.argv.includes("--quiet")) console.log(`portalsync: built dist/ (${r.inputs} sources, ${r.files} files)`);
  } catch (e) {
    // never fail `npm install` for this: bin/portalsync.js runs the sources instead
    console.warn(`portalsync: could not build dist/ (${e instanceof Error ? e.message : e}); the CLI will run from the TypeScript sources`);
    process.exitCode = process.argv.includes("--strict") ? 1 : 0;
  }
}
