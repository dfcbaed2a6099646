// What the Liferay stand-in holds for one site: Documents and Media folders
// and documents (with their bytes), web content structures and structured
// contents, and who may view each. The operations enforce the rules real
// Liferay enforces beyond the OpenAPI description (unique folder names and
// document titles per folder, a known structure and its field names, title
// length), answering with Liferay's problem JSON.

import { createHash, randomUUID } from "node:crypto";

export class Problem extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
  ) {
    super(title);
  }
}

export interface StructureDef {
  id: number;
  name: string;
  /** Field names (= field references) of the structure. */
  fields: string[];
}

interface Folder {
  id: number;
  name: string;
  description: string;
  parentDocumentFolderId: number;
  dateCreated: string;
}

interface StoredDocument {
  id: number;
  erc: string;
  uuid: string;
  folderId: number;
  title: string;
  fileName: string;
  description: string;
  mime: string;
  bytes: Uint8Array;
  sha256: string;
  /** Uploads of bytes this document received (Liferay makes a file version of each). */
  fileVersions: number;
  guestView: boolean;
  dateCreated: string;
  dateModified: string;
}

interface StoredContent {
  id: number;
  erc: string;
  uuid: string;
  key: string;
  contentStructureId: number;
  title: string;
  description: string;
  keywords: string[];
  fields: { name: string; data: string }[];
  relatedContents: { contentType: string; id: number }[];
  /** Times the article was written (Liferay keeps a version per update). */
  versions: number;
  guestView: boolean;
  dateCreated: string;
  dateModified: string;
}

export const KNOWN_ROLES = new Set(["Guest", "Site Member", "Owner", "User", "Power User", "Site Administrator", "Site Owner", "Administrator"]);

const MAX_TITLE = 400;

