// Child process of verify.bench.ts: `portalsync verify` plus its peak RSS on stderr.
import { runVerifyCommand } from "../../src/verify/verify-command.ts";

const code = await runVerifyCommand(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr });
process.stderr.write(`maxRSS=${process.resourceUsage().maxRSS}\n`);
process.exitCode = code;
