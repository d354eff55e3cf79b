/**
 * Every text the panel shows comes from the integration's strings:
 * `component.parcel_locker.selector.panel.options.<key>` (strings.json / translations/en.json),
 * loaded with `hass.loadBackendTranslation("selector", "parcel_locker")`.
 * The key type is read from en.json, so a missing key fails the type check.
 */
import type en from "../../custom_components/parcel_locker/translations/en.json";
import type { LocalizeFunc } from "./types";

export type StringKey = keyof (typeof en)["selector"]["panel"]["options"];
export type Placeholders = Record<string, string | number>;
export type Translate = (key: StringKey, values?: Placeholders) => string;

export const STRING_PREFIX = "component.parcel_locker.selector.panel.options.";
export const TRANSLATION_CATEGORIES = ["selector", "entity", "exceptions"] as const;

/** `t(key)`; a key whose text is missing shows as the key (visible, never blank). */
export const makeTranslate =
  (localize: LocalizeFunc): Translate =>
  (key, values) =>
    localize(`${STRING_PREFIX}${key}`, values) || key;

/** The translated name of a compartment status (the status sensor's own state names). */
export const statusName = (localize: LocalizeFunc, status: string): string =>
  localize(`component.parcel_locker.entity.sensor.status.state.${status}`) || status.replace(/_/g, " ");

/** Keys built from backend values (states, problems, audit actions): the text, or a readable fallback. */
export function dynamicText(t: Translate, key: string, fallback: string): string {
  const text = t(key as StringKey);
  return text === key ? fallback.replace(/_/g, " ") : text;
}
