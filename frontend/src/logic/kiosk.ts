/** The kiosk's delivery form (pure): what it may send, and what is still missing. */
import type { DeliveryRequest } from "../api";
import type { AssignResult, Recipient, Session } from "../types";

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
  const request: DeliveryRequest = {};
  // An announced parcel brings its cold: only a courier who says "cold" overrides it.
  if (form.mode === "recipient" || form.cold) request.cold = form.cold;
  if (form.mode === "recipient" && form.recipient) request.recipient = form.recipient.id;
  const tracking = form.tracking.trim().slice(0, MAX_TRACKING_LENGTH);
  if (tracking) request.tracking = tracking;
  if (form.size) request.size = form.size;
  if (form.wall) request.wall = form.wall;
  return request;
}

/** What the kiosk shows after a delivery: the compartment, or "keep it at the desk" and why. */
export interface DeliveryOutcome {
  /** Nothing fits: no compartment opened, the parcel is recorded at the desk. */
  held: boolean;
  compartment: string | null;
  /** Who it is for, by name (with a tracking number only, the announcement's recipient). */
  name: string;
  /** Free cooled compartments that were not cold enough for it. */
  notReady: string[];
}

export function deliveryOutcome(result: AssignResult, form: DeliverForm, recipients: readonly Recipient[]): DeliveryOutcome {
  const held = result.held || result.compartment === null;
  const named = recipients.find((r) => r.id === result.recipient)?.name;
  return {
    held,
    compartment: held ? null : result.compartment,
    name: form.recipient?.name ?? named ?? form.tracking.trim(),
    notReady: held ? (result.not_ready ?? []) : [],
  };
}
