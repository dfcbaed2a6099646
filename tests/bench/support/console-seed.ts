// Seeds a hub database with a realistic console workload by SQL through the
// hub's own database layer (tests/bench/console-load.bench.ts): documents with
// a version, a signed main file, a source ref and a delivery per site section
// in mixed states; procedures; runs with their per-item outcomes.

import { foldVietnamese } from "../../../src/core/index.ts";
import { documentNumberKey } from "../../../src/core/document-number.ts";
import type { Database } from "../../../src/db/index.ts";

export interface SeedSize {
  documents: number;
  procedures: number;
  runs: number;
}

const DOC_TYPES: [string, string][] = [["Quyết định", "QĐ"], ["Công văn", "CV"], ["Thông báo", "TB"], ["Kế hoạch", "KH"], ["Báo cáo", "BC"], ["Tờ trình", "TTr"], ["Chỉ thị", "CT"]];
const ISSUERS: [string, string][] = [["UBND tỉnh Quảng Ngãi", "UBND"], ["Sở Tài chính", "STC"], ["Sở Nội vụ", "SNV"], ["Sở Y tế", "SYT"], ["Sở Giáo dục và Đào tạo", "SGDĐT"], ["UBND huyện Bình Sơn", "UBND-BS"], ["Sở Tài nguyên và Môi trường", "STNMT"]];
const SUBJECTS = ["phê duyệt kế hoạch chuyển đổi số", "giao chỉ tiêu kế hoạch phát triển kinh tế - xã hội", "thành lập Ban chỉ đạo phòng, chống thiên tai", "ban hành quy chế làm việc", "tăng cường công tác phòng cháy, chữa cháy", "điều chỉnh dự toán ngân sách nhà nước", "công nhận xã đạt chuẩn nông thôn mới", "tổ chức kỳ thi tuyển sinh lớp 10", "bổ nhiệm cán bộ lãnh đạo", "cấp giấy phép khai thác khoáng sản", "phân bổ kinh phí hỗ trợ người có công", "đẩy mạnh cải cách hành chính", "triển khai tiêm chủng mở rộng", "quản lý đất đai trên địa bàn"];
const SIGNERS = ["Đặng Văn Minh", "Trần Phước Hiền", "Võ Phiên", "Nguyễn Thị Thanh Hà"];
const FIELDS = ["Tài chính", "Nội vụ", "Y tế", "Giáo dục", "Tài nguyên", "Đất đai"];
const STATES = ["delivered", "delivered", "delivered", "delivered", "delivered", "delivered", "pending", "failed", "dead", "held"];

export function documentRow(i: number) {
  const [docType, abbr] = DOC_TYPES[i % DOC_TYPES.length]!;
  const [issuer, issuerAbbr] = ISSUERS[(i * 3) % ISSUERS.length]!;
  const number = `${(i % 3000) + 1}/${abbr}-${issuerAbbr}`;
  const title = `${docType} về việc ${SUBJECTS[(i * 5) % SUBJECTS.length]} năm ${2024 + (i % 3)}`;
  const signer = SIGNERS[i % SIGNERS.length]!;
  const field = FIELDS[i % FIELDS.length]!;
  const issued = new Date(Date.UTC(2024, 0, 1) + (i % 1000) * 86400_000).toISOString().slice(0, 10);
  const numberKey = documentNumberKey(number);
  return {
    id: `doc-${i}`, identityKey: `${numberKey}|${issuerAbbr}|${issued}`, numberKey, number, docType, title, issuerCode: issuerAbbr, issuerName: issuer, issued, field,
    signer, searchText: foldVietnamese([number, docType, title, issuer, signer, field].join(" ")),
  };
}

