// Deterministic, realistic Vietnamese administrative data for simulators.
// Every generator takes a seeded Rng, so document i of dataset seed s is the
// same on every run and can be produced lazily (no dataset held in memory).

export interface Rng {
  /** [0, 1) */
  next(): number;
  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  weighted<T extends { weight: number }>(items: readonly T[]): T;
  chance(probability: number): boolean;
}

/** mulberry32: tiny, fast, good enough for test data. */
export function createRng(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const rng: Rng = {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => {
      if (items.length === 0) throw new Error("pick from empty list");
      return items[Math.floor(next() * items.length)]!;
    },
    weighted: (items) => {
      const total = items.reduce((n, i) => n + i.weight, 0);
      let r = next() * total;
      for (const item of items) {
        r -= item.weight;
        if (r < 0) return item;
      }
      return items[items.length - 1]!;
    },
    chance: (p) => next() < p,
  };
  return rng;
}

/** A per-item rng: item `index` of dataset `seed`, independent of the others. */
export function rngFor(seed: number, index: number, salt = 0): Rng {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const v of [index, salt]) {
    h = Math.imul(h ^ v, 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
  }
  return createRng(h);
}

export interface DocumentType {
  name: string;
  /** Type symbol in the số ký hiệu; null for Công văn. */
  symbol: string | null;
  weight: number;
  /** Legal documents carry the year in the number (30/2020/NĐ-CP). */
  carriesYear?: boolean;
}

export const DOCUMENT_TYPES: readonly DocumentType[] = [
  { name: "Công văn", symbol: null, weight: 30 },
  { name: "Quyết định", symbol: "QĐ", weight: 22 },
  { name: "Thông báo", symbol: "TB", weight: 9 },
  { name: "Kế hoạch", symbol: "KH", weight: 9 },
  { name: "Báo cáo", symbol: "BC", weight: 8 },
  { name: "Nghị quyết", symbol: "NQ", weight: 4 },
  { name: "Chỉ thị", symbol: "CT", weight: 3 },
  { name: "Hướng dẫn", symbol: "HD", weight: 3 },
  { name: "Giấy mời", symbol: "GM", weight: 3 },
  { name: "Tờ trình", symbol: "TTr", weight: 3 },
  { name: "Chương trình", symbol: "CTr", weight: 2 },
  { name: "Quy chế", symbol: "QC", weight: 1 },
  { name: "Quy định", symbol: "QyĐ", weight: 1 },
  { name: "Phương án", symbol: "PA", weight: 1 },
  { name: "Đề án", symbol: "ĐA", weight: 1 },
  { name: "Biên bản", symbol: "BB", weight: 1 },
  { name: "Công điện", symbol: "CĐ", weight: 1 },
];

export interface Signer {
  name: string;
  position: string;
}

export interface Issuer {
  /** 13-character mã định danh, e.g. 000.00.21.H55. */
  code: string;
  name: string;
  /** Abbreviation used in số ký hiệu, e.g. UBND, STTTT. */
  abbr: string;
  /** Units that draft Công văn: the part after the dash (UBND-VP). */
  units: readonly string[];
  signers: readonly Signer[];
  weight: number;
}

