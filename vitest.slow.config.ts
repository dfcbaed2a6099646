import { defineConfig } from "vitest/config";

// Slow suites (`npm run test:slow`): browser tests in Debian's Chromium,
// multi-process and fault suites. CI runs them after the fast suite.
export default defineConfig({
  test: {
    include: ["tests/e2e/**/*.test.ts", "tests/slow/**/*.test.ts"],
    testTimeout: 300_000,
    hookTimeout: 300_000,
    pool: "forks",
    fileParallelism: false,
  },
});
