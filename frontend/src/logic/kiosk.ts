/** The kiosk's delivery form (pure): what it may send, and what is still missing. */
import type { DeliveryRequest } from "../api";
import type { Recipient, Session } from "../types";

export const AUTO_RETURN_SECONDS = 30;
export const MAX_TRACKING_LENGTH = 64;

export interface DeliverForm {
  mode: "recipient" | "tracking";
  recipient: Recipient | null;
  tracking: string;
  size: string | null;
  cold: boolean;
  wall: string | null;
}

export const emptyDeliverForm = (session: Pick<Session, "walls" | "kiosk_wall">): DeliverForm => ({
  mode: "recipient",
  recipient: null,
  tracking: "",
  size: null,
  cold: false,
  wall: session.kiosk_wall ?? (session.walls.length === 1 ? (session.walls[0]?.wall_id ?? null) : null),
});

export type Missing = "recipient" | "tracking" | "size" | "wall";

/** What still has to be chosen before the compartment can be opened (in order). */
export function missing(form: DeliverForm, wallCount: number): Missing[] {
  const out: Missing[] = [];
  const tracking = form.tracking.trim();
  if (form.mode === "recipient" && !form.recipient) out.push("recipient");
  if (form.mode === "tracking" && !tracking) out.push("tracking");
  // With a tracking number an announced parcel brings its size; without one the courier says.
  if (form.mode === "recipient" && !form.size) out.push("size");
  if (wallCount > 1 && !form.wall) out.push("wall");
  return out;
}

export function deliveryRequest(form: DeliverForm): DeliveryRequest {
  const request: DeliveryRequest = { cold: form.cold };
  if (form.mode === "recipient" && form.recipient) request.recipient = form.recipient.id;
  const tracking = form.tracking.trim().slice(0, MAX_TRACKING_LENGTH);
  if (tracking) request.tracking = tracking;
  if (form.size) request.size = form.size;
  if (form.wall) request.wall = form.wall;
  return request;
}
