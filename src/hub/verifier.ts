// Adapts src/verify to the pipeline's FileVerifier. The policy key changes
// whenever the trust store, the CRLs or the SHA-1 policy change, so stored
// reports are reused only under the policy they were made with.

import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config/index.ts";
import type { Logger } from "../observability/index.ts";
import type { FileVerifier } from "../pipeline/index.ts";
import { loadCrlFiles, loadTrustStore, verifyPdfBytes, verifyPdfFile } from "../verify/index.ts";

async function filesUnder(entry: string): Promise<string[]> {
  const info = await stat(entry).catch(() => null);
  if (!info) return [];
  if (info.isFile()) return [entry];
  const children = await readdir(entry);
  return (await Promise.all(children.sort().map((c) => filesUnder(path.join(entry, c))))).flat();
}

export async function policyKeyOf(config: Config): Promise<string> {
  const hash = createHash("sha256");
  hash.update(`allowSha1=${config.verify.allowSha1}\n`);
  for (const file of (await Promise.all([...config.verify.trust, ...config.verify.crls].map(filesUnder))).flat()) {
    hash.update(path.basename(file)).update(await readFile(file));
  }
  return hash.digest("hex").slice(0, 32);
}

export async function createFileVerifier(config: Config, log: Logger): Promise<FileVerifier> {
  const trust = await loadTrustStore(config.verify.trust);
  const crls = await loadCrlFiles(config.verify.crls);
  const policyKey = await policyKeyOf(config);
  log.debug({ policyKey, trust: config.verify.trust }, "signature verification ready");
  const options = { trust, crls, allowSha1: config.verify.allowSha1 };
  return {
    policyKey,
    async verifyFile(file) {
      const report = await verifyPdfFile(file, options);
      return { status: report.status, report };
    },
    async verifyBytes(bytes, arrived) {
      const report = await verifyPdfBytes(bytes, options, arrived);
      return { status: report.status, report };
    },
  };
}
