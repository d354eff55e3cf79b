/**
 * Realistic data for the dev harness and the component tests: two walls of 24, a few
 * parcels, problems, cooled compartments. Times are relative to `now`.
 */
import { isFinished } from "../src/logic/parcels";
import type {
  AuditEntry,
  CompartmentState,
  Parcel,
  Recipient,
  Role,
  Session,
  WallInfo,
  WallState,
  WallStatistics,
} from "../src/types";

export const WALL_A = "01JDWALLA000000000000000AA";
export const WALL_B = "01JDWALLB000000000000000BB";

export const WALLS: WallInfo[] = [
  { wall_id: WALL_A, name: "Wall A", prefix: "A", compartments: 24, columns: 6, keypad: true },
  { wall_id: WALL_B, name: "Wall B", prefix: "B", compartments: 24, columns: 8, keypad: true },
];

export const RECIPIENTS: Recipient[] = [
  { id: "person.alice", name: "Alice Martin" },
  { id: "person.bob", name: "Bob Martin" },
  { id: "person.carol", name: "Carol Dupont" },
  { id: "person.dave", name: "Dave Okafor" },
  { id: "person.eve", name: "Eve Lindqvist" },
  { id: "person.frank", name: "Frank Rossi" },
  { id: "person.grace", name: "Grace Hopper" },
  { id: "person.heidi", name: "Heidi Schmid" },
  { id: "person.ivan", name: "Ivan Petrov" },
  { id: "person.judy", name: "Judy Nakamura" },
  { id: "person.zoe", name: "Zoë Müller" },
  { id: "person.anne_marie", name: "Anne-Marie O'Neil" },
];

const iso = (now: Date, hours: number): string => new Date(now.getTime() + hours * 3_600_000).toISOString();

const name = (person: string): string => RECIPIENTS.find((r) => r.id === person)?.name ?? person;

interface ParcelSeed {
  id: string;
  state: Parcel["state"];
  person: string;
  wall: string | null;
  number: number | null;
  size: string;
  cold?: boolean;
  carrier: string | null;
  tracking?: string;
  ageHours: number;
  kind?: Parcel["kind"];
  /** Announced: expected until this many hours from now. */
  expectedInHours?: number;
}

const SEEDS: ParcelSeed[] = [
  { id: "p7a1c2e4b901", state: "stored", person: "person.bob", wall: WALL_A, number: 7, size: "M", carrier: "DHL", tracking: "JJD0146123456", ageHours: -3 },
  { id: "p21c0ld5e6f7", state: "stored", person: "person.alice", wall: WALL_A, number: 21, size: "L", cold: true, carrier: "Picnic", ageHours: -1.2 },
  { id: "pheld0009xl1", state: "held", person: "person.bob", wall: null, number: null, size: "XL", carrier: "PostNL", tracking: "3SABC1234567", ageHours: -26 },
  { id: "pb03carol001", state: "stored", person: "person.carol", wall: WALL_B, number: 3, size: "S", carrier: "UPS", tracking: "1Z999AA10123456784", ageHours: -50 },
  { id: "pa14dave0001", state: "reserved", person: "person.dave", wall: WALL_A, number: 14, size: "M", carrier: "DPD", ageHours: -0.05 },
  { id: "pb10eve00001", state: "return_waiting", person: "person.eve", wall: WALL_B, number: 10, size: "S", carrier: "DHL", ageHours: -20, kind: "return" },
  { id: "pa02frank001", state: "return_to_sender", person: "person.frank", wall: WALL_A, number: 2, size: "S", carrier: "GLS", ageHours: -24 * 8 },
  { id: "pa22grace001", state: "stored", person: "person.grace", wall: WALL_A, number: 22, size: "L", cold: true, carrier: "HelloFresh", ageHours: -5 },
  { id: "pb12heidi001", state: "stored", person: "person.heidi", wall: WALL_B, number: 12, size: "S", carrier: "Amazon", ageHours: -0.3 },
  { id: "pb17ivan0001", state: "stored", person: "person.ivan", wall: WALL_B, number: 17, size: "M", carrier: "DHL", ageHours: -24 * 6.5 },
  { id: "pann0bob0001", state: "announced", person: "person.bob", wall: null, number: null, size: "M", carrier: "DHL", tracking: "JJD 0099 1234", ageHours: -5, expectedInHours: 36 },
  { id: "pann0heidi01", state: "announced", person: "person.heidi", wall: null, number: null, size: "XL", cold: true, carrier: "Picnic", tracking: "PIC 77", ageHours: -2, expectedInHours: 12 },
];

