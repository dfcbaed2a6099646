// Media types of the files documents and procedures carry, by file extension,
// for sources that send none (or a generic one).

export const MIME_BY_EXTENSION: Readonly<Record<string, string>> = {
  pdf: "application/pdf",
  doc: "application/msword",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  xls: "application/vnd.ms-excel",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  odt: "application/vnd.oasis.opendocument.text",
  xml: "application/xml",
  edxml: "application/xml",
  zip: "application/zip",
  txt: "text/plain",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  tif: "image/tiff",
  tiff: "image/tiff",
};

export function fileExtension(name: string): string | null {
  return /\.([A-Za-z0-9]+)$/u.exec(name)?.[1]?.toLowerCase() ?? null;
}

/** The media type a file name implies, or null when the extension is unknown. */
export function mimeFromName(name: string): string | null {
  const ext = fileExtension(name);
  return ext ? (MIME_BY_EXTENSION[ext] ?? null) : null;
}
