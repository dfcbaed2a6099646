// What a hub document or procedure looks like as a WordPress post: pure
// functions from the contract's `data` object (shared/contracts/portals.md)
// to a title, HTML content and slugs. Text for readers is plain Vietnamese.

/** The post's slug: derived from the hub's item id, so a retry after a crash finds the post it made. */
export function postSlug(itemId: string): string {
  return `portalsync-${slugPart(itemId)}`;
}

/** An uploaded file's slug: one media item per content hash on a site. */
export function mediaSlug(sha256: string): string {
  return `portalsync-tep-${sha256.toLowerCase().slice(0, 40)}`;
}

function slugPart(id: string): string {
  return id.toLowerCase().replace(/[^a-z0-9-]+/g, "-").replace(/^-+|-+$/g, "");
}

/** A file name WordPress keeps as it is: no accents, no spaces (the original name is the media title). */
export function uploadFileName(name: string): string {
  const folded = name.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D");
  const clean = folded.replace(/[^A-Za-z0-9._-]+/g, "-").replace(/-+/g, "-").replace(/^[-.]+/, "");
  return clean || "tep";
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const SIGNATURE_TEXT: Record<string, string> = {
  valid: "Hợp lệ: chữ ký số còn nguyên vẹn và do chứng thư số được tin cậy cấp",
  invalid: "Không hợp lệ: văn bản đã bị thay đổi sau khi ký hoặc chữ ký số không đúng",
  indeterminate: "Chưa xác định được: không kiểm tra được đầy đủ chứng thư số của người ký",
  unsigned: "Văn bản không có chữ ký số",
  error: "Không kiểm tra được chữ ký số của tệp",
  "not-verified": "Chưa kiểm tra chữ ký số",
};

export function signatureText(status: unknown): string {
  return SIGNATURE_TEXT[String(status)] ?? `Trạng thái chữ ký số: ${String(status)}`;
}

const ROLE_TEXT: Record<string, string> = { main: "Văn bản", appendix: "Phụ lục", form: "Biểu mẫu" };

/** dd/mm/yyyy from YYYY-MM-DD, as Vietnamese readers write dates. */
export function vnDate(iso: unknown): string | null {
  if (typeof iso !== "string") return null;
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

export interface UploadedFile {
  name: string;
  role: string;
  sha256: string;
  /** Where readers download it (the media item's source_url). */
  url: string;
}

export interface PostBody {
  title: string;
  content: string;
}

const str = (v: unknown): string | null => (typeof v === "string" && v.trim() !== "" ? v : null);
const line = (label: string, value: string | null) => (value ? `<li><strong>${label}:</strong> ${escapeHtml(value)}</li>` : "");

function fileList(files: UploadedFile[], heading: string): string {
  if (files.length === 0) return "";
  const items = files.map((f) => `<li><a href="${escapeHtml(f.url)}">${escapeHtml(f.name)}</a> (${ROLE_TEXT[f.role] ?? f.role})</li>`).join("");
  return `<h3>${heading}</h3><ul class="portalsync-files">${items}</ul>`;
}

/** Số ký hiệu + trích yếu, as a portal lists a document. */
export function documentTitle(data: Record<string, unknown>): string {
  const number = str(data.number);
  const title = str(data.title) ?? "";
  return number ? `${number}: ${title}` : title;
}

export function documentPost(data: Record<string, unknown>, files: UploadedFile[]): PostBody {
  const signer = data.signer as { name?: string; position?: string | null } | null | undefined;
  const signerText = signer?.name ? `${signer.name}${signer.position ? ` (${signer.position})` : ""}` : null;
  const signature = data.signature as { status?: unknown } | undefined;
  const content = [
    `<ul class="portalsync-document">`,
    line("Số ký hiệu", str(data.number)),
    line("Loại văn bản", str(data.docType)),
    line("Trích yếu", str(data.title)),
    line("Cơ quan ban hành", str(data.issuer)),
    line("Người ký", signerText),
    line("Ngày ban hành", vnDate(data.issuedAt)),
    line("Lĩnh vực", str(data.field)),
    line("Chữ ký số", signatureText(signature?.status)),
    `</ul>`,
    fileList(files, "Tệp văn bản"),
  ].join("");
  return { title: documentTitle(data), content };
}

type Fee = { amount?: unknown; currency?: unknown; description?: unknown };
type TimeLimit = { amount?: unknown; unit?: unknown; description?: unknown; fees?: Fee[] };
type Way = { channel?: unknown; timeLimits?: TimeLimit[] };
type DossierDoc = { name?: unknown; originals?: unknown; copies?: unknown; form?: { name?: string; sha256?: string } | null };
type LegalBasis = { number?: unknown; title?: unknown; issuer?: unknown; issuedDate?: unknown };

const CHANNEL_TEXT: Record<string, string> = { "in-person": "Trực tiếp", online: "Trực tuyến", post: "Qua dịch vụ bưu chính" };

export function procedurePost(data: Record<string, unknown>, files: UploadedFile[]): PostBody {
  const byHash = new Map(files.map((f) => [f.sha256, f]));
  const list = <T>(v: unknown) => (Array.isArray(v) ? (v as T[]) : []);
  const steps = list<{ case?: unknown; steps?: unknown[] }>(data.steps);
  const ways = list<Way>(data.ways);
  const dossier = list<{ case?: unknown; documents?: DossierDoc[] }>(data.dossier);
  const legal = list<LegalBasis>(data.legalBases);
  const e = (v: unknown) => escapeHtml(String(v ?? ""));
  const parts = [
    `<ul class="portalsync-procedure">`,
    line("Mã thủ tục", str(data.code)),
    line("Tên thủ tục", str(data.name)),
    line("Cấp thực hiện", str(data.level)),
    line("Lĩnh vực", str(data.field)),
    line("Quyết định công bố", str(data.decisionNumber)),
    `</ul>`,
  ];
  if (steps.length > 0) {
    parts.push(`<h3>Trình tự thực hiện</h3>`);
    for (const s of steps) parts.push(`${str(s.case) ? `<p>${e(s.case)}</p>` : ""}<ol>${(s.steps ?? []).map((x) => `<li>${e(x)}</li>`).join("")}</ol>`);
  }
  if (ways.length > 0) {
    const items = ways.map((w) => {
      const limits = (w.timeLimits ?? []).map((t) => {
        const fees = (t.fees ?? []).map((f) => [f.amount, f.currency, f.description ? `(${f.description})` : ""].filter((x) => x !== undefined && x !== null && x !== "").join(" ")).join("; ");
        const time = [t.amount, t.unit].filter((x) => x !== undefined && x !== null && x !== "").join(" ");
        return `${time}${str(t.description) ? ` (${t.description})` : ""}; ${fees ? `phí, lệ phí: ${fees}` : "không mất phí, lệ phí"}`;
      });
      const channel = CHANNEL_TEXT[String(w.channel)] ?? String(w.channel ?? "");
      return `<li><strong>${escapeHtml(channel)}</strong>${limits.length ? `: ${escapeHtml(limits.join(" / "))}` : ""}</li>`;
    });
    parts.push(`<h3>Cách thức thực hiện, thời hạn giải quyết, phí và lệ phí</h3><ul>${items.join("")}</ul>`);
  }
  if (dossier.length > 0) {
    const cases = dossier.map((d) => {
      const docs = (d.documents ?? []).map((doc) => {
        const form = doc.form?.sha256 ? byHash.get(doc.form.sha256.toLowerCase()) : undefined;
        const link = form ? ` (mẫu: <a href="${escapeHtml(form.url)}">${escapeHtml(form.name)}</a>)` : "";
        return `<li>${e(doc.name)}: ${Number(doc.originals ?? 0)} bản chính, ${Number(doc.copies ?? 0)} bản sao${link}</li>`;
      });
      return `${str(d.case) ? `<p>${e(d.case)}</p>` : ""}<ul>${docs.join("")}</ul>`;
    });
    parts.push(`<h3>Thành phần hồ sơ</h3>${cases.join("")}`);
  }
  if (legal.length > 0) {
    const items = legal.map((l) => `<li>${[l.number, l.title].filter((x) => str(x)).map(e).join(" ")}${str(l.issuer) ? `; ${e(l.issuer)}` : ""}${vnDate(l.issuedDate) ? `; ngày ${vnDate(l.issuedDate)}` : ""}</li>`);
    parts.push(`<h3>Căn cứ pháp lý</h3><ul>${items.join("")}</ul>`);
  }
  parts.push(fileList(files, "Biểu mẫu, tờ khai"));
  return { title: str(data.name) ?? str(data.code) ?? "Thủ tục hành chính", content: parts.join("") };
}

/** Why a post left public view: kept at the top of its content. */
export function withdrawalNote(kind: "document" | "procedure", at: string): string {
  const when = vnDate(at.slice(0, 10)) ?? at;
  return kind === "document"
    ? `<p class="portalsync-withdrawn"><strong>Văn bản đã bị thu hồi</strong> ngày ${escapeHtml(when)} theo hệ thống quản lý văn bản; bài viết không còn công khai.</p>`
    : `<p class="portalsync-withdrawn"><strong>Thủ tục hành chính đã bị bãi bỏ</strong> ngày ${escapeHtml(when)} theo Cổng dịch vụ công; bài viết không còn công khai.</p>`;
}

/** Marks a post replaced by another: a note at the top linking the new post. */
export function replacedNote(newTitle: string, newLink: string): string {
  return `<p class="portalsync-replaced"><strong>Văn bản này đã được thay thế</strong> bởi <a href="${escapeHtml(newLink)}">${escapeHtml(newTitle)}</a>.</p>`;
}

export const REPLACED_PREFIX = "[Đã được thay thế] ";

/** Adds a note to a post's content, replacing an earlier one of the same class. */
export function withNote(content: string, note: string, cls: "portalsync-withdrawn" | "portalsync-replaced"): string {
  const without = content.replace(new RegExp(`<p class="${cls}">[\\s\\S]*?</p>`), "");
  return note + without;
}
