import { z } from "zod";

/** Contract field paths a gateway may rename (dotted for nested fields). */
export const MAPPABLE_FIELDS = [
  "tong_so",
  "trang",
  "du_lieu",
  "id",
  "so_ky_hieu",
  "ngay_ban_hanh",
  "loai_van_ban",
  "trich_yeu",
  "co_quan_ban_hanh",
  "co_quan_ban_hanh.ma",
  "co_quan_ban_hanh.ten",
  "nguoi_ky",
  "nguoi_ky.ho_ten",
  "nguoi_ky.chuc_vu",
  "linh_vuc",
  "do_khan",
  "cong_khai",
  "trang_thai",
  "thay_the_cho",
  "cap_nhat_luc",
  "tep_dinh_kem",
  "tep_dinh_kem.id",
  "tep_dinh_kem.ten_tep",
  "tep_dinh_kem.kich_thuoc",
  "tep_dinh_kem.loai",
  "tep_dinh_kem.sha256",
] as const;

export type MappableField = (typeof MAPPABLE_FIELDS)[number];

/** `{ "so_ky_hieu": "soKyHieu", "co_quan_ban_hanh.ten": "coQuan.tenDonVi" }`: contract name → gateway name. */
export const fieldMapSchema = z
  .record(z.string(), z.string().min(1))
  .superRefine((map, ctx) => {
    for (const key of Object.keys(map)) {
      if (!(MAPPABLE_FIELDS as readonly string[]).includes(key)) {
        ctx.addIssue({ code: "custom", message: `unknown iOffice field "${key}"; known: ${MAPPABLE_FIELDS.join(", ")}` });
      }
    }
  })
  .transform((map) => map as Partial<Record<MappableField, string>>);

export type FieldMap = Partial<Record<MappableField, string>>;

export const iofficeConfigSchema = z.strictObject({
  /** Gateway base URL, e.g. https://lgsp.quangngai.gov.vn/ioffice (no trailing slash needed). */
  baseUrl: z.url(),
  clientId: z.string().min(1),
  /** Resolved secret (the hub's config layer turns env/file references into the value). */
  clientSecret: z.string().min(1),
  /** `so_ban_ghi`; the contract caps it at 500. */
  pageSize: z.number().int().min(1).max(500).default(200),
  /** Per request; for downloads, the longest pause between two chunks. */
  timeoutMs: z.number().int().min(50).max(600_000).default(30_000),
  /** Files larger than this are refused (before download when the size is announced). */
  maxFileBytes: z.number().int().min(1).default(50 * 1024 * 1024),
  /** json: items from the REST JSON; edxml: items and files from /van-ban/{id}/edxml. */
  mode: z.enum(["json", "edxml"]).default("json"),
  fieldMap: fieldMapSchema.default({}),
  /** First run with no cursor lists changes from here (ISO-8601 with offset). */
  initialFrom: z.iso.datetime({ offset: true }).default("2000-01-01T00:00:00+07:00"),
  /** Bounded retries for 429, 5xx, timeouts and network errors. */
  maxRetries: z.number().int().min(0).max(10).default(4),
  /** First backoff step; doubles per attempt (with jitter), capped at 30 s. */
  retryBaseMs: z.number().int().min(1).max(60_000).default(500),
});

export type IofficeConfig = z.infer<typeof iofficeConfigSchema>;
export type IofficeConfigInput = z.input<typeof iofficeConfigSchema>;
