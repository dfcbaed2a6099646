// X.690 rules the DER reader enforces on the values it decodes.
import { describe, expect, it } from "vitest";
import { integerHex, integerHexLenient, readTlv } from "./der.ts";

const int = (...bytes: number[]) => readTlv(Uint8Array.from([0x02, bytes.length, ...bytes]), 0);

describe("INTEGER", () => {
  it("minimal encodings decode to hex without leading zero octets", () => {
    expect(integerHex(int(0x00))).toBe("00");
    expect(integerHex(int(0x50, 0x51))).toBe("5051");
    expect(integerHex(int(0x00, 0x80))).toBe("80"); // the zero octet keeps 0x80 positive: needed
    expect(integerHex(int(0xff, 0x7f))).toBe("ff7f");
  });

  it("a superfluous leading 0x00 or 0xFF octet is an error (X.690 8.3.2), as in dss__BadEncodedCMS.pdf", () => {
    expect(() => integerHex(int(0x00, 0x50, 0x51), "sid.serialNumber")).toThrow(/sid\.serialNumber: INTEGER is not minimally encoded \(starts 0050/);
    expect(() => integerHex(int(0xff, 0x80))).toThrow(/not minimally encoded/);
    expect(() => integerHex(int())).toThrow(/empty INTEGER/);
  });

  it("the lenient reader (CRL entries, matched by value) accepts them", () => {
    expect(integerHexLenient(int(0x00, 0x50, 0x51))).toBe("5051");
  });
});
