// Paths and trust stores shared by the tests of src/verify.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { loadTrustStore, type TrustStore } from "./trust-store.ts";

export const repoRoot = resolve(fileURLToPath(new URL("../../", import.meta.url)));
/** CI clones the repository with shared/ beside it */
export const corpusDir = resolve(repoRoot, "../shared/fixtures/public-signed-pdfs");
export const edxmlCorpusDir = resolve(repoRoot, "../shared/fixtures/edxml");
export const vnRootsDir = resolve(repoRoot, "../shared/fixtures/vn-root-cas");
export const pkiDir = resolve(repoRoot, "tests/fixtures/pki");
export const pdfDir = resolve(repoRoot, "tests/fixtures/pdf");
export const edxmlDir = resolve(repoRoot, "tests/fixtures/edxml");
export const pdf = (name: string) => resolve(pdfDir, name);

let trust: Promise<TrustStore> | undefined;
/** test root (anchor) + issuing CA (intermediate, DER) */
export function testTrust(): Promise<TrustStore> {
  trust ??= loadTrustStore([resolve(pkiDir, "trust")]);
  return trust;
}
