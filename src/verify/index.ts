// Public surface of signature verification (PDF PAdES/CMS and edXML XMLDSig).
import type { EdxmlReport } from "./edxml.ts";
import type { VerifyOptions } from "./verify-pdf.ts";

export { loadTrustStore, defaultTrustDir, trustStoreFromCertificates, emptyTrustStore, type TrustStore } from "./trust-store.ts";
export { loadCrlFiles, parseCrl, type Crl, type CrlSet } from "./crl.ts";
export { verifyPdfFile, verifyPdfBytes, type VerifyOptions } from "./verify-pdf.ts";
export { runVerifyCommand } from "./verify-command.ts";
export { fileStatus, toJsonLine, type FileReport, type FileStatus, type SignatureReport, type SignerReport, type Indication, type SubIndication, type LaterChanges } from "./report.ts";
export { ArrivalHasher, HashPool, type PrefixHashes, type RangeHasher } from "./hashing.ts";
export type { EdxmlReport, EdxmlAttachmentReport, XmlSignatureReport } from "./edxml.ts";

/** Verify an edXML package: its XMLDSig signature and the PDFs inside. (XML libraries load on first use.) */
export async function verifyEdxml(xml: string | Uint8Array, opts: VerifyOptions): Promise<EdxmlReport> {
  const m = await import("./edxml.ts");
  return m.verifyEdxml(xml, opts);
}
