/** How a compartment tile looks: colour AND icon per status, badges per problem (pure). */
import type { IconName } from "../icons";
import type { CompartmentState } from "../types";

export type Tone = "free" | "reserved" | "occupied" | "out_of_service" | "offline";
export type Severity = "none" | "warning" | "error";

export interface ProblemBadge {
  problem: string;
  severity: Exclude<Severity, "none">;
  icon: IconName;
}

export interface TileLook {
  tone: Tone;
  /** A CSS colour (a theme variable with a fallback). */
  color: string;
  icon: IconName;
  severity: Severity;
  badges: ProblemBadge[];
  door: "open" | "closed" | "unknown";
  parcel: boolean;
  cold: boolean;
}

export const TONE_COLOR: Record<Tone, string> = {
  free: "var(--success-color, #43a047)",
  reserved: "var(--purple-color, #926bc7)",
  occupied: "var(--primary-color, #03a9f4)",
  out_of_service: "var(--disabled-text-color, #9e9e9e)",
  offline: "var(--disabled-text-color, #9e9e9e)",
};

const TONE_ICON: Record<Tone, IconName> = {
  free: "free",
  reserved: "reserved",
  occupied: "occupied",
  out_of_service: "out_of_service",
  offline: "offline",
};

export const SEVERITY_COLOR: Record<Severity, string> = {
  none: "transparent",
  warning: "var(--warning-color, #ffa600)",
  error: "var(--error-color, #db4437)",
};

const ERRORS = new Set(["forced_door", "parcel_missing", "unexpected_parcel", "controller_offline"]);

const PROBLEM_ICON: Record<string, IconName> = {
  forced_door: "door_open",
  door_left_open: "door_open",
  temperature_out_of_band: "thermometer",
  probe_silent: "thermometer",
  keypad_locked_out: "alert",
  parcel_missing: "parcel",
  unexpected_parcel: "parcel",
  controller_offline: "offline",
};

export const problemSeverity = (problem: string): Exclude<Severity, "none"> =>
  ERRORS.has(problem) ? "error" : "warning";

export const problemIcon = (problem: string): IconName => PROBLEM_ICON[problem] ?? "alert_circle";

export function worstSeverity(problems: readonly string[]): Severity {
  if (problems.some((p) => problemSeverity(p) === "error")) return "error";
  return problems.length ? "warning" : "none";
}

export function tileLook(compartment: CompartmentState, online: boolean): TileLook {
  const tone: Tone = online ? compartment.status : "offline";
  const badges = compartment.problems.map((problem) => ({
    problem,
    severity: problemSeverity(problem),
    icon: problemIcon(problem),
  }));
  return {
    tone,
    color: TONE_COLOR[tone] ?? TONE_COLOR.offline,
    icon: TONE_ICON[tone] ?? "help",
    severity: worstSeverity(compartment.problems),
    badges,
    door: !online || compartment.door_open === null ? "unknown" : compartment.door_open ? "open" : "closed",
    // A parcel is shown when the sensor sees one, or (no sensor) when the ledger has one.
    parcel: compartment.present ?? (compartment.status === "occupied" || compartment.parcel_id !== null),
    cold: compartment.cooled,
  };
}

/** Problems of a wall grouped by kind, each with the compartments that have it. */
export function groupProblems(problems: readonly { problem: string; compartment: string | null }[]): {
  problem: string;
  severity: Exclude<Severity, "none">;
  compartments: string[];
}[] {
  const groups = new Map<string, string[]>();
  for (const { problem, compartment } of problems) {
    const list = groups.get(problem) ?? [];
    if (compartment && !list.includes(compartment)) list.push(compartment);
    groups.set(problem, list);
  }
  return [...groups.entries()]
    .map(([problem, compartments]) => ({ problem, severity: problemSeverity(problem), compartments: compartments.sort() }))
    .sort((a, b) => (a.severity === b.severity ? a.problem.localeCompare(b.problem) : a.severity === "error" ? -1 : 1));
}