const FINISHED: ParcelSeed[] = [
  { id: "pa05judy0001", state: "collected", person: "person.judy", wall: WALL_A, number: 5, size: "S", carrier: "DHL", ageHours: -30 },
  { id: "pb01zoe00001", state: "cancelled", person: "person.zoe", wall: WALL_B, number: 1, size: "S", carrier: "UPS", ageHours: -72 },
  { id: "pa09anne0001", state: "expired", person: "person.anne_marie", wall: WALL_A, number: 9, size: "M", carrier: null, ageHours: -24 * 9 },
  { id: "pa04ivan0002", state: "returned", person: "person.ivan", wall: WALL_A, number: 4, size: "S", carrier: "GLS", ageHours: -24 * 10 },
];

const wallName = (wall: string | null): string | null => WALLS.find((w) => w.wall_id === wall)?.name ?? null;
const label = (wall: string | null, number: number | null): string | null => {
  const info = WALLS.find((w) => w.wall_id === wall);
  return info && number !== null ? `${info.prefix}-${String(number).padStart(2, "0")}` : null;
};

function toParcel(seed: ParcelSeed, now: Date): Parcel {
  const created = iso(now, seed.ageHours - 0.05);
  const stored = seed.state === "reserved" || seed.state === "announced" ? null : iso(now, seed.ageHours);
  const finished = isFinished({ state: seed.state } as Parcel);
  const placed = seed.state !== "held" && seed.state !== "announced";
  return {
    parcel_id: seed.id,
    state: seed.state,
    kind: seed.kind ?? "delivery",
    recipient: seed.person,
    recipient_name: name(seed.person),
    wall: seed.wall,
    wall_name: wallName(seed.wall),
    compartment: label(seed.wall, seed.number),
    number: seed.number,
    size: seed.size,
    cold: seed.cold ?? false,
    carrier: seed.carrier,
    tracking: seed.tracking ?? null,
    created,
    stored_at: stored,
    code_expires: stored && seed.state === "stored" ? iso(now, seed.ageHours + 72) : null,
    // Deliveries stored in a compartment have a pickup deadline; returns have none.
    deadline: stored && placed && !finished && seed.kind !== "return" ? iso(now, seed.ageHours + 24 * 7) : null,
    expected_until: seed.expectedInHours === undefined ? null : iso(now, seed.expectedInHours),
    can_open: seed.state === "stored",
    ...(finished ? { finished_at: iso(now, seed.ageHours + 4) } : {}),
  };
}

export const activeParcels = (now: Date): Parcel[] => SEEDS.map((s) => toParcel(s, now));
export const finishedParcels = (now: Date): Parcel[] => FINISHED.map((s) => toParcel(s, now));

const SIZES_A = [...Array<string>(12).fill("S"), ...Array<string>(8).fill("M"), ...Array<string>(4).fill("L")];
const SIZES_B = [...Array<string>(16).fill("S"), ...Array<string>(6).fill("M"), "L", "XL"];

export function wallStates(now: Date): WallState[] {
  const parcels = activeParcels(now);
  const build = (info: WallInfo, sizes: string[], cooled: number[]): WallState => {
    const compartments: CompartmentState[] = sizes.map((size, i) => {
      const number = i + 1;
      const parcel = parcels.find((p) => p.wall === info.wall_id && p.number === number);
      const isCooled = cooled.includes(number);
      return {
        number,
        label: `${info.prefix}-${String(number).padStart(2, "0")}`,
        size,
        cooled: isCooled,
        status: parcel ? (parcel.state === "reserved" ? "reserved" : "occupied") : "free",
        door_open: false,
        locked: true,
        present: parcel ? parcel.state !== "reserved" : false,
        temperature: isCooled ? 4.2 : null,
        setpoint: isCooled ? 4 : null,
        problems: [],
        parcel_id: parcel?.parcel_id ?? null,
        recipient_name: parcel?.recipient_name ?? null,
      };
    });
    return { wall_id: info.wall_id, name: info.name, online: true, free: 0, waiting: 0, problems: [], compartments };
  };
  const [infoA, infoB] = WALLS as [WallInfo, WallInfo];
  const a = build(infoA, SIZES_A, [21, 22]);
  const b = build(infoB, SIZES_B, []);
  const at = (wall: WallState, n: number): CompartmentState => {
    const c = wall.compartments[n - 1];
    if (!c) throw new Error(`no compartment ${n}`);
    return c;
  };
  // A forced door on a free compartment, a compartment being loaded, a warm cold one.
  Object.assign(at(a, 3), { door_open: true, locked: false, problems: ["forced_door"] });
  Object.assign(at(a, 14), { door_open: true, locked: false });
  Object.assign(at(a, 22), { temperature: 9.4, problems: ["temperature_out_of_band"] });
  Object.assign(at(a, 18), { status: "out_of_service" });
  Object.assign(at(b, 12), { door_open: true, locked: false, problems: ["door_left_open"] });
  Object.assign(at(b, 20), { present: true, problems: ["unexpected_parcel"] });
  for (const wall of [a, b]) {
    wall.free = wall.compartments.filter((c) => c.status === "free").length;
    wall.waiting = wall.compartments.filter((c) => c.status === "occupied").length;
    wall.problems = wall.compartments.flatMap((c) => c.problems.map((problem) => ({ problem, compartment: c.label })));
  }
  b.problems.push({ problem: "keypad_locked_out", compartment: null });
  return [a, b];
}

