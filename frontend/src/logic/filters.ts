/** Filters of the staff lists, turned into websocket parameters (empty fields left out). */

export interface ParcelFilter {
  wall?: string;
  state?: string;
  recipient?: string;
  includeFinished?: boolean;
  limit?: number;
}

export interface AuditFilter {
  wall?: string;
  action?: string;
  actor?: string;
  parcelId?: string;
  since?: string;
  limit?: number;
}

export const DEFAULT_PARCEL_LIMIT = 200;
export const DEFAULT_AUDIT_LIMIT = 200;
export const MAX_AUDIT_LIMIT = 1000;

const clean = (value: string | undefined): string | undefined => {
  const trimmed = value?.trim();
  return trimmed ? trimmed : undefined;
};

const clampLimit = (limit: number | undefined, fallback: number, max: number): number => {
  if (limit === undefined || !Number.isFinite(limit)) return fallback;
  return Math.min(max, Math.max(1, Math.trunc(limit)));
};

export function parcelParams(filter: ParcelFilter): Record<string, string | number | boolean> {
  const params: Record<string, string | number | boolean> = {};
  const wall = clean(filter.wall);
  const state = clean(filter.state);
  const recipient = clean(filter.recipient);
  if (wall) params.wall = wall;
  if (state) params.state = state;
  if (recipient) params.recipient = recipient;
  if (filter.includeFinished) params.include_finished = true;
  params.limit = clampLimit(filter.limit, DEFAULT_PARCEL_LIMIT, MAX_AUDIT_LIMIT);
  return params;
}

export function auditParams(filter: AuditFilter): Record<string, string | number> {
  const params: Record<string, string | number> = {};
  const wall = clean(filter.wall);
  const action = clean(filter.action);
  const actor = clean(filter.actor);
  const parcelId = clean(filter.parcelId);
  const since = clean(filter.since);
  if (wall) params.wall = wall;
  if (action) params.action = action;
  if (actor) params.actor = actor;
  if (parcelId) params.parcel_id = parcelId;
  if (since) params.since = since;
  params.limit = clampLimit(filter.limit, DEFAULT_AUDIT_LIMIT, MAX_AUDIT_LIMIT);
  return params;
}

/** True when two filters ask the same of the backend (so a refetch can be skipped). */
export const sameParams = (a: Record<string, unknown>, b: Record<string, unknown>): boolean =>
  JSON.stringify(Object.entries(a).sort()) === JSON.stringify(Object.entries(b).sort());
