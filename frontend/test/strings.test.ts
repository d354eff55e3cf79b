import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeLocalize } from "../dev/fake-hass";
import { ALL_STATES } from "../src/logic/parcels";
import { makeTranslate, makeTranslateCount, STRING_PREFIX } from "../src/strings";

const root = join(import.meta.dirname, "..", "..", "custom_components", "parcel_locker");
type Tree = { selector: { panel: { options: Record<string, string> } } };
const strings = JSON.parse(readFileSync(join(root, "strings.json"), "utf8")) as Tree;
const en = JSON.parse(readFileSync(join(root, "translations", "en.json"), "utf8")) as Tree;
const panel = strings.selector.panel.options;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

describe("the panel's strings", () => {
  it("are the same in strings.json and translations/en.json", () => {
    expect(en.selector.panel.options).toEqual(panel);
  });

  it("follow hassfest's rules", () => {
    for (const [key, value] of Object.entries(panel)) {
      expect(key, key).toMatch(/^[a-z0-9]+(_[a-z0-9]+)*$/);
      expect(value, key).toBe(value.trim());
      expect(value, key).not.toContain("{{");
      expect(value, key).not.toMatch(/<[a-z/]/i);
      expect(value, key).not.toMatch(/'\{[a-z_]+\}'/);
    }
  });

  it("say 1 parcel and 2 parcels", () => {
    const tn = makeTranslateCount(makeLocalize(), "en");
    expect(tn("parcel_count", 1)).toBe("1 parcel");
    expect(tn("parcel_count", 2)).toBe("2 parcels");
    expect(tn("parcel_count", 0)).toBe("No parcels");
    expect(tn("waiting_count", 1)).toBe("1 parcel waiting");
    expect(tn("waiting_count", 21)).toBe("21 parcels waiting");
    expect(tn("entry_count", 1)).toBe("1 entry");
    expect(tn("kiosk_back_in", 1)).toBe("Back to the start in 1 second");
    expect(tn("kiosk_back_in", 0)).toBe("Back to the start in 0 seconds");
    expect(tn("resident_ready", 3)).toBe("3 parcels ready to collect");
    expect(tn("kiosk_held_not_ready", 1, { compartments: "A-21" })).toBe("The cooled compartment A-21 is not cold enough for it right now.");
  });

  it("pick the plural form by the language's rules, falling back to other", () => {
    // Only "other" forms in a language whose rules know "few" (Polish: 2-4).
    const localize = (key: string, values?: Record<string, unknown>) =>
      key.endsWith("parcel_count_other") ? `${String(values?.count)} x` : key.endsWith("parcel_count_few") ? `${String(values?.count)} few` : "";
    const polish = makeTranslateCount(localize, "pl");
    expect(polish("parcel_count", 3)).toBe("3 few");
    expect(polish("parcel_count", 5)).toBe("5 x");
    expect(polish("parcel_count", 0)).toBe("0 x");
    expect(makeTranslateCount(localize, "no such language!")("parcel_count", 3)).toBe("3 x");
    expect(makeTranslateCount(() => "", "en")("parcel_count", 3)).toBe("parcel_count_other");
  });

  it("never use ICU plural syntax, which Home Assistant's backend cannot parse", () => {
    for (const [key, value] of Object.entries(panel)) expect(value, key).not.toMatch(/\{\w+,\s*(plural|select)/);
  });

  it("cover every key the sources build dynamically", () => {
    const text = sources(join(import.meta.dirname, "..", "src"))
      .map((file) => readFileSync(file, "utf8"))
      .join("\n");
    const dynamic = [
      ...["recipient", "tracking", "size", "wall"].map((m) => `kiosk_missing_${m}`),
      ...["deliver", "pickup"].map((tab) => `kiosk_tab_${tab}`),
      ...["walls", "parcels", "activity", "statistics"].map((tab) => `tab_${tab}`),
      ...["not_ours", "missing_code", "bad_code"].map((r) => `qr_${r}`),
      ...["camera", "no_qr"].map((r) => `scan_failed_${r}`),
      ...["forced_door", "door_left_open", "temperature_out_of_band", "probe_silent", "keypad_locked_out", "parcel_missing", "unexpected_parcel", "controller_offline"].map((p) => `problem_${p}`),
      ...ALL_STATES.map((s) => `parcel_state_${s}`),
    ];
    for (const key of dynamic) expect(panel, key).toHaveProperty(key);
    expect(text).toContain("kiosk_missing_");
    expect(STRING_PREFIX).toBe("component.parcel_locker.selector.panel.options.");
  });

  it("show a missing key as the key, never blank", () => {
    const t = makeTranslate(() => "");
    expect(t("title")).toBe("title");
  });
});
