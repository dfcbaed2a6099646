// Preloaded into the process under test by verify.bench.ts (`node --import`):
// prints its peak resident set size on exit. Plain JavaScript because the
// bundled CLI runs without a TypeScript loader.
process.on("exit", () => {
  process.stderr.write(`maxRSS=${process.resourceUsage().maxRSS}\n`);
});
