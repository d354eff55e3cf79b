/** Errors of commands and actions turned into a sentence for the user (never a raw object). */
import type { LocalizeFunc } from "../types";

export interface HaErrorLike {
  code?: string | number;
  message?: string;
  translation_key?: string;
  translation_domain?: string;
  translation_placeholders?: Record<string, string | number>;
}

/** What errorMessage needs of the panel's own strings. */
export type GenericErrors = (key: "error_unauthorized" | "error_connection" | "error_unknown") => string;

// home-assistant-js-websocket's numeric errors: connection lost, and the like.
const CONNECTION_CODES = new Set<string | number>([1, 2, 3, 4, "timeout", "home_assistant_error_connection"]);

export function errorMessage(error: unknown, localize: LocalizeFunc, generic: GenericErrors): string {
  if (typeof error === "string") return error.trim() || generic("error_unknown");
  if (error === null || typeof error !== "object") return generic("error_unknown");
  const e = error as HaErrorLike;
  if (typeof e.translation_key === "string" && e.translation_key) {
    const domain = e.translation_domain || "parcel_locker";
    const text = localize(`component.${domain}.exceptions.${e.translation_key}.message`, e.translation_placeholders ?? {});
    if (text) return text;
  }
  // A refused action comes back from `call_service` as Home Assistant's
  // Unauthorized, worded "Unauthorized" with code home_assistant_error.
  if (e.code === "unauthorized" || e.message === "Unauthorized") return generic("error_unauthorized");
  if (typeof e.message === "string" && e.message.trim()) return e.message.trim();
  if (e.code !== undefined && CONNECTION_CODES.has(e.code)) return generic("error_connection");
  return generic("error_unknown");
}
