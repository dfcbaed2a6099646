import { z } from "zod";

export const dvcConfigSchema = z.strictObject({
  /** Gateway base URL, e.g. https://lgsp.quangngai.gov.vn/dvc (no trailing slash needed). */
  baseUrl: z.url(),
  clientId: z.string().min(1),
  /** Resolved secret (the hub's config layer turns env/file references into the value). */
  clientSecret: z.string().min(1),
  /** `so_ban_ghi`; the contract caps it at 500. */
  pageSize: z.number().int().min(1).max(500).default(200),
  /** Per request, including reading the body. */
  timeoutMs: z.number().int().min(100).max(600_000).default(30_000),
  /** Form templates larger than this are refused. */
  maxFileBytes: z.number().int().min(1).default(20 * 1024 * 1024),
  /** First run with no cursor lists changes from here (ISO-8601). */
  initialFrom: z.iso.datetime({ offset: true }).default("2000-01-01T00:00:00+07:00"),
  /** Bounded retries for 5xx, timeouts and network errors. */
  maxRetries: z.number().int().min(0).max(10).default(4),
});

export type DvcConfig = z.infer<typeof dvcConfigSchema>;
export type DvcConfigInput = z.input<typeof dvcConfigSchema>;
