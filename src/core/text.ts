// Vietnamese text helpers. Sources may send NFD or NFC; everything stored or
// compared is NFC, and search/keys use an accent-free fold.

export function nfc(value: string): string {
  return value.normalize("NFC");
}

/** NFC, trimmed, inner whitespace collapsed. */
export function cleanText(value: string | null | undefined): string {
  return nfc(value ?? "").replace(/\s+/gu, " ").trim();
}

/**
 * Accent-free lower-case fold for search: "Quyết định" → "quyet dinh".
 * đ/Đ are separate letters (not combining marks), so they are mapped by hand.
 */
export function foldVietnamese(value: string): string {
  return value
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .replace(/đ/gu, "d")
    .replace(/Đ/gu, "D")
    .toLowerCase()
    .replace(/\s+/gu, " ")
    .trim();
}