export const ISSUERS: readonly Issuer[] = [
  {
    code: "000.00.21.H55",
    name: "UBND huyện Bình Sơn",
    abbr: "UBND",
    units: ["VP", "TCKH", "NV", "TNMT", "KT"],
    signers: [
      { name: "Phạm Quang Sự", position: "Phó Chủ tịch" },
      { name: "Nguyễn Văn Lâm", position: "Chủ tịch" },
      { name: "Trần Thị Thu Hà", position: "Phó Chủ tịch" },
    ],
    weight: 5,
  },
  {
    code: "000.00.00.H55",
    name: "UBND tỉnh Quảng Ngãi",
    abbr: "UBND",
    units: ["KTTH", "NC", "KGVX", "CNXD"],
    signers: [
      { name: "Đặng Văn Minh", position: "Chủ tịch" },
      { name: "Trần Phước Hiền", position: "Phó Chủ tịch" },
    ],
    weight: 3,
  },
  {
    code: "000.00.08.H55",
    name: "Sở Thông tin và Truyền thông tỉnh Quảng Ngãi",
    abbr: "STTTT",
    units: ["VP", "CNTT", "BCVT", "TTBCXB"],
    signers: [
      { name: "Lê Thị Bích Ngọc", position: "Giám đốc" },
      { name: "Võ Hoàng Dũng", position: "Phó Giám đốc" },
    ],
    weight: 2,
  },
  {
    code: "000.00.04.H55",
    name: "Sở Tài chính tỉnh Quảng Ngãi",
    abbr: "STC",
    units: ["VP", "QLNS", "TCDN", "QLGCS"],
    signers: [
      { name: "Nguyễn Thị Mỹ Hạnh", position: "Giám đốc" },
      { name: "Huỳnh Tấn Phát", position: "Phó Giám đốc" },
    ],
    weight: 2,
  },
  {
    code: "000.00.22.H55",
    name: "UBND huyện Sơn Tịnh",
    abbr: "UBND",
    units: ["VP", "TCKH", "VHTT"],
    signers: [
      { name: "Bùi Văn Đức", position: "Chủ tịch" },
      { name: "Phan Thị Lệ Thủy", position: "Phó Chủ tịch" },
    ],
    weight: 2,
  },
  {
    code: "000.21.31.H55",
    name: "UBND xã Bình Thuận",
    abbr: "UBND",
    units: ["VP"],
    signers: [{ name: "Ngô Quốc Việt", position: "Chủ tịch" }],
    weight: 1,
  },
];

export const FIELDS: readonly string[] = [
  "Thông tin và Truyền thông",
  "Tài chính - Ngân sách",
  "Kế hoạch và Đầu tư",
  "Tài nguyên và Môi trường",
  "Giáo dục và Đào tạo",
  "Y tế",
  "Văn hóa - Thể thao và Du lịch",
  "Nội vụ",
  "Tư pháp",
  "Nông nghiệp và Phát triển nông thôn",
  "Xây dựng",
  "Lao động - Thương binh và Xã hội",
  "Giao thông vận tải",
  "Quốc phòng - An ninh",
];

export const URGENCIES = [
  { name: "Thường", weight: 85 },
  { name: "Khẩn", weight: 12 },
  { name: "Hỏa tốc", weight: 3 },
] as const;

const SUBJECTS: readonly string[] = [
  "Cổng Thông tin điện tử huyện",
  "chuyển đổi số năm 2026",
  "cải cách hành chính",
  "phòng, chống thiên tai và tìm kiếm cứu nạn",
  "dự toán ngân sách nhà nước năm 2027",
  "giải phóng mặt bằng dự án đường ven biển Dung Quất - Sa Huỳnh",
  "phòng, chống dịch bệnh sốt xuất huyết",
  "xây dựng nông thôn mới nâng cao",
  "bảo đảm an toàn thông tin mạng",
  "thu hồi đất để thực hiện dự án Khu dân cư Bình Châu",
  "tuyển sinh vào lớp 10 năm học 2026 - 2027",
  "kiểm tra công tác văn thư, lưu trữ",
  "Hệ thống thông tin giải quyết thủ tục hành chính",
  "Tháng hành động vì an toàn thực phẩm",
  "chi trả trợ cấp xã hội hằng tháng",
];

const TITLE_PATTERNS: Record<string, readonly string[]> = {
  "Công văn": ["V/v triển khai {s}", "V/v đôn đốc thực hiện {s}", "V/v góp ý dự thảo liên quan đến {s}", "V/v báo cáo kết quả {s}"],
  "Quyết định": ["Về việc ban hành Quy chế hoạt động của {s}", "Về việc phê duyệt kế hoạch {s}", "Về việc thành lập Ban Chỉ đạo {s}", "Về việc kiện toàn Tổ công tác {s}"],
  "Thông báo": ["Thông báo kết luận của Chủ tịch tại cuộc họp về {s}", "Thông báo lịch tiếp công dân và {s}"],
  "Kế hoạch": ["Kế hoạch triển khai {s}", "Kế hoạch kiểm tra {s}"],
  "Báo cáo": ["Báo cáo kết quả thực hiện {s} 6 tháng đầu năm", "Báo cáo tình hình {s}"],
  "Nghị quyết": ["Nghị quyết về {s}", "Nghị quyết thông qua {s}"],
  "Chỉ thị": ["Chỉ thị về tăng cường {s}", "Chỉ thị về đẩy mạnh {s}"],
  "Hướng dẫn": ["Hướng dẫn thực hiện {s}"],
  "Giấy mời": ["Mời dự họp về {s}"],
  "Tờ trình": ["Tờ trình đề nghị phê duyệt {s}"],
};

