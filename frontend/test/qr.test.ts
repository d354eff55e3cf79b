import encodeQR from "qr";
import { describe, expect, it } from "vitest";
import { isCode, parseQrPayload } from "../src/logic/qr";
import { decodePixels } from "../src/scan";

const PAYLOAD = "parcel-locker://pickup?wall=01JDWALLA&compartment=A-07&code=04718265";

describe("QR payload", () => {
  it("reads a pickup payload", () => {
    expect(parseQrPayload(PAYLOAD)).toEqual({
      ok: true,
      action: "pickup",
      wall: "01JDWALLA",
      compartment: "A-07",
      code: "04718265",
    });
  });

  it("reads collect and dropoff payloads, with or without a compartment", () => {
    expect(parseQrPayload("parcel-locker://collect?wall=W&compartment=B-01&code=123456")).toMatchObject({ ok: true, action: "collect" });
    expect(parseQrPayload("parcel-locker://dropoff?wall=W&code=1234567890")).toMatchObject({
      ok: true,
      action: "dropoff",
      compartment: null,
      code: "1234567890",
    });
    expect(parseQrPayload("  PARCEL-LOCKER://PICKUP?code=123456  ")).toMatchObject({ ok: true, wall: null });
  });

  it("refuses anything else", () => {
    expect(parseQrPayload("https://example.com/pickup?code=04718265")).toEqual({ ok: false, reason: "not_ours" });
    expect(parseQrPayload("parcel-locker://open?code=04718265")).toEqual({ ok: false, reason: "not_ours" });
    expect(parseQrPayload("parcel-locker://pickup?wall=W&compartment=A-07")).toEqual({ ok: false, reason: "missing_code" });
    expect(parseQrPayload("parcel-locker://pickup?code=12ab56")).toEqual({ ok: false, reason: "bad_code" });
    expect(parseQrPayload("parcel-locker://pickup?code=123")).toEqual({ ok: false, reason: "bad_code" });
    expect(parseQrPayload("04718265")).toEqual({ ok: false, reason: "not_ours" });
    expect(parseQrPayload("")).toEqual({ ok: false, reason: "not_ours" });
    expect(parseQrPayload(null)).toEqual({ ok: false, reason: "not_ours" });
    expect(parseQrPayload("\u0000\uffff junk")).toEqual({ ok: false, reason: "not_ours" });
  });

  it("knows a code when it sees one", () => {
    expect(isCode("123456")).toBe(true);
    expect(isCode("1234567890")).toBe(true);
    expect(isCode("12345")).toBe(false);
    expect(isCode("12345678901")).toBe(false);
    expect(isCode("١٢٣٤٥٦")).toBe(false);
  });
});

describe("bundled QR decoder", () => {
  function render(text: string, scale = 4, quiet = 4) {
    const matrix = encodeQR(text, "raw", { ecc: "medium" });
    const size = (matrix.length + 2 * quiet) * scale;
    const data = new Uint8ClampedArray(size * size * 4).fill(255);
    matrix.forEach((row, y) =>
      row.forEach((dark, x) => {
        if (!dark) return;
        for (let dy = 0; dy < scale; dy += 1)
          for (let dx = 0; dx < scale; dx += 1) {
            const i = (((y + quiet) * scale + dy) * size + (x + quiet) * scale + dx) * 4;
            data[i] = data[i + 1] = data[i + 2] = 0;
          }
      }),
    );
    return { width: size, height: size, data };
  }

  it("reads the payload the integration puts in its QR images", () => {
    const text = decodePixels(render(PAYLOAD));
    expect(text).toBe(PAYLOAD);
    expect(parseQrPayload(text)).toMatchObject({ ok: true, code: "04718265" });
  });

  it("gives null for a picture without a code", () => {
    expect(decodePixels({ width: 64, height: 64, data: new Uint8ClampedArray(64 * 64 * 4).fill(255) })).toBeNull();
  });
});
