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
/** A text with plural forms: `<base>_one`, `<base>_other` (and `<base>_zero`, ...). */
export type PluralKey = { [K in StringKey]: K extends `${infer Base}_other` ? Base : never }[StringKey];
/** `tn("parcel_count", 2)`: the plural form of the language for `count`, `{count}` filled in. */
export type TranslateCount = (key: PluralKey, count: number, values?: Placeholders) => string;

export const STRING_PREFIX = "component.parcel_locker.selector.panel.options.";
export const TRANSLATION_CATEGORIES = ["selector", "entity", "exceptions"] as const;

/** `t(key)`; a key whose text is missing shows as the key (visible, never blank). */
export const makeTranslate =
  (localize: LocalizeFunc): Translate =>
  (key, values) =>
    localize(`${STRING_PREFIX}${key}`, values) || key;

/**
 * Plural forms as plain keys, picked here with the language's plural rules
 * (Home Assistant's backend cannot read ICU plural syntax in its strings):
 * `<base>_zero` for 0 where the text has one (a sentence such as "No parcels"),
 * else `<base>_<one|two|few|many|other>` as `Intl.PluralRules` says, else `<base>_other`.
 */
export function makeTranslateCount(localize: LocalizeFunc, language: string): TranslateCount {
  let rules: Intl.PluralRules;
  try {
    rules = new Intl.PluralRules(language);
  } catch {
    rules = new Intl.PluralRules("en");
  }
  const text = (key: string, values: Placeholders): string => localize(`${STRING_PREFIX}${key}`, values);
  return (key, count, values) => {
    const filled = { ...values, count };
    const forms = count === 0 ? ["zero", rules.select(count), "other"] : [rules.select(count), "other"];
    for (const form of forms) {
      const found = text(`${key}_${form}`, filled);
      if (found) return found;
    }
    return `${key}_other`;
  };
}

/** The translated name of a compartment status (the status sensor's own state names). */
export const statusName = (localize: LocalizeFunc, status: string): string =>
  localize(`component.parcel_locker.entity.sensor.status.state.${status}`) || status.replace(/_/g, " ");

/** Keys built from backend values (states, problems, audit actions): the text, or a readable fallback. */
export function dynamicText(t: Translate, key: string, fallback: string): string {
  const text = t(key as StringKey);
  return text === key ? fallback.replace(/_/g, " ") : text;
}
