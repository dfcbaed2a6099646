// Số ký hiệu (document number) parsing and the normalised comparison key.
// "152/QĐ-UBND", "152/QD-UBND" and "Số: 152 /QĐ-UBND" are the same number.

import { foldVietnamese, nfc } from "./text.ts";

export interface ParsedNumber {
  /** The running number, e.g. "152" (numbers restart every year). */
  serial: string;
  /** Year when the number carries one (legal documents: 30/2020/NĐ-CP). */
  year: number | null;
  /** Everything after the serial (and year), e.g. "QĐ-UBND". */
  notation: string;
  /** The canonical display form, NFC: "152/QĐ-UBND". */
  display: string;
}

const PREFIX = /^\s*(s[ốo]\s*(k[ýy]\s*hi[ệe]u)?\s*[:.]?\s*)/iu;
// Hyphen look-alikes that appear when numbers are typed in word processors.
const DASHES = /[\u2010-\u2015\u2212\uFE58\uFE63\uFF0D]/gu;
const SLASHES = /[\u2044\u2215\uFF0F]/gu;

function tidy(raw: string): string {
  return nfc(raw)
    .replace(PREFIX, "")
    .replace(DASHES, "-")
    .replace(SLASHES, "/")
    .replace(/\s*([/-])\s*/gu, "$1")
    .replace(/\s+/gu, " ")
    .trim();
}

/** Parse a số ký hiệu; returns null when it does not look like one. */
export function parseDocumentNumber(raw: string): ParsedNumber | null {
  const text = tidy(raw);
  const match = /^(\d+[A-Za-z]?)(?:\/(\d{4}))?\/(.+)$/u.exec(text);
  if (!match) return null;
  const [, rawSerial = "", yearText, notation = ""] = match;
  const serial = rawSerial.replace(/^0+(?=\d)/u, "");
  const year = yearText ? Number(yearText) : null;
  return {
    serial,
    year,
    notation,
    display: year ? `${serial}/${year}/${notation}` : `${serial}/${notation}`,
  };
}

/**
 * The key documents are compared on: accent-free, upper-case, no spaces,
 * leading zeros of the serial dropped. Text that is not a number still gets a
 * stable key, so nothing is ever dropped for a badly typed number.
 */
export function documentNumberKey(raw: string): string {
  const parsed = parseDocumentNumber(raw);
  const text = parsed ? parsed.display : tidy(raw);
  return foldVietnamese(text).toUpperCase().replace(/\s+/gu, "");
}
