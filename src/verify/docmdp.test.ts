// Certification signatures (DocMDP /P 1, 2, 3) against the changes that follow
// them, on PDFs built and signed (OpenSSL CMS) while the test runs.
import { afterAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import {
  acroForm, BASE_ANNOTS, BASE_FIELDS, basePdf, leader, OBJ, opensslAvailable, pageObj, pki, scratch, seal, sigDict, sign, update,
} from "../../tests/fixtures/pki/test-time-pdf.ts";
import { testTrust } from "./test-support.ts";
import { verifyPdfBytes } from "./verify-pdf.ts";
import type { FileReport } from "./report.ts";

const tmp = scratch();
afterAll(() => tmp.done());

const certified = new Map<string, Buffer>();
/** The base document signed by the leader: a certification with /P `p`, or an approval signature. */
function signedBase(p: number | "none", perms?: boolean): Buffer {
  const k = `${p}/${perms}`;
  let b = certified.get(k);
  if (!b) certified.set(k, (b = sign(basePdf({ docMdp: p, ...(perms === undefined ? {} : { perms }) }), leader, tmp.dir)));
  return b;
}

// Later revisions, each a separate incremental update
type Change = (b: Buffer) => Buffer;
const approvalSignature: Change = (b) => sign(update(b, { [OBJ.approvalField]: "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Approval) /V 13 0 R /Rect [0 0 0 0] /F 132 /P 3 0 R >>", 13: sigDict() }), seal, tmp.dir);
const fillText: Change = (b) => {
  const ap = "BT /Helv 10 Tf 2 5 Td (152/QD-UBND) Tj ET";
  return update(b, {
    [OBJ.text]: "<< /Type /Annot /Subtype /Widget /FT /Tx /T (SoVanBan) /V (152/QD-UBND) /AP << /N 17 0 R >> /Rect [60 700 300 720] /P 3 0 R /F 4 >>",
    17: `<< /Type /XObject /Subtype /Form /BBox [0 0 240 20] /Length ${ap.length} >>\nstream\n${ap}\nendstream`,
  });
};
// the value goes to the field, the appearance to its separate widget
const fillKid: Change = (b) => {
  const ap = "BT /Helv 10 Tf 2 5 Td (Nguyen Van B) Tj ET";
  return update(b, {
    [OBJ.kidField]: "<< /FT /Tx /T (NguoiNhan) /Kids [11 0 R] /V (Nguyen Van B) >>",
    [OBJ.kidWidget]: "<< /Type /Annot /Subtype /Widget /Parent 9 0 R /Rect [60 650 300 670] /P 3 0 R /F 4 /AP << /N 18 0 R >> >>",
    18: `<< /Type /XObject /Subtype /Form /BBox [0 0 240 20] /Length ${ap.length} >>\nstream\n${ap}\nendstream`,
  });
};
const annotate: Change = (b) =>
  update(b, { [OBJ.page]: pageObj([...BASE_ANNOTS, 19]), 19: "<< /Type /Annot /Subtype /Text /Rect [400 700 420 720] /Contents (Da xem) /P 3 0 R >>" });
const addField: Change = (b) =>
  update(b, {
    [OBJ.page]: pageObj([...BASE_ANNOTS, 20]),
    [OBJ.acroForm]: acroForm([...BASE_FIELDS, 20]),
    20: "<< /Type /Annot /Subtype /Widget /FT /Tx /T (GhiChu) /V (them sau) /Rect [60 600 300 620] /P 3 0 R /F 4 >>",
  });
const addDss: Change = (b) => {
  const der = readFileSync(`${pki}/trust/inter.der`);
  return update(b, {
    [OBJ.catalog]: "<< /Type /Catalog /Pages 2 0 R /AcroForm 5 0 R /Perms << /DocMDP 10 0 R >> /DSS 14 0 R >>",
    14: "<< /Type /DSS /Certs [15 0 R] >>",
    15: Buffer.concat([Buffer.from(`<< /Length ${der.length} >>\nstream\n`, "latin1"), der, Buffer.from("\nendstream", "latin1")]),
  });
};
// the empty field takes a document timestamp (its token here is not a real one: only the
// certification signature's verdict is looked at)
const docTimestamp: Change = (b) =>
  sign(update(b, { [OBJ.approvalField]: "<< /Type /Annot /Subtype /Widget /FT /Sig /T (Approval) /V 16 0 R /Rect [0 0 0 0] /F 132 /P 3 0 R >>", 16: sigDict({ type: "DocTimeStamp" }) }), seal, tmp.dir);
const changeContent: Change = (b) => {
  const text = "BT /F1 14 Tf 60 780 Td (QUYET DINH so 153/QD-UBND) Tj ET";
  return update(b, { [OBJ.content]: `<< /Length ${text.length} >>\nstream\n${text}\nendstream` });
};

const changes: Record<string, Change> = { approvalSignature, fillText, fillKid, annotate, addField, addDss, docTimestamp, changeContent };

async function verify(b: Buffer): Promise<FileReport> {
  return verifyPdfBytes(b, { trust: await testTrust() });
}

/** the first (certification or approval) signature: passed, or failed for its later changes */
function first(r: FileReport) {
  const s = r.signatures[0]!;
  expect(s.field).toBe("Certification");
  return s;
}

describe.skipIf(!opensslAvailable())("DocMDP: what a certification signature permits afterwards", () => {
  it("each certified document is valid as signed", async () => {
    for (const p of [1, 2, 3, "none"] as const) {
      const r = await verify(signedBase(p));
      expect(r.status, `P=${p}`).toBe("valid");
      expect(first(r).laterChanges).toBe("none");
    }
  });

  // [permission, change, certification signature passes?, laterChanges class]
  const matrix: [number | "none", string, boolean, string][] = [
    [1, "approvalSignature", false, "signatures-only"],
    [1, "fillText", false, "annotations-or-forms"],
    [1, "annotate", false, "annotations-or-forms"],
    [1, "addDss", true, "signatures-only"],
    [1, "docTimestamp", true, "signatures-only"],
    [2, "approvalSignature", true, "signatures-only"],
    [2, "fillText", true, "annotations-or-forms"],
    [2, "fillKid", true, "annotations-or-forms"],
    [2, "annotate", false, "annotations-or-forms"],
    [2, "addField", false, "annotations-or-forms"],
    [3, "approvalSignature", true, "signatures-only"],
    [3, "fillKid", true, "annotations-or-forms"],
    [3, "annotate", true, "annotations-or-forms"],
    [3, "addField", false, "annotations-or-forms"],
    ["none", "approvalSignature", true, "signatures-only"],
    ["none", "annotate", true, "annotations-or-forms"],
    ["none", "addField", true, "annotations-or-forms"],
  ];
  it.each(matrix)("P=%s then %s: certification passes = %s (%s)", async (p, change, passes, level) => {
    const r = await verify(changes[change]!(signedBase(p)));
    const s = first(r);
    expect(s.laterChanges).toBe(level);
    expect(s.modifiedAfterSigning).toBe(true);
    if (passes) {
      expect([s.indication, s.subIndication]).toEqual(["TOTAL_PASSED", null]);
    } else {
      expect([s.indication, s.subIndication]).toEqual(["TOTAL_FAILED", "FORMAT_FAILURE"]);
      expect(s.messages.join(" ")).toMatch(new RegExp(`DocMDP P=${p}.*does not permit`));
      expect(r.status).toBe("invalid");
    }
    // the approval signature itself is intact and not restricted by the certification
    if (change === "approvalSignature") expect(r.signatures[1]!.indication).toBe("TOTAL_PASSED");
    if (passes && change !== "docTimestamp") expect(r.status).toBe("valid");
  });

  it("P=1 with an approval signature names what it forbids", async () => {
    const s = first(await verify(approvalSignature(signedBase(1))));
    expect(s.messages.join(" ")).toMatch(/P=1: no changes allowed\) does not permit the later changes: signature field "Approval" signed/);
  });

  it("form filling then an approval signature under P=2 are both permitted; an annotation after them is not", async () => {
    const both = approvalSignature(fillKid(fillText(signedBase(2))));
    const r = await verify(both);
    expect(r.status).toBe("valid");
    expect(r.signatures.map((s) => s.indication)).toEqual(["TOTAL_PASSED", "TOTAL_PASSED"]);
    const later = await verify(annotate(both));
    expect(first(later).indication).toBe("TOTAL_FAILED");
    // the approval signature only sees an annotation: no DocMDP of its own
    expect(later.signatures[1]!.indication).toBe("TOTAL_PASSED");
  });

  it("content changes are invalid whatever the permission", async () => {
    for (const p of [1, 2, 3, "none"] as const) {
      const s = first(await verify(changeContent(signedBase(p))));
      expect(s.laterChanges).toBe("content");
      expect(s.indication).toBe("TOTAL_FAILED");
    }
  });

  it("the catalog's /Perms /DocMDP alone makes a certification with the default P=2", async () => {
    // a certification whose signature dictionary lacks the DocMDP reference
    const base = sign(basePdf({ docMdp: "none", perms: true }), leader, tmp.dir);
    expect(first(await verify(fillText(base))).indication).toBe("TOTAL_PASSED");
    const s = first(await verify(annotate(base)));
    expect(s.indication).toBe("TOTAL_FAILED");
    expect(s.messages.join(" ")).toMatch(/DocMDP P=2/);
  });

  it("a /P outside 1-3 is read as 1", async () => {
    const s = first(await verify(fillText(signedBase(7))));
    expect(s.indication).toBe("TOTAL_FAILED");
    expect(s.messages.join(" ")).toMatch(/not 1, 2 or 3: read as 1/);
  });

  it("a widget's new appearance without a value change stays a content change (shadow attack)", async () => {
    const ap = "BT /Helv 10 Tf 2 5 Td (999.000.000 dong) Tj ET";
    const b = update(signedBase(3), {
      [OBJ.kidWidget]: "<< /Type /Annot /Subtype /Widget /Parent 9 0 R /Rect [60 650 300 670] /P 3 0 R /F 4 /AP << /N 18 0 R >> >>",
      18: `<< /Type /XObject /Subtype /Form /BBox [0 0 240 20] /Length ${ap.length} >>\nstream\n${ap}\nendstream`,
    });
    const s = first(await verify(b));
    expect(s.laterChanges).toBe("content");
    expect(s.messages.join(" ")).toMatch(/appearance replaced without a change of value/);
  });
});
