import { z } from "zod";

export const edxmlInboxConfigSchema = z.strictObject({
  /** Inbox folder; `processed/` and `rejected/` are created inside it. */
  folder: z.string().min(1),
  /** Documents per page handed to the pipeline (the cursor is saved after each). */
  pageSize: z.number().int().min(1).max(1000).default(50),
  /**
   * A file is taken only once it is this old, so packages copied in by other
   * tools (not atomically) are not read half-written. Uploads use tmp+rename.
   */
  settleMs: z.number().int().min(0).default(2000),
  /**
   * Agencies feed the inbox to publish, so documents are public by default;
   * a restricted sphere (SphereOfPromulgation "nội bộ", "mật") never is.
   */
  assumePublic: z.boolean().default(true),
  /** Largest package accepted (bytes of XML). */
  maxPackageBytes: z.number().int().min(1024).default(64 * 1024 * 1024),
  /** Largest attachment after decoding/unzipping. */
  maxAttachmentBytes: z.number().int().min(1024).default(40 * 1024 * 1024),
});

export type EdxmlInboxConfig = z.infer<typeof edxmlInboxConfigSchema>;
