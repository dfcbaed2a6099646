// Prisma CLI configuration (prisma migrate dev/diff/status, prisma generate).
// Prisma 6.19.3 with engine "js": the schema engine runs as WASM, so nothing is
// downloaded at run time (closed networks). See docs/architecture.md.
import { mkdirSync } from "node:fs";
import path from "node:path";
import { defineConfig } from "prisma/config";

const hubUrl = process.env.DATABASE_URL ?? "";
const usesPostgres = /^postgres(ql)?:\/\//.test(hubUrl);
// The schema's datasource must read a PostgreSQL-shaped URL, or the CLI falls
// back to the native engine and tries to download it; for PGlite any such URL
// does, because the adapter below makes the real connection.
if (!usesPostgres) process.env.DATABASE_URL = "postgresql://pglite/embedded";

export default defineConfig({
  experimental: { adapter: true },
  engine: "js",
  schema: path.join("prisma", "schema.prisma"),
  migrations: { path: path.join("prisma", "migrations") },
  async adapter() {
    if (usesPostgres) {
      const { PrismaPg } = await import("@prisma/adapter-pg");
      return new PrismaPg({ connectionString: hubUrl });
    }
    const { PGlite } = await import("@electric-sql/pglite");
    const { PrismaPGlite } = await import("pglite-prisma-adapter");
    // Commands that only compare schemas get a throwaway database, so they
    // never contend with a running hub for the embedded one.
    if (["diff", "generate", "validate", "format"].some((c) => process.argv.includes(c))) {
      return new PrismaPGlite(new PGlite());
    }
    const dataDir = process.env.PORTALSYNC_DATA_DIR ?? "./data";
    const dbDir = path.join(dataDir, "db");
    mkdirSync(dbDir, { recursive: true });
    return new PrismaPGlite(new PGlite(dbDir));
  },
});
