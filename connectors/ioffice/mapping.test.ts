import { describe, expect, it } from "vitest";
import { iofficeConfigSchema } from "./config.ts";
import { IofficeMappingError, mapIofficeDocument, readListPage } from "./mapping.ts";

const sample = {
  id: "VB-2026-000123",
  so_ky_hieu: "152/QĐ-UBND",
  ngay_ban_hanh: "2026-11-20",
  loai_van_ban: "Quyết định",
  trich_yeu: "Về việc ban hành Quy chế hoạt động của Cổng Thông tin điện tử huyện",
  co_quan_ban_hanh: { ma: "000.00.21.H55", ten: "UBND huyện Bình Sơn" },
  nguoi_ky: { ho_ten: "Phạm Quang Sự", chuc_vu: "Phó Chủ tịch" },
  linh_vuc: "Thông tin và Truyền thông",
  do_khan: "Thường",
  cong_khai: true,
  trang_thai: "da_ban_hanh",
  thay_the_cho: null,
  cap_nhat_luc: "2026-11-20T16:31:02+07:00",
  tep_dinh_kem: [
    { id: "F-88231", ten_tep: "152-QD-UBND.signed.pdf", kich_thuoc: 482113, loai: "van_ban_chinh", sha256: "AB".repeat(32) },
    { id: "F-88232", ten_tep: "phu-luc.docx", kich_thuoc: null, loai: "phu_luc", sha256: null },
  ],
};

describe("mapIofficeDocument", () => {
  it("maps the contract's example", () => {
    const doc = mapIofficeDocument(sample);
    expect(doc).toMatchObject({
      kind: "document",
      externalId: "VB-2026-000123",
      number: "152/QĐ-UBND",
      docType: "Quyết định",
      issuer: { code: "000.00.21.H55", name: "UBND huyện Bình Sơn" },
      issuedDate: "2026-11-20",
      signer: { name: "Phạm Quang Sự", position: "Phó Chủ tịch" },
      isPublic: true,
      status: "issued",
      replacesExternalId: null,
      updatedAt: "2026-11-20T16:31:02+07:00",
    });
    expect(doc.files).toEqual([
      { id: "F-88231", name: "152-QD-UBND.signed.pdf", role: "main", size: 482113, sha256: "ab".repeat(32), mime: "application/pdf" },
      {
        id: "F-88232",
        name: "phu-luc.docx",
        role: "appendix",
        size: null,
        sha256: null,
        mime: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      },
    ]);
  });

  it("normalises NFD input to NFC", () => {
    const nfd = JSON.parse(JSON.stringify(sample).normalize("NFD")) as typeof sample;
    expect(nfd.trich_yeu).not.toBe(sample.trich_yeu);
    const doc = mapIofficeDocument(nfd);
    expect(doc.title).toBe(sample.trich_yeu);
    expect(doc.issuer.name).toBe("UBND huyện Bình Sơn");
    expect(doc.signer?.name).toBe("Phạm Quang Sự");
    expect(doc.number).toBe("152/QĐ-UBND");
    expect(doc.docType).toBe("Quyết định");
  });

  it("maps statuses, Công văn and the public flag conservatively", () => {
    expect(mapIofficeDocument({ ...sample, trang_thai: "thu_hoi" }).status).toBe("withdrawn");
    const replaced = mapIofficeDocument({ ...sample, trang_thai: "thay_the", thay_the_cho: "VB-2026-000100" });
    expect(replaced).toMatchObject({ status: "replaced", replacesExternalId: "VB-2026-000100" });
    expect(mapIofficeDocument({ ...sample, loai_van_ban: "Công văn", so_ky_hieu: "7816/UBND-VP" }).docType).toBeNull();
    expect(mapIofficeDocument({ ...sample, cong_khai: false }).isPublic).toBe(false);
    expect(mapIofficeDocument({ ...sample, cong_khai: undefined }).isPublic).toBe(false);
    expect(mapIofficeDocument({ ...sample, cong_khai: "yes" }).isPublic).toBe(false);
    expect(() => mapIofficeDocument({ ...sample, trang_thai: "nhap" })).toThrow(IofficeMappingError);
    expect(() => mapIofficeDocument({ ...sample, ngay_ban_hanh: "2026-02-30" })).toThrow(/real date/u);
    expect(() => mapIofficeDocument({ ...sample, cap_nhat_luc: "2026-11-20 16:31" })).toThrow(/offset/u);
    expect(() => mapIofficeDocument({ ...sample, so_ky_hieu: " " })).toThrow(/so_ky_hieu/u);
  });

  it("reads a renamed gateway through the configured fieldMap", () => {
    const { fieldMap } = iofficeConfigSchema.parse({
      baseUrl: "https://lgsp.example.gov.vn/ioffice",
      clientId: "x",
      clientSecret: "y",
      fieldMap: {
        du_lieu: "items",
        tong_so: "total",
        so_ky_hieu: "soKyHieu",
        trich_yeu: "trichYeu",
        co_quan_ban_hanh: "coQuan",
        "co_quan_ban_hanh.ten": "coQuan.tenDonVi",
        cap_nhat_luc: "meta.updatedAt",
        tep_dinh_kem: "files",
        "tep_dinh_kem.ten_tep": "fileName",
      },
    });
    const renamed = {
      id: "VB-1",
      soKyHieu: "12/KH-UBND",
      trichYeu: "Kế hoạch triển khai chuyển đổi số",
      ngay_ban_hanh: "2026-03-02",
      coQuan: { ma: "000.00.21.H55", tenDonVi: "UBND huyện Bình Sơn" },
      cong_khai: true,
      meta: { updatedAt: "2026-03-02T10:00:00+07:00" },
      files: [{ id: "F-1", fileName: "12-KH-UBND.pdf", loai: "van_ban_chinh", kich_thuoc: 10 }],
    };
    const page = readListPage({ total: 1, trang: 1, items: [renamed] }, fieldMap);
    expect(page.total).toBe(1);
    const doc = mapIofficeDocument(page.items[0], fieldMap);
    expect(doc).toMatchObject({
      number: "12/KH-UBND",
      title: "Kế hoạch triển khai chuyển đổi số",
      issuer: { code: "000.00.21.H55", name: "UBND huyện Bình Sơn" },
      updatedAt: "2026-03-02T10:00:00+07:00",
    });
    expect(doc.files[0]).toMatchObject({ id: "F-1", name: "12-KH-UBND.pdf", role: "main", size: 10 });
    expect(() => iofficeConfigSchema.parse({ baseUrl: "https://x.vn", clientId: "x", clientSecret: "y", fieldMap: { khong_co: "a" } })).toThrow(
      /unknown iOffice field/u,
    );
  });
});
