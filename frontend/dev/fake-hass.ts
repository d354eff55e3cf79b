/**
 * A fake `hass` for the dev harness and the component tests: the websocket commands and
 * actions of the contract answered from dev/data.ts, localize from translations/en.json
 * with ICU plurals (intl-messageformat, as Home Assistant itself does).
 */
import { IntlMessageFormat } from "intl-messageformat";
import en from "../../custom_components/parcel_locker/translations/en.json";
import type {
  AssignResult,
  Hass,
  HassMessage,
  LocalizeFunc,
  Parcel,
  RedeemResult,
  Role,
  SubscriptionUpdate,
} from "../src/types";
import {
  activeParcels,
  AUDIT_ACTIONS,
  auditEntries,
  finishedParcels,
  RECIPIENTS,
  sessionFor,
  statistics,
  WALLS,
  wallStates,
} from "./data";

export const GOOD_CODE = "04718265";

export interface FakeOptions {
  role: Role;
  language?: string;
  unit?: "°C" | "°F";
  dark?: boolean;
  now?: Date;
  /** A resident with no parcels (the empty state). */
  empty?: boolean;
  /** Milliseconds every answer waits (to see loading states). */
  delay?: number;
}

export interface FakeHass {
  hass: Hass;
  /** Every websocket message the panel sent, in order. */
  calls: HassMessage[];
  /** Service calls only: [service, data]. */
  services: [string, Record<string, unknown>][];
  /** Send a subscription update to the panel. */
  push(update: SubscriptionUpdate): void;
}

/** "component.parcel_locker.selector.panel.options.title" -> text, from en.json. */
export function flatten(tree: unknown, prefix: string, out: Record<string, string> = {}): Record<string, string> {
  if (typeof tree === "string") out[prefix] = tree;
  else if (tree && typeof tree === "object") {
    for (const [key, value] of Object.entries(tree)) flatten(value, `${prefix}.${key}`, out);
  }
  return out;
}

export function makeLocalize(language = "en"): LocalizeFunc {
  const resources = flatten(en, "component.parcel_locker");
  const cache = new Map<string, IntlMessageFormat>();
  return (key, values) => {
    const text = resources[key];
    if (text === undefined) return "";
    let format = cache.get(key);
    if (!format) {
      format = new IntlMessageFormat(text, language);
      cache.set(key, format);
    }
    try {
      return String(format.format(values ?? {}));
    } catch {
      return text;
    }
  };
}

/** An error as Home Assistant's websocket sends it for a translated ServiceValidationError. */
export const serviceError = (key: string, placeholders: Record<string, string | number>, message: string) => ({
  code: "service_validation_error",
  message,
  translation_domain: "parcel_locker",
  translation_key: key,
  translation_placeholders: placeholders,
});