/** Liferay's dl.char.blacklist and dl.char.last.blacklist (FolderNameException / FileNameException). */
function badName(name: string): boolean {
  return /[\\/:*?"<>|[\]]/.test(name) || /[\s.]$/.test(name);
}

export class SiteStore {
  readonly folders = new Map<number, Folder>();
  readonly documents = new Map<string, StoredDocument>();
  readonly contents = new Map<string, StoredContent>();
  /** Deletions requested (the connector must never delete). */
  deletions = 0;
  #nextId = 40_500;

  constructor(
    readonly siteId: number,
    readonly structures: Map<number, StructureDef>,
    readonly now: () => Date,
  ) {}

  #id(): number {
    this.#nextId += 1;
    return this.#nextId;
  }

  #time(): string {
    return this.now().toISOString();
  }

  // ─── Folders ─────────────────────────────────────────────────────────────

  addFolder(body: { name: string; description?: string; parentDocumentFolderId?: number }): Folder {
    const parent = body.parentDocumentFolderId ?? 0;
    if (parent !== 0 && !this.folders.has(parent)) throw new Problem(404, `No DLFolder exists with the primary key ${parent}`);
    const name = body.name.trim();
    if (!name) throw new Problem(400, "Folder name is null");
    if (badName(name)) throw new Problem(400, `Folder name ${name} has a character Documents and Media does not allow`);
    for (const f of this.folders.values()) {
      if (f.parentDocumentFolderId === parent && f.name === name) throw new Problem(409, `A folder with the name ${name} already exists`);
    }
    const folder = { id: this.#id(), name, description: body.description ?? "", parentDocumentFolderId: parent, dateCreated: this.#time() };
    this.folders.set(folder.id, folder);
    return folder;
  }

  rootFolders(): Folder[] {
    return [...this.folders.values()].filter((f) => f.parentDocumentFolderId === 0).sort((a, b) => a.id - b.id);
  }

  folderJson(f: Folder): Record<string, unknown> {
    const docs = [...this.documents.values()].filter((d) => d.folderId === f.id).length;
    return {
      actions: {},
      dateCreated: f.dateCreated,
      dateModified: f.dateCreated,
      description: f.description,
      externalReferenceCode: `folder-${f.id}`,
      id: f.id,
      name: f.name,
      numberOfDocumentFolders: [...this.folders.values()].filter((x) => x.parentDocumentFolderId === f.id).length,
      numberOfDocuments: docs,
      parentDocumentFolderId: f.parentDocumentFolderId,
      siteId: this.siteId,
      subscribed: false,
    };
  }

  // ─── Documents ───────────────────────────────────────────────────────────

  putDocument(erc: string, meta: Record<string, unknown>, file: { bytes: Uint8Array; name: string; mime: string } | null): StoredDocument {
    const existing = this.documents.get(erc);
    const folderId = typeof meta.documentFolderId === "number" ? meta.documentFolderId : (existing?.folderId ?? 0);
    if (folderId !== 0 && !this.folders.has(folderId)) throw new Problem(404, `No DLFolder exists with the primary key ${folderId}`);
    if (!existing && !file) throw new Problem(400, "The request must contain a file part to add a document");
    const fileName = String(meta.fileName ?? file?.name ?? existing?.fileName ?? "");
    const title = String(meta.title ?? existing?.title ?? fileName);
    if (!title) throw new Problem(400, "Title is null");
    if (badName(title) || badName(fileName)) throw new Problem(400, `File name ${fileName || title} has a character Documents and Media does not allow`);
    for (const d of this.documents.values()) {
      if (d.erc === erc || d.folderId !== folderId) continue;
      if (d.title === title) throw new Problem(409, `A file entry with the title ${title} already exists in folder ${folderId}`);
      if (d.fileName === fileName) throw new Problem(409, `A file entry with the file name ${fileName} already exists in folder ${folderId}`);
    }
    const time = this.#time();
    const bytes = file?.bytes ?? existing!.bytes;
    const doc: StoredDocument = {
      id: existing?.id ?? this.#id(),
      erc,
      uuid: existing?.uuid ?? randomUUID(),
      folderId,
      title,
      fileName,
      description: String(meta.description ?? ""),
      mime: file?.mime ?? existing!.mime,
      bytes,
      sha256: createHash("sha256").update(bytes).digest("hex"),
      fileVersions: (existing?.fileVersions ?? 0) + (file ? 1 : 0),
      // viewableBy applies when the document is added, as in Liferay.
      guestView: existing ? existing.guestView : meta.viewableBy === undefined || meta.viewableBy === "Anyone",
      dateCreated: existing?.dateCreated ?? time,
      dateModified: time,
    };
    this.documents.set(erc, doc);
    return doc;
  }

  documentById(id: number): StoredDocument | undefined {
    return [...this.documents.values()].find((d) => d.id === id);
  }

  contentUrl(d: StoredDocument): string {
    return `/documents/${this.siteId}/${d.folderId}/${encodeURIComponent(d.title)}/${d.uuid}`;
  }

  documentJson(d: StoredDocument): Record<string, unknown> {
    const dot = d.fileName.lastIndexOf(".");
    return {
      actions: {},
      contentUrl: this.contentUrl(d),
      dateCreated: d.dateCreated,
      dateModified: d.dateModified,
      description: d.description,
      documentFolderId: d.folderId,
      encodingFormat: d.mime,
      externalReferenceCode: d.erc,
      fileExtension: dot > 0 ? d.fileName.slice(dot + 1) : "",
      fileName: d.fileName,
      id: d.id,
      keywords: [],
      numberOfComments: 0,
      siteId: this.siteId,
      sizeInBytes: d.bytes.byteLength,
      title: d.title,
    };
  }

  // ─── Structured contents ─────────────────────────────────────────────────

  putContent(erc: string, body: Record<string, unknown>): StoredContent {
    const structureId = Number(body.contentStructureId);
    const structure = this.structures.get(structureId);
    if (!structure) throw new Problem(404, `No DDMStructure exists with the primary key ${structureId}`);
    const title = String(body.title ?? "");
    if (!title.trim()) throw new Problem(400, "Title is null");
    if ([...title].length > MAX_TITLE) throw new Problem(400, `Title exceeds the maximum length of ${MAX_TITLE}`);
    const fields: { name: string; data: string }[] = [];
    for (const raw of (body.contentFields ?? []) as { name?: string; contentFieldValue?: { data?: string } }[]) {
      if (!raw.name || !structure.fields.includes(raw.name)) {
        throw new Problem(400, `Unable to find field ${raw.name ?? "(no name)"} in structure ${structure.name}`);
      }
      fields.push({ name: raw.name, data: raw.contentFieldValue?.data ?? "" });
    }
    const related = ((body.relatedContents ?? []) as { contentType?: string; id?: number }[]).map((r) => {
      if (typeof r.id !== "number" || !this.contentById(r.id)) throw new Problem(400, `No related content exists with the ID ${r.id}`);
      return { contentType: r.contentType ?? "StructuredContent", id: r.id };
    });
    const existing = this.contents.get(erc);
    const time = this.#time();
    const id = existing?.id ?? this.#id();
    const content: StoredContent = {
      id,
      erc,
      uuid: existing?.uuid ?? randomUUID(),
      key: existing?.key ?? String(id),
      contentStructureId: structureId,
      title,
      description: String(body.description ?? ""),
      keywords: ((body.keywords ?? []) as string[]).slice(),
      fields,
      relatedContents: related,
      versions: (existing?.versions ?? 0) + 1,
      guestView: existing ? existing.guestView : body.viewableBy === undefined || body.viewableBy === "Anyone",
      dateCreated: existing?.dateCreated ?? time,
      dateModified: time,
    };
    this.contents.set(erc, content);
    return content;
  }

  contentById(id: number): StoredContent | undefined {
    return [...this.contents.values()].find((c) => c.id === id);
  }

  contentJson(c: StoredContent): Record<string, unknown> {
    return {
      actions: {},
      availableLanguages: ["vi-VN"],
      contentFields: c.fields.map((f) => ({
        contentFieldValue: { data: f.data },
        dataType: "string",
        inputControl: "text",
        label: f.name,
        name: f.name,
        nestedContentFields: [],
        repeatable: false,
      })),
      contentStructureId: c.contentStructureId,
      dateCreated: c.dateCreated,
      dateModified: c.dateModified,
      datePublished: c.dateCreated,
      description: c.description,
      externalReferenceCode: c.erc,
      friendlyUrlPath: `portalsync-${c.id}`,
      id: c.id,
      key: c.key,
      keywords: c.keywords,
      numberOfComments: 0,
      relatedContents: c.relatedContents.map((r) => ({ ...r, title: this.contentById(r.id)?.title ?? "" })),
      siteId: this.siteId,
      subscribed: false,
      title: c.title,
      uuid: c.uuid,
    };
  }

  structureJson(s: StructureDef): Record<string, unknown> {
    return {
      availableLanguages: ["vi-VN"],
      contentStructureFields: s.fields.map((name) => ({
        dataType: name === "issuedAt" ? "date" : name === "body" ? "html" : "string",
        fieldReference: name,
        inputControl: name === "body" ? "rich_text" : "text",
        label: name,
        localizable: true,
        multiple: false,
        name,
        nestedContentStructureFields: [],
        options: [],
        predefinedValue: "",
        repeatable: false,
        required: false,
        showLabel: true,
      })),
      id: s.id,
      name: s.name,
      siteId: this.siteId,
    };
  }

  // ─── Permissions ─────────────────────────────────────────────────────────

  setPermissions(target: { guestView: boolean }, body: unknown): void {
    if (!Array.isArray(body)) throw new Problem(400, "The permissions body must be an array of { roleName, actionIds }");
    for (const entry of body as { roleName?: unknown; actionIds?: unknown }[]) {
      if (!entry || typeof entry.roleName !== "string" || !Array.isArray(entry.actionIds) || entry.actionIds.some((a) => typeof a !== "string")) {
        throw new Problem(400, "Each permission needs a roleName and an actionIds array of strings");
      }
      if (!KNOWN_ROLES.has(entry.roleName)) throw new Problem(404, `No Role exists with the key {name=${entry.roleName}}`);
      if (entry.roleName === "Guest") target.guestView = (entry.actionIds as string[]).includes("VIEW");
    }
  }

  // ─── The view tests read ─────────────────────────────────────────────────

  view() {
    const folderName = (id: number) => (id === 0 ? "(root)" : (this.folders.get(id)?.name ?? `#${id}`));
    return {
      folders: this.rootFolders().map((f) => ({ id: f.id, name: f.name })),
      documents: [...this.documents.values()].map((d) => ({
        id: d.id,
        externalReferenceCode: d.erc,
        folder: folderName(d.folderId),
        title: d.title,
        fileName: d.fileName,
        mime: d.mime,
        size: d.bytes.byteLength,
        sha256: d.sha256,
        fileVersions: d.fileVersions,
        public: d.guestView,
        contentUrl: this.contentUrl(d),
      })),
      contents: [...this.contents.values()].map((c) => ({
        id: c.id,
        externalReferenceCode: c.erc,
        contentStructureId: c.contentStructureId,
        title: c.title,
        fields: Object.fromEntries(c.fields.map((f) => [f.name, f.data])),
        relatedContents: c.relatedContents.map((r) => r.id),
        versions: c.versions,
        public: c.guestView,
      })),
      deletions: this.deletions,
    };
  }
}

export type SiteView = ReturnType<SiteStore["view"]>;
