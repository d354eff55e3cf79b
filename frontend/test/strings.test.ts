import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { makeLocalize } from "../dev/fake-hass";
import { makeTranslate, STRING_PREFIX } from "../src/strings";

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
    const t = makeTranslate(makeLocalize());
    expect(t("parcel_count", { count: 1 })).toBe("1 parcel");
    expect(t("parcel_count", { count: 2 })).toBe("2 parcels");
    expect(t("parcel_count", { count: 0 })).toBe("No parcels");
    expect(t("waiting_count", { count: 1 })).toBe("1 parcel waiting");
    expect(t("entry_count", { count: 1 })).toBe("1 entry");
    expect(t("kiosk_back_in", { seconds: 1 })).toBe("Back to the start in 1 second");
    expect(t("resident_ready", { count: 3 })).toBe("3 parcels ready to collect");
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
      ...["reserved", "stored", "return_waiting", "held", "return_to_sender", "collected", "cancelled", "expired"].map((s) => `parcel_state_${s}`),
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