export function createFakeHass(options: FakeOptions): FakeHass {
  const now = options.now ?? new Date();
  const session = sessionFor(options.role);
  const calls: HassMessage[] = [];
  const services: [string, Record<string, unknown>][] = [];
  const listeners = new Set<(update: SubscriptionUpdate) => void>();
  const localize = makeLocalize(options.language);
  const wait = () => new Promise((resolve) => setTimeout(resolve, options.delay ?? 0));

  const visibleParcels = (): Parcel[] => {
    const all = activeParcels(now);
    if (options.role === "staff") return all;
    if (options.role === "resident" && !options.empty) {
      return all.filter((p) => p.recipient !== null && session.household.includes(p.recipient));
    }
    return [];
  };

  let assigned = 0;
  const callService = (service: string, data: Record<string, unknown>): unknown => {
    services.push([service, data]);
    switch (service) {
      case "assign_delivery": {
        assigned += 1;
        // As the backend: a tracking number alone takes recipient, size and cold from its announcement.
        const key = (text: unknown) => (typeof text === "string" ? text.replace(/\s/g, "").toUpperCase() : "");
        const announced = data.tracking ? activeParcels(now).find((p) => p.state === "announced" && key(p.tracking) === key(data.tracking)) : undefined;
        if (!data.recipient && !announced) {
          const tracking = typeof data.tracking === "string" ? data.tracking : "";
          throw serviceError("tracking_not_announced", { tracking }, `No delivery with tracking number ${tracking} was announced: name the recipient.`);
        }
        const size = typeof data.size === "string" ? data.size : (announced?.size ?? "S");
        const cold = typeof data.cold === "boolean" ? data.cold : (announced?.cold ?? false);
        // Nothing fits an XL parcel here; the cooled compartments are too warm.
        const held = size === "XL";
        const result: AssignResult = {
          parcel_id: announced?.parcel_id ?? `pnew${String(assigned).padStart(8, "0")}`,
          recipient: typeof data.recipient === "string" ? data.recipient : (announced?.recipient ?? null),
          compartment: held ? null : "A-05",
          wall: held ? null : (WALLS[0]?.wall_id ?? null),
          wall_name: held ? null : "Wall A",
          held,
          ...(held ? { not_ready: cold ? ["A-21", "A-22"] : [] } : {}),
        };
        return { response: result };
      }
      case "issue_code":
        return { response: { code: "99999999" } };
      default:
        return null;
    }
  };

  const callWS = async (message: HassMessage): Promise<unknown> => {
    calls.push(message);
    await wait();
    switch (message.type) {
      case "parcel_locker/session":
        return session;
      case "parcel_locker/recipients":
        if (options.role !== "staff" && options.role !== "courier") throw { code: "unauthorized", message: "Unauthorized" };
        return { recipients: RECIPIENTS };
      case "parcel_locker/parcels": {
        let list = [...activeParcels(now), ...(message.include_finished ? finishedParcels(now) : [])];
        if (typeof message.wall === "string") list = list.filter((p) => p.wall === message.wall);
        if (typeof message.state === "string") list = list.filter((p) => p.state === message.state);
        return { parcels: list };
      }
      case "parcel_locker/audit": {
        let entries = auditEntries(now);
        if (typeof message.wall === "string") entries = entries.filter((e) => e.wall === message.wall);
        if (typeof message.action === "string") entries = entries.filter((e) => e.action === message.action);
        if (typeof message.actor === "string") {
          const actor = message.actor.toLowerCase();
          entries = entries.filter((e) => (e.actor ?? "").toLowerCase().includes(actor));
        }
        if (typeof message.parcel_id === "string") entries = entries.filter((e) => e.parcel_id === message.parcel_id);
        return { entries, actions: AUDIT_ACTIONS };
      }
      case "parcel_locker/redeem": {
        if (message.code !== GOOD_CODE) {
          throw serviceError(
            "invalid_code",
            { remaining: 4 },
            "That code is not valid. 4 more wrong codes and you are locked out for a while.",
          );
        }
        const result: RedeemResult = { compartment: "A-07", wall: WALLS[0]?.wall_id ?? "", wall_name: "Wall A", parcel_id: null };
        return result;
      }
      case "parcel_locker/statistics":
        return { walls: statistics(now, typeof message.days === "number" ? message.days : 30) };
      case "call_service":
        return callService(String(message.service), (message.service_data ?? {}) as Record<string, unknown>);
      default:
        throw { code: "unknown_command", message: `Unknown command ${message.type}` };
    }
  };

  const hass: Hass = {
    language: options.language ?? "en",
    locale: { language: options.language ?? "en", time_zone: "local" },
    config: { unit_system: { temperature: options.unit ?? "°C" }, time_zone: "Europe/Amsterdam" },
    themes: { darkMode: options.dark ?? false },
    user: { id: `user-${options.role}`, name: session.user_name, is_admin: options.role === "staff" },
    localize,
    loadBackendTranslation: () => Promise.resolve(localize),
    callWS: <T>(message: HassMessage) => callWS(message) as Promise<T>,
    connection: {
      subscribeMessage: <T>(callback: (message: T) => void, message: HassMessage) => {
        calls.push(message);
        const listener = callback as unknown as (update: SubscriptionUpdate) => void;
        listeners.add(listener);
        listener({ parcels: visibleParcels(), walls: options.role === "staff" ? wallStates(now) : [] });
        return Promise.resolve(() => {
          listeners.delete(listener);
        });
      },
    },
  };
  return {
    hass,
    calls,
    services,
    push: (update) => {
      for (const listener of listeners) listener(update);
    },
  };
}
