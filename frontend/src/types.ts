/**
 * The shapes the panel exchanges with Home Assistant and the integration.
 * See ../API.md (the contract); keep both in step.
 */

// ---------------------------------------------------------------- Home Assistant

/** Home Assistant's localize: a key and ICU placeholders in, text out ("" when unknown). */
export type LocalizeFunc = (key: string, values?: Record<string, string | number | null | undefined>) => string;

export interface HassUser {
  id: string;
  name: string;
  is_admin: boolean;
  is_owner?: boolean;
}

export interface HassMessage {
  type: string;
  [key: string]: unknown;
}

export type Unsubscribe = () => Promise<void> | void;

export interface HassConnection {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- Home Assistant's own signature
  subscribeMessage<T>(callback: (message: T) => void, message: HassMessage): Promise<Unsubscribe>;
}

/** The part of Home Assistant's `hass` object the panel uses. */
export interface Hass {
  language: string;
  locale?: { language?: string; time_zone?: string };
  config: { unit_system: { temperature: string }; time_zone?: string };
  themes?: { darkMode?: boolean };
  user?: HassUser;
  localize: LocalizeFunc;
  loadBackendTranslation(category: string, integration?: string, configFlow?: boolean): Promise<LocalizeFunc | undefined>;
  callWS<T>(message: HassMessage): Promise<T>;
  connection: HassConnection;
}

export interface PanelRoute {
  prefix?: string;
  path: string;
}

// ---------------------------------------------------------------- the contract

export type Role = "staff" | "courier" | "resident" | "visitor";

export interface WallInfo {
  wall_id: string;
  name: string;
  prefix: string;
  compartments: number;
  columns: number | null;
  keypad: boolean;
}

export interface Session {
  role: Role;
  user_name: string;
  person: string | null;
  household: string[];
  walls: WallInfo[];
  sizes: string[];
  kiosk_wall: string | null;
}

export type ActiveParcelState = "announced" | "reserved" | "stored" | "return_waiting" | "held" | "return_to_sender";
export type FinishedParcelState = "collected" | "returned" | "cancelled" | "expired";
export type ParcelState = ActiveParcelState | FinishedParcelState;

export interface Parcel {
  parcel_id: string;
  state: ParcelState;
  kind: "delivery" | "courier" | "return";
  recipient: string | null;
  recipient_name: string | null;
  wall: string | null;
  wall_name: string | null;
  compartment: string | null;
  number: number | null;
  size: string;
  cold: boolean;
  carrier: string | null;
  tracking: string | null;
  created: string | null;
  stored_at: string | null;
  code_expires: string | null;
  deadline: string | null;
  /** Until when an announced parcel is expected (null: not announced). */
  expected_until: string | null;
  can_open: boolean;
  finished_at?: string | null;
}

export type CompartmentStatus = "free" | "reserved" | "occupied" | "out_of_service";

export type ProblemKind =
  | "forced_door"
  | "door_left_open"
  | "temperature_out_of_band"
  | "probe_silent"
  | "keypad_locked_out"
  | "parcel_missing"
  | "unexpected_parcel"
  | "controller_offline";

export interface WallProblem {
  /** A ProblemKind; an unknown value from a newer backend is shown as it comes. */
  problem: string;
  compartment: string | null;
}

export interface CompartmentState {
  number: number;
  label: string;
  size: string;
  cooled: boolean;
  status: CompartmentStatus;
  door_open: boolean | null;
  locked: boolean | null;
  present: boolean | null;
  temperature: number | null;
  setpoint: number | null;
  problems: string[];
  parcel_id: string | null;
  recipient_name: string | null;
}

export interface WallState {
  wall_id: string;
  name: string;
  online: boolean;
  free: number;
  waiting: number;
  problems: WallProblem[];
  compartments: CompartmentState[];
}

export interface SubscriptionUpdate {
  parcels: Parcel[];
  walls: WallState[];
}

export interface AuditEntry {
  time: string;
  action: string;
  wall: string | null;
  wall_name: string | null;
  compartment: string | null;
  parcel_id: string | null;
  actor: string | null;
  result: string | null;
}

export interface AuditResult {
  entries: AuditEntry[];
  actions: string[];
}

export interface Recipient {
  id: string;
  name: string;
}

export interface StatisticsDay {
  date: string;
  occupancy: number | null;
  deliveries: number | null;
  dwell_hours: number | null;
}

export interface WallStatistics {
  wall_id: string;
  name: string;
  days: StatisticsDay[];
}

export interface AssignResult {
  parcel_id: string;
  /** The person it is for (with a tracking number only: the announcement's). */
  recipient?: string | null;
  compartment: string | null;
  wall: string | null;
  wall_name: string | null;
  held: boolean;
  /** Held: the free cooled compartments that were not cold enough for it. */
  not_ready?: string[];
}

export interface RedeemResult {
  compartment: string;
  wall: string;
  wall_name: string;
  parcel_id: string | null;
}