export function sessionFor(role: Role): Session {
  const users: Record<Role, { user_name: string; person: string | null; household: string[] }> = {
    staff: { user_name: "Sam (front desk)", person: null, household: [] },
    courier: { user_name: "Courier kiosk", person: null, household: [] },
    resident: { user_name: "Bob Martin", person: "person.bob", household: ["person.bob", "person.alice"] },
    visitor: { user_name: "Guest", person: null, household: [] },
  };
  return { role, ...users[role], walls: WALLS, sizes: ["S", "M", "L", "XL"], kiosk_wall: null };
}

export function auditEntries(now: Date): AuditEntry[] {
  const rows: [number, string, string | null, number | null, string | null, string, string][] = [
    [-0.05, "assign", WALL_A, 14, "pa14dave0001", "user:Courier kiosk", "reserved"],
    [-0.3, "door_closed", WALL_B, 12, "pb12heidi001", "controller", "ok"],
    [-0.32, "delivered", WALL_B, 12, "pb12heidi001", "user:Courier kiosk", "ok"],
    [-0.6, "forced_open", WALL_A, 3, null, "controller", "ok"],
    [-1.2, "delivered", WALL_A, 21, "p21c0ld5e6f7", "user:Courier kiosk", "ok"],
    [-1.9, "keypad_locked_out", WALL_B, null, null, "keypad:Wall B", "locked_out"],
    [-2, "announce", null, null, "pann0heidi01", "automation", "ok"],
    [-3, "delivered", WALL_A, 7, "p7a1c2e4b901", "user:Courier kiosk", "ok"],
    [-5, "temperature_alarm", WALL_A, 22, "pa22grace001", "controller", "ok"],
    [-5, "announce", null, null, "pann0bob0001", "user:Bob Martin", "ok"],
    [-20, "start_return", WALL_B, 10, "pb10eve00001", "user:Eve Lindqvist", "ok"],
    [-26, "no_fit", null, null, "pheld0009xl1", "user:Courier kiosk", "ok"],
    [-26.5, "redeem", WALL_A, 5, "pa05judy0001", "keypad:Wall A", "pickup"],
    [-27, "picked_up", WALL_A, 5, "pa05judy0001", "controller", "ok"],
    [-30, "out_of_service", WALL_A, 18, null, "user:Sam", "on"],
    [-72, "cancel", WALL_B, 1, "pb01zoe00001", "user:Sam", "cancelled"],
  ];
  return rows.map(([hours, action, wall, number, parcel, actor, result]) => ({
    time: iso(now, hours),
    action,
    wall,
    wall_name: wallName(wall),
    compartment: label(wall, number),
    parcel_id: parcel,
    actor,
    result,
  }));
}

export const AUDIT_ACTIONS = [
  "assign",
  "delivered",
  "door_opened",
  "door_closed",
  "redeem",
  "picked_up",
  "forced_open",
  "keypad_locked_out",
  "temperature_alarm",
  "out_of_service",
  "cancel",
  "start_return",
  "announce",
  "no_fit",
];

/** 30 days of plausible statistics (deterministic: no Math.random). */
export function statistics(now: Date, days = 30): WallStatistics[] {
  return WALLS.map((wall, w) => ({
    wall_id: wall.wall_id,
    name: wall.name,
    days: Array.from({ length: days }, (_, i) => {
      const date = new Date(now.getTime() - (days - 1 - i) * 86_400_000).toISOString().slice(0, 10);
      const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
      const weekend = weekday === 0 || weekday === 6;
      const wave = Math.sin((i + w * 3) / 3.1);
      // The first days of wall B have no statistics yet (a gap in its lines).
      if (w === 1 && i < 4) return { date, occupancy: null, deliveries: null, dwell_hours: null };
      return {
        date,
        occupancy: Math.round((38 + 14 * wave + (weekend ? -8 : 6) + w * 5) * 10) / 10,
        deliveries: weekend ? 2 + ((i + w) % 3) : 6 + ((i * 7 + w * 3) % 6),
        dwell_hours: Math.round((16 + 7 * Math.cos(i / 4.3 + w)) * 10) / 10,
      };
    }),
  }));
}
