// Standalone entry for `portalsync verify` (tests, benchmarks: node --import tsx src/verify/main.ts ...;
// bundled as dist/verify.mjs, which bin/portalsync.js runs for `portalsync verify`).
import { runVerifyCommand } from "./verify-command.ts";

process.exitCode = await runVerifyCommand(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
