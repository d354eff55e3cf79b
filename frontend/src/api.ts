/**
 * Typed wrappers for every websocket command and action of the contract (../API.md).
 * Nothing here touches the DOM; every function takes the `hass` object.
 */
import type {
  AssignResult,
  AuditResult,
  Hass,
  Parcel,
  RedeemResult,
  Recipient,
  Session,
  SubscriptionUpdate,
  Unsubscribe,
  WallStatistics,
} from "./types";
import type { AuditFilter, ParcelFilter } from "./logic/filters";
import { auditParams, parcelParams } from "./logic/filters";

export const DOMAIN = "parcel_locker";

// ---------------------------------------------------------------- reading

export const fetchSession = (hass: Hass): Promise<Session> =>
  hass.callWS<Session>({ type: `${DOMAIN}/session` });

export const subscribeUpdates = (
  hass: Hass,
  callback: (update: SubscriptionUpdate) => void,
): Promise<Unsubscribe> =>
  hass.connection.subscribeMessage<SubscriptionUpdate>(callback, { type: `${DOMAIN}/subscribe` });

export const fetchParcels = async (hass: Hass, filter: ParcelFilter): Promise<Parcel[]> =>
  (await hass.callWS<{ parcels: Parcel[] }>({ type: `${DOMAIN}/parcels`, ...parcelParams(filter) })).parcels;

export const fetchAudit = (hass: Hass, filter: AuditFilter): Promise<AuditResult> =>
  hass.callWS<AuditResult>({ type: `${DOMAIN}/audit`, ...auditParams(filter) });

export const fetchRecipients = async (hass: Hass): Promise<Recipient[]> =>
  (await hass.callWS<{ recipients: Recipient[] }>({ type: `${DOMAIN}/recipients` })).recipients;

export const fetchStatistics = async (hass: Hass, days = 30): Promise<WallStatistics[]> =>
  (await hass.callWS<{ walls: WallStatistics[] }>({ type: `${DOMAIN}/statistics`, days })).walls;

// ---------------------------------------------------------------- acting

/**
 * Call one of the integration's actions through the websocket (no toast of Home
 * Assistant's own: the panel shows the error itself). Resolves with the action's
 * response when `withResponse`.
 */
export async function callAction<T = unknown>(
  hass: Hass,
  service: string,
  data: Record<string, unknown>,
  withResponse = false,
): Promise<T | undefined> {
  const result = await hass.callWS<{ response?: T } | null>({
    type: "call_service",
    domain: DOMAIN,
    service,
    service_data: data,
    ...(withResponse ? { return_response: true } : {}),
  });
  return withResponse ? (result?.response ?? undefined) : undefined;
}

export interface DeliveryRequest {
  recipient?: string;
  tracking?: string;
  size?: string;
  /** Left out with a tracking number only: the announcement says. */
  cold?: boolean;
  wall?: string;
}

export async function assignDelivery(hass: Hass, request: DeliveryRequest): Promise<AssignResult> {
  const data: Record<string, unknown> = {};
  if (request.cold !== undefined) data.cold = request.cold;
  if (request.recipient) data.recipient = request.recipient;
  if (request.tracking) data.tracking = request.tracking;
  if (request.size) data.size = request.size;
  if (request.wall) data.wall = request.wall;
  const response = await callAction<AssignResult>(hass, "assign_delivery", data, true);
  if (!response) throw new Error("assign_delivery gave no response");
  return response;
}

/**
 * A typed or scanned code at the kiosk. Not the `redeem_code` action: Home Assistant's
 * recorder keeps every action call's data, and a code must not end up there.
 */
export const redeemCode = (hass: Hass, code: string, wall?: string | null): Promise<RedeemResult> =>
  hass.callWS<RedeemResult>({ type: `${DOMAIN}/redeem`, code, ...(wall ? { wall } : {}) });

/** A resident (or staff) opens the compartment holding a parcel. */
export const openParcel = (hass: Hass, parcelId: string): Promise<unknown> =>
  callAction(hass, "open_compartment", { parcel_id: parcelId });

/** Staff open a compartment; `inspect` opens it for a look without changing the parcel. */
export const openCompartment = (hass: Hass, wall: string, compartment: string, inspect: boolean): Promise<unknown> =>
  callAction(hass, "open_compartment", { wall, compartment, inspect });

export const setOutOfService = (
  hass: Hass,
  wall: string,
  compartment: string,
  outOfService: boolean,
): Promise<unknown> => callAction(hass, "set_out_of_service", { wall, compartment, out_of_service: outOfService });

export const markCollected = (hass: Hass, parcelId: string): Promise<unknown> =>
  callAction(hass, "mark_collected", { parcel_id: parcelId });

export const cancelDelivery = (hass: Hass, parcelId: string): Promise<unknown> =>
  callAction(hass, "cancel_delivery", { parcel_id: parcelId });

/**
 * A replacement pickup code. `issue_code` responds with the code, so it is called with
 * `return_response`; the panel drops the response: the code reaches the resident by the
 * usual notification, never the panel's screen.
 */
export async function issueReplacementCode(hass: Hass, parcelId: string): Promise<void> {
  await callAction(hass, "issue_code", { kind: "replacement", parcel_id: parcelId }, true);
}
