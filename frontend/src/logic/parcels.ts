/** Parcels: who sees which, in what order, and the client-side filters (pure). */
import type { Parcel, ParcelState } from "../types";

export const ACTIVE_STATES: readonly ParcelState[] = ["stored", "held", "return_to_sender", "return_waiting", "reserved", "announced"];
export const FINISHED_STATES: readonly ParcelState[] = ["collected", "returned", "cancelled", "expired"];
export const ALL_STATES: readonly ParcelState[] = [...ACTIVE_STATES, ...FINISHED_STATES];

const ORDER = new Map(ALL_STATES.map((state, index) => [state, index]));

const time = (iso: string | null | undefined): number => {
  const value = iso ? Date.parse(iso) : Number.NaN;
  return Number.isNaN(value) ? Number.POSITIVE_INFINITY : value;
};

/** Ready to collect first, then by the closest deadline, then the oldest. */
export function sortParcels(parcels: readonly Parcel[]): Parcel[] {
  return [...parcels].sort(
    (a, b) =>
      (ORDER.get(a.state) ?? 99) - (ORDER.get(b.state) ?? 99) ||
      time(a.deadline) - time(b.deadline) ||
      time(a.stored_at ?? a.created) - time(b.stored_at ?? b.created) ||
      a.parcel_id.localeCompare(b.parcel_id),
  );
}

/** Newest first (the staff list). */
export function sortNewestFirst(parcels: readonly Parcel[]): Parcel[] {
  const when = (p: Parcel): number => -time(p.finished_at ?? p.stored_at ?? p.created);
  return [...parcels].sort((a, b) => when(a) - when(b) || a.parcel_id.localeCompare(b.parcel_id));
}

/**
 * A resident's parcels: theirs and their household's. The backend already sends only
 * these; the panel checks again so a wrong message never shows someone else's parcel.
 */
export function residentParcels(parcels: readonly Parcel[], person: string | null, household: readonly string[]): Parcel[] {
  const mine = new Set([...household, ...(person ? [person] : [])]);
  return sortParcels(parcels.filter((p) => p.recipient !== null && mine.has(p.recipient) && !isFinished(p)));
}

export const isFinished = (parcel: Parcel): boolean => FINISHED_STATES.includes(parcel.state);

/** Waiting in a compartment and openable from the panel. */
export const isCollectable = (parcel: Parcel): boolean =>
  parcel.can_open && parcel.compartment !== null && (parcel.state === "stored" || parcel.state === "return_waiting");

/** Where a parcel is: in a compartment, kept at the front desk, or not here yet (announced). */
export type Place = "compartment" | "desk" | "expected";

export const placeOf = (parcel: Parcel): Place =>
  parcel.state === "announced" ? "expected" : parcel.compartment === null ? "desk" : "compartment";

/** A resident's code works for a parcel waiting for them (not for a return, nor one sent back). */
export const residentCodeApplies = (parcel: Parcel): boolean => parcel.state === "stored";

export type ParcelActionId = "mark_collected" | "new_code" | "cancel_delivery";

// States in which a parcel is here (behind a door or at the desk): staff can hand it over.
const HANDED_OVER: readonly ParcelState[] = ["stored", "held", "return_waiting", "return_to_sender"];

/** What staff can do to a parcel in its state (the actions refuse the rest). */
export function parcelActionIds(parcel: Parcel): ParcelActionId[] {
  if (isFinished(parcel)) return [];
  const ids: ParcelActionId[] = [];
  if (HANDED_OVER.includes(parcel.state)) ids.push("mark_collected");
  if (parcel.state === "stored" || parcel.state === "return_waiting") ids.push("new_code");
  ids.push("cancel_delivery");
  return ids;
}

export const normaliseText = (text: string): string =>
  text.normalize("NFD").replace(/\p{Diacritic}/gu, "").toLowerCase().trim();

export interface ParcelListFilter {
  wall?: string;
  state?: string;
  text?: string;
  includeFinished?: boolean;
}

/** The staff list's filter, applied on the client too (the list updates live). */
export function filterParcels(parcels: readonly Parcel[], filter: ParcelListFilter): Parcel[] {
  const text = normaliseText(filter.text ?? "");
  return parcels.filter((p) => {
    if (filter.wall && p.wall !== filter.wall) return false;
    if (filter.state && p.state !== filter.state) return false;
    if (!filter.includeFinished && !filter.state && isFinished(p)) return false;
    if (text) {
      const haystack = normaliseText(
        [p.recipient_name, p.recipient, p.compartment, p.tracking, p.carrier, p.parcel_id].filter(Boolean).join(" "),
      );
      if (!haystack.includes(text)) return false;
    }
    return true;
  });
}

/** Counts per state, for the chips above the list. */
export function countByState(parcels: readonly Parcel[]): Partial<Record<ParcelState, number>> {
  const counts: Partial<Record<ParcelState, number>> = {};
  for (const p of parcels) counts[p.state] = (counts[p.state] ?? 0) + 1;
  return counts;
}
