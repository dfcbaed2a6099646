import { defineConfig } from "vitest/config";

// Fast suite (`npm test`): unit tests beside the code, integration tests that
// run the real server, PGlite and the simulators over HTTP.
export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "connectors/**/*.test.ts", "tests/integration/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
  },
});