export async function seedConsoleWorkload(db: Database, sourceId: string, size: SeedSize): Promise<string> {
  const { documents: DOCUMENTS, procedures: PROCEDURES, runs: RUNS } = size;
  const sql = db.sql;
  const t0 = performance.now();
  const chunk = 2000;
  const sections = (await sql.query<{ id: string; siteId: string }>(`SELECT id, "siteId" FROM "Section" ORDER BY "siteId"`)).rows;
  for (let start = 0; start < DOCUMENTS; start += chunk) {
    const rows = Array.from({ length: Math.min(chunk, DOCUMENTS - start) }, (_, k) => documentRow(start + k));
    const col = <K extends keyof ReturnType<typeof documentRow>>(k: K) => rows.map((r) => r[k]);
    await sql.transaction(async (tx) => {
      await tx.query(
        `INSERT INTO "Document" (id, "identityKey", "numberKey", number, "docType", title, "issuerCode", "issuerName", "issuedDate", field, "signerName", "isPublic", "searchText", "createdAt", "updatedAt")
         SELECT id, ik, nk, num, dt, title, ic, iname, issued, field, signer, true, st, now(), now()
         FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::date[], $10::text[], $11::text[], $12::text[])
           AS t(id, ik, nk, num, dt, title, ic, iname, issued, field, signer, st)`,
        [col("id"), col("identityKey"), col("numberKey"), col("number"), col("docType"), col("title"), col("issuerCode"), col("issuerName"), col("issued"), col("field"), col("signer"), col("searchText")],
      );
      const ids = col("id");
      await tx.query(`INSERT INTO "Blob" (sha256, size, mime) SELECT encode(sha256(convert_to(id, 'UTF8')), 'hex'), 80000, 'application/pdf' FROM unnest($1::text[]) AS t(id)`, [ids]);
      await tx.query(
        `INSERT INTO "DocumentVersion" (id, "documentId", version, "contentHash", metadata, "sourceId", "signatureStatus")
         SELECT 'ver-' || id, id, 1, 'ch-' || id, '{}'::jsonb, $2, CASE WHEN random() < 0.9 THEN 'valid' ELSE 'unsigned' END FROM unnest($1::text[]) AS t(id)`,
        [ids, sourceId],
      );
      await tx.query(
        `INSERT INTO "FileAttachment" (id, "blobSha256", name, role, "documentVersionId")
         SELECT 'fa-' || id, encode(sha256(convert_to(id, 'UTF8')), 'hex'), id || '.pdf', 'main', 'ver-' || id FROM unnest($1::text[]) AS t(id)`,
        [ids],
      );
      await tx.query(
        `INSERT INTO "DocumentSourceRef" ("sourceId", "externalId", "documentId") SELECT $2, 'seed-' || id, id FROM unnest($1::text[]) AS t(id)`,
        [ids, sourceId],
      );
      await tx.query(
        `INSERT INTO "Delivery" (id, "siteId", "sectionId", "itemKind", "itemId", "documentVersionId", event, "dedupKey", "messageId", state, attempts, "deliveredAt", "updatedAt", "createdAt")
         SELECT 'del-' || t.id || '-' || s.id, s."siteId", s.id, 'document', t.id, 'ver-' || t.id, 'document.published', s.id || '|document.published|ver-' || t.id,
           gen_random_uuid()::text, ($3::text[])[1 + (t.n + length(s.id)) % array_length($3::text[], 1)]::"DeliveryState", 1, now(), now(), now() - (t.n || ' minutes')::interval
         FROM unnest($1::text[]) WITH ORDINALITY AS t(id, n) CROSS JOIN (SELECT id, "siteId" FROM "Section" WHERE id = ANY($2::text[])) s`,
        [ids, sections.map((s) => s.id), STATES],
      );
    });
  }
  await sql.query(
    `INSERT INTO "Procedure" (id, code, name, field, level, "searchText", "updatedAt")
     SELECT 'proc-' || g, '1.00' || lpad(g::text, 4, '0') || '.000.00.00.H55', n, 'Đất đai', 'Toàn trình', s, now()
     FROM unnest($1::text[], $2::text[]) WITH ORDINALITY AS t(n, s, g)`,
    (() => {
      const names = Array.from({ length: PROCEDURES }, (_, i) => `${["Cấp", "Cấp lại", "Điều chỉnh", "Gia hạn"][i % 4]} ${["giấy phép xây dựng", "giấy chứng nhận quyền sử dụng đất", "giấy phép kinh doanh vận tải", "chứng chỉ hành nghề y"][(i >> 2) % 4]} (${i})`);
      return [names, names.map((n, i) => foldVietnamese(`1.00${String(i + 1).padStart(4, "0")}.000.00.00.H55 ${n} Đất đai`))];
    })(),
  );
  await sql.query(
    `INSERT INTO "SyncRun" (id, "sourceId", trigger, status, seen, created, duplicate, "startedAt", "finishedAt", "createdAt")
     SELECT 'run-' || g, $1, 'schedule', (ARRAY['succeeded','succeeded','succeeded','partial','failed'])[1 + g % 5]::"RunStatus", 50, 40, 10,
       now() - (g || ' hours')::interval, now() - (g || ' hours')::interval + interval '40 seconds', now() - (g || ' hours')::interval
     FROM generate_series(1, $2::int) g`,
    [sourceId, RUNS],
  );
  await sql.query(
    `INSERT INTO "SyncRunItem" (id, "runId", "externalId", outcome, "itemKind", "itemId", version)
     SELECT gen_random_uuid()::text, 'run-' || r, 'VB-' || r || '-' || k, 'created', 'document', 'doc-' || ((r * 50 + k) % $2::int), 1
     FROM generate_series(1, $1::int) r, generate_series(1, 50) k`,
    [RUNS, DOCUMENTS],
  );
  await sql.exec("ANALYZE");
  const count = async (t: string) => (await sql.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${t}"`)).rows[0]!.n;
  return `seeded ${await count("Document")} documents, ${await count("Delivery")} deliveries, ${await count("Procedure")} procedures, ${await count("SyncRun")} runs (${await count("SyncRunItem")} run items) in ${Math.round(performance.now() - t0)} ms`;
}

