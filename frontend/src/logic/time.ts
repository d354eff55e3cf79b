/** Relative and absolute times in the user's language and time zone. */

type RelUnit = "second" | "minute" | "hour" | "day" | "week" | "month" | "year";

const MINUTE = 60;
const HOUR = 3600;
const DAY = 86400;

/** The unit and value to say a difference of `seconds` in (like Home Assistant's selectUnit). */
export function selectUnit(seconds: number): { value: number; unit: RelUnit } {
  const abs = Math.abs(seconds);
  const sign = seconds < 0 ? -1 : 1;
  if (abs < 45) return { value: Math.round(seconds), unit: "second" };
  if (abs < 45 * MINUTE) return { value: sign * Math.max(1, Math.round(abs / MINUTE)), unit: "minute" };
  if (abs < 22 * HOUR) return { value: sign * Math.max(1, Math.round(abs / HOUR)), unit: "hour" };
  if (abs < 6 * DAY) return { value: sign * Math.max(1, Math.round(abs / DAY)), unit: "day" };
  if (abs < 28 * DAY) return { value: sign * Math.round(abs / (7 * DAY)), unit: "week" };
  if (abs < 365 * DAY) return { value: sign * Math.max(1, Math.round(abs / (30 * DAY))), unit: "month" };
  return { value: sign * Math.round(abs / (365 * DAY)), unit: "year" };
}

export const parseTime = (iso: string | null | undefined): Date | null => {
  if (!iso) return null;
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? null : date;
};

/** "3 hours ago", "in 2 days", "yesterday"; "" when there is no time. */
export function relativeTime(iso: string | null | undefined, now: Date, locale: string): string {
  const date = parseTime(iso);
  if (!date) return "";
  const { value, unit } = selectUnit((date.getTime() - now.getTime()) / 1000);
  return new Intl.RelativeTimeFormat(locale, { numeric: "auto" }).format(value, unit);
}

/** "Tue 2 Dec, 10:02" in the user's locale and time zone. */
export function formatDateTime(iso: string | null | undefined, locale: string, timeZone?: string): string {
  const date = parseTime(iso);
  if (!date) return "";
  return new Intl.DateTimeFormat(locale, {
    weekday: "short",
    day: "numeric",
    month: "short",
    hour: "2-digit",
    minute: "2-digit",
    ...(timeZone ? { timeZone } : {}),
  }).format(date);
}

/** "2 Dec" for chart axes (dates without time, as the statistics give them). */
export function formatDay(date: string, locale: string): string {
  const parsed = parseTime(`${date}T12:00:00Z`);
  if (!parsed) return date;
  return new Intl.DateTimeFormat(locale, { day: "numeric", month: "short", timeZone: "UTC" }).format(parsed);
}

export type DeadlineState = "none" | "ok" | "soon" | "passed";

/** How close a deadline is: "soon" within a day. */
export function deadlineState(iso: string | null | undefined, now: Date): DeadlineState {
  const date = parseTime(iso);
  if (!date) return "none";
  const left = date.getTime() - now.getTime();
  if (left <= 0) return "passed";
  return left < DAY * 1000 ? "soon" : "ok";
}

/** The time zone to show times in: the server's when the user's profile says so. */
export function timeZoneFor(hass: { locale?: { time_zone?: string }; config: { time_zone?: string } }): string | undefined {
  return hass.locale?.time_zone === "server" ? hass.config.time_zone : undefined;
}
