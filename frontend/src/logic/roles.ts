/** Which views a role sees (the backend enforces the same rights; this only hides). */
import type { Role } from "../types";

export type StaffTab = "walls" | "parcels" | "activity" | "statistics";
export type KioskTab = "deliver" | "pickup";
export type MainView = "staff" | "resident" | "courier" | "visitor";

const ROLES: readonly Role[] = ["staff", "courier", "resident", "visitor"];

/** A role from the session; anything unknown is the least privileged. */
export const normaliseRole = (value: unknown): Role =>
  ROLES.includes(value as Role) ? (value as Role) : "visitor";

export const isKioskPath = (path: string | undefined | null): boolean =>
  /^\/kiosk(\/|$)/.test(path ?? "");

export const mainView = (role: Role): MainView => role;

export const staffTabs = (role: Role): StaffTab[] =>
  role === "staff" ? ["walls", "parcels", "activity", "statistics"] : [];

export const kioskTabs = (role: Role): KioskTab[] =>
  role === "staff" || role === "courier" ? ["deliver", "pickup"] : ["pickup"];

export const defaultKioskTab = (role: Role): KioskTab => kioskTabs(role)[0] ?? "pickup";

/** The tab to show: the asked one when the role may see it, else the role's first. */
export function pickTab<T extends string>(tabs: readonly T[], wanted: string | null | undefined, fallback: T): T {
  return tabs.find((tab) => tab === wanted) ?? tabs[0] ?? fallback;
}
