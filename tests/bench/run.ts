// `npm run bench [-- name…]`: runs every tests/bench/*.bench.ts (or those whose
// names contain one of the arguments) one after another, each in its own
// process so one benchmark's memory and JIT state do not colour the next.

import { spawn } from "node:child_process";
import { readdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";

const dir = path.dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = (await readdir(dir))
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((name) => f.includes(name)))
  .sort();

if (files.length === 0) {
  console.error(`no benchmark matches ${filters.join(", ")}`);
  process.exit(2);
}

let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file}`);
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(dir, file)], { stdio: "inherit" });
    child.on("exit", (c) => resolve(c));
  });
  if (code !== 0) {
    failed++;
    console.log(`=== ${file} exited with ${code}`);
  }
}
process.exit(failed ? 1 : 0);
