// Trust store: a directory (or several) of PEM/DER certificates. Self-signed
// certificates are trust anchors; the rest are intermediates that chain
// building may use but that never end a chain by themselves.
import { readdir, readFile, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isSelfSigned, parseCertificates, type Cert } from "./x509.ts";

export interface TrustStore {
  anchors: Cert[];
  intermediates: Cert[];
  /** files that could not be read as certificates, with the reason */
  skipped: { file: string; reason: string }[];
}

const CERT_EXT = /\.(pem|crt|cer|der|cert)$/i;

/** The trust store shipped with the hub: `<repo>/trust`. */
export function defaultTrustDir(): string {
  return resolve(fileURLToPath(new URL("../../trust/", import.meta.url)));
}

export function emptyTrustStore(): TrustStore {
  return { anchors: [], intermediates: [], skipped: [] };
}

export function trustStoreFromCertificates(certs: Cert[]): TrustStore {
  const ts = emptyTrustStore();
  addAll(ts, certs);
  return ts;
}

function addAll(ts: TrustStore, certs: Cert[]): void {
  for (const c of certs) {
    const list = isSelfSigned(c) ? ts.anchors : ts.intermediates;
    if (!list.some((x) => x.fingerprint === c.fingerprint)) list.push(c);
  }
}

export async function loadTrustStore(dirs: string[]): Promise<TrustStore> {
  const ts = emptyTrustStore();
  for (const dir of dirs) {
    const st = await stat(dir).catch(() => null);
    if (!st) throw new Error(`trust store not found: ${dir}`);
    const files = st.isDirectory() ? await walk(dir, 0) : [dir];
    for (const file of files.sort()) {
      try {
        const data = await readFile(file);
        if (data.length > 1024 * 1024) throw new Error("file too large for a certificate");
        addAll(ts, parseCertificates(data));
      } catch (e) {
        ts.skipped.push({ file, reason: (e as Error).message });
      }
    }
  }
  return ts;
}

async function walk(dir: string, depth: number): Promise<string[]> {
  if (depth > 8) return [];
  const out: string[] = [];
  for (const ent of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, ent.name);
    if (ent.isDirectory()) out.push(...(await walk(p, depth + 1)));
    else if (ent.isFile() && CERT_EXT.test(ent.name)) out.push(p);
  }
  return out;
}

/** Is `c` one of the anchors: same bytes, or same subject and same public key (a re-issued root). */
export function anchorFor(ts: TrustStore, c: Cert): Cert | undefined {
  return ts.anchors.find((a) => a.fingerprint === c.fingerprint || (a.spkiHash === c.spkiHash && a.subject.norm === c.subject.norm));
}