export function pickTitle(rng: Rng, docType: string): string {
  const patterns = TITLE_PATTERNS[docType] ?? [`${docType} về {s}`];
  return rng.pick(patterns).replace("{s}", rng.pick(SUBJECTS));
}

/**
 * Số ký hiệu: `152/QĐ-UBND` (type-issuer), `7816/UBND-VP` (Công văn:
 * issuer-unit), `05/2026/QĐ-UBND` for legal documents carrying the year.
 */
export function documentNumber(serial: number, type: DocumentType, issuer: Issuer, unit: string, year?: number): string {
  if (!type.symbol) return `${serial}/${issuer.abbr}-${unit}`;
  return year ? `${serial}/${year}/${type.symbol}-${issuer.abbr}` : `${serial}/${type.symbol}-${issuer.abbr}`;
}

export function bodyParagraphs(rng: Rng, type: DocumentType, issuer: Issuer, title: string): string[] {
  const paragraphs = [
    "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;",
    "Căn cứ Nghị định số 30/2020/NĐ-CP ngày 05 tháng 3 năm 2020 của Chính phủ về công tác văn thư;",
  ];
  if (type.symbol === "QĐ") {
    paragraphs.push(`Điều 1. ${title.replace(/^Về việc /u, "")}.`);
    paragraphs.push("Điều 2. Quyết định này có hiệu lực kể từ ngày ký.");
    paragraphs.push(`Điều 3. Chánh Văn phòng ${issuer.name} và Thủ trưởng các cơ quan, đơn vị liên quan chịu trách nhiệm thi hành Quyết định này.`);
  } else {
    paragraphs.push(`${issuer.name} đề nghị các cơ quan, đơn vị triển khai thực hiện nghiêm túc nội dung ${rng.pick(SUBJECTS)}.`);
    paragraphs.push("Trong quá trình thực hiện, nếu có khó khăn, vướng mắc, đề nghị phản ánh kịp thời để được hướng dẫn.");
  }
  return paragraphs;
}

export interface GeneratedDocumentMeta {
  type: DocumentType;
  issuer: Issuer;
  number: string;
  title: string;
  signer: Signer;
  field: string;
  urgency: string;
  body: string[];
}

/** Metadata of one plausible document issued in `year` with running number `serial`. */
export function generateDocumentMeta(rng: Rng, serial: number, year: number): GeneratedDocumentMeta {
  const type = rng.weighted(DOCUMENT_TYPES);
  const issuer = rng.weighted(ISSUERS);
  const unit = rng.pick(issuer.units);
  // Decisions that are legal documents (quy phạm pháp luật) carry the year.
  const withYear = type.symbol === "QĐ" && rng.chance(0.15) ? year : undefined;
  const number = documentNumber(serial, type, issuer, unit, withYear);
  const title = pickTitle(rng, type.name);
  return {
    type,
    issuer,
    number,
    title,
    signer: rng.pick(issuer.signers),
    field: rng.pick(FIELDS),
    urgency: rng.weighted(URGENCIES).name,
    body: bodyParagraphs(rng, type, issuer, title),
  };
}

/** ASCII file-name form of a số ký hiệu: 152/QĐ-UBND → 152-QD-UBND. */
export function fileStem(number: string): string {
  return number
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .replace(/[đĐ]/gu, (c) => (c === "đ" ? "d" : "D"))
    .replace(/[^A-Za-z0-9]+/gu, "-")
    .replace(/^-|-$/gu, "");
}
