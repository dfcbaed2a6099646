// Starts parse-worker.ts in a worker thread when the hub runs from its
// TypeScript sources (tsx, vitest). The built hub (dist/) starts
// dist/edxml-parse-worker.mjs instead; see offthread.ts.
import { register } from "tsx/esm/api";

register();
await import("./parse-worker.ts");
