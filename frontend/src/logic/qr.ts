/**
 * The QR payload of a code: parcel-locker://<pickup|collect|dropoff>?wall=..&compartment=..&code=..
 * Anything else is refused with a reason the kiosk can say.
 */

export const QR_SCHEME = "parcel-locker:";
export const QR_ACTIONS = ["pickup", "collect", "dropoff"] as const;
export type QrAction = (typeof QR_ACTIONS)[number];

export const CODE_MIN_DIGITS = 6;
export const CODE_MAX_DIGITS = 10;

export type QrResult =
  | { ok: true; action: QrAction; wall: string | null; compartment: string | null; code: string }
  | { ok: false; reason: "not_ours" | "missing_code" | "bad_code" };

export const isCode = (text: string): boolean =>
  new RegExp(`^\\d{${CODE_MIN_DIGITS},${CODE_MAX_DIGITS}}$`).test(text);

export function parseQrPayload(text: string | null | undefined): QrResult {
  const raw = (text ?? "").trim();
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: "not_ours" };
  }
  if (url.protocol.toLowerCase() !== QR_SCHEME) return { ok: false, reason: "not_ours" };
  // For a non-special scheme the action is the host ("//pickup?..") or the path ("pickup?..").
  const action = (url.host || url.pathname.replace(/^\/+/, "")).toLowerCase();
  if (!(QR_ACTIONS as readonly string[]).includes(action)) return { ok: false, reason: "not_ours" };
  const code = url.searchParams.get("code")?.trim() ?? "";
  if (!code) return { ok: false, reason: "missing_code" };
  if (!isCode(code)) return { ok: false, reason: "bad_code" };
  return {
    ok: true,
    action: action as QrAction,
    wall: url.searchParams.get("wall") || null,
    compartment: url.searchParams.get("compartment") || null,
    code,
  };
}
