// Stream decoding for the few places where we need decoded data (xref and
// object streams). Output is capped so a compression bomb fails cleanly.
import { constants, inflateSync } from "node:zlib";
import { PdfDict, PdfName, type PdfObj } from "./pdf-objects.ts";

export class FilterError extends Error {}

export const MAX_DECODED = 64 * 1024 * 1024;

export function decodeStream(raw: Uint8Array, dict: PdfDict, resolve: (o: PdfObj | undefined) => PdfObj | undefined, limit = MAX_DECODED): Uint8Array {
  const f = resolve(dict.get("Filter"));
  const filters: string[] = f instanceof PdfName ? [f.name] : Array.isArray(f) ? f.map((x) => (x instanceof PdfName ? x.name : "?")) : [];
  const p = resolve(dict.get("DecodeParms"));
  const parms: (PdfObj | undefined)[] = Array.isArray(p) ? p.map((x) => resolve(x)) : [p];
  let data = raw;
  filters.forEach((name, i) => {
    const parm = parms[i];
    switch (name) {
      case "FlateDecode":
      case "Fl":
        data = inflate(data, limit);
        if (parm instanceof PdfDict) data = unpredict(data, parm, resolve);
        break;
      case "ASCIIHexDecode":
      case "AHx":
        data = asciiHex(data);
        break;
      case "ASCII85Decode":
      case "A85":
        data = ascii85(data);
        break;
      default:
        throw new FilterError(`unsupported stream filter ${name}`);
    }
    if (data.length > limit) throw new FilterError("decoded stream exceeds the size limit");
  });
  return data;
}

function inflate(data: Uint8Array, limit: number): Uint8Array {
  try {
    // SYNC_FLUSH tolerates streams missing their final block, common in the wild
    return inflateSync(data, { maxOutputLength: limit, finishFlush: constants.Z_SYNC_FLUSH });
  } catch (e) {
    const code = (e as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE" || e instanceof RangeError) throw new FilterError("decoded stream exceeds the size limit");
    throw new FilterError(`corrupt Flate stream: ${(e as Error).message}`);
  }
}

function num(o: PdfObj | undefined, d: number): number {
  return typeof o === "number" ? o : d;
}

function unpredict(data: Uint8Array, parm: PdfDict, resolve: (o: PdfObj | undefined) => PdfObj | undefined): Uint8Array {
  const predictor = num(resolve(parm.get("Predictor")), 1);
  if (predictor < 10) {
    if (predictor === 1) return data;
    throw new FilterError(`unsupported predictor ${predictor}`);
  }
  const colors = num(resolve(parm.get("Colors")), 1);
  const bpc = num(resolve(parm.get("BitsPerComponent")), 8);
  const columns = num(resolve(parm.get("Columns")), 1);
  const bpp = Math.max(1, Math.ceil((colors * bpc) / 8));
  const rowLen = Math.ceil((colors * bpc * columns) / 8);
  if (rowLen <= 0 || rowLen > 1 << 24) throw new FilterError("bad predictor parameters");
  const rows = Math.floor(data.length / (rowLen + 1));
  const out = new Uint8Array(rows * rowLen);
  let prev = new Uint8Array(rowLen);
  for (let r = 0; r < rows; r++) {
    const type = data[r * (rowLen + 1)]!;
    const src = data.subarray(r * (rowLen + 1) + 1, (r + 1) * (rowLen + 1));
    const cur = out.subarray(r * rowLen, (r + 1) * rowLen);
    for (let i = 0; i < rowLen; i++) {
      const left = i >= bpp ? cur[i - bpp]! : 0;
      const up = prev[i]!;
      const ul = i >= bpp ? prev[i - bpp]! : 0;
      let v = src[i]!;
      switch (type) {
        case 0:
          break;
        case 1:
          v += left;
          break;
        case 2:
          v += up;
          break;
        case 3:
          v += (left + up) >> 1;
          break;
        case 4: {
          const pa = Math.abs(up - ul);
          const pb = Math.abs(left - ul);
          const pc = Math.abs(left + up - 2 * ul);
          v += pa <= pb && pa <= pc ? left : pb <= pc ? up : ul;
          break;
        }
        default:
          throw new FilterError(`bad PNG predictor row type ${type}`);
      }
      cur[i] = v & 0xff;
    }
    prev = cur;
  }
  return out;
}

function asciiHex(data: Uint8Array): Uint8Array {
  const s = Buffer.from(data).toString("latin1").replace(/\s+/g, "");
  const end = s.indexOf(">");
  let h = end >= 0 ? s.slice(0, end) : s;
  if (!/^[0-9a-fA-F]*$/.test(h)) throw new FilterError("bad ASCIIHex data");
  if (h.length % 2) h += "0";
  return Buffer.from(h, "hex");
}

function ascii85(data: Uint8Array): Uint8Array {
  let s = Buffer.from(data).toString("latin1").replace(/\s+/g, "");
  if (s.startsWith("<~")) s = s.slice(2);
  const end = s.indexOf("~>");
  if (end >= 0) s = s.slice(0, end);
  const out: number[] = [];
  let group: number[] = [];
  for (const ch of s) {
    if (ch === "z" && group.length === 0) {
      out.push(0, 0, 0, 0);
      continue;
    }
    const c = ch.charCodeAt(0) - 33;
    if (c < 0 || c > 84) throw new FilterError("bad ASCII85 data");
    group.push(c);
    if (group.length === 5) {
      let v = 0;
      for (const g of group) v = v * 85 + g;
      out.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
      group = [];
    }
  }
  if (group.length > 1) {
    const n = group.length;
    while (group.length < 5) group.push(84);
    let v = 0;
    for (const g of group) v = v * 85 + g;
    const bytes = [(v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255];
    out.push(...bytes.slice(0, n - 1));
  }
  return Uint8Array.from(out);
}
