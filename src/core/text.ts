// Vietnamese text helpers. Sources may send NFD or NFC; everything stored or
// compared is NFC, and search/keys use an accent-free fold.

export function nfc(value: string): string {
  return value.normalize("NFC");
}

// Control characters that are not whitespace: a NUL cannot even be stored
// (PostgreSQL refuses it), the others only garble what portals show.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000e-\u001f\u007f-\u009f]/gu;

/** NFC, control characters dropped, trimmed, inner whitespace collapsed. */
export function cleanText(value: string | null | undefined): string {
  return nfc(value ?? "").replace(CONTROL, "").replace(/\s+/gu, " ").trim();
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
