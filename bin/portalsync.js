#!/usr/bin/env node
// Launcher: runs the TypeScript CLI through tsx (no separate build step).
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
