import { describe, expect, it } from "vitest";
import { auditParams, parcelParams, sameParams } from "../src/logic/filters";
import { defaultColumns, gridCells, gridColumns, gridRows } from "../src/logic/grid";
import { canSubmit, groupDigits, initialKeypad, keypadReducer, type KeypadEvent } from "../src/logic/keypad";
import { deliveryOutcome, deliveryRequest, emptyDeliverForm, missing } from "../src/logic/kiosk";
import { searchRecipients } from "../src/logic/recipients";
import { defaultKioskTab, isKioskPath, kioskTabs, mainView, normaliseRole, pickTab, staffTabs } from "../src/logic/roles";
import { convertCelsius, formatTemperature, isFahrenheit } from "../src/logic/temperature";
import { groupProblems, problemSeverity, tileLook, worstSeverity } from "../src/logic/tiles";
import { deadlineState, formatDateTime, formatDay, relativeTime, selectUnit, timeZoneFor } from "../src/logic/time";
import type { CompartmentState } from "../src/types";
import { RECIPIENTS, sessionFor, wallStates } from "../dev/data";

describe("roles", () => {
  it("gives each role its views", () => {
    expect(staffTabs("staff")).toEqual(["walls", "parcels", "activity", "statistics"]);
    for (const role of ["courier", "resident", "visitor"] as const) expect(staffTabs(role)).toEqual([]);
    expect(kioskTabs("staff")).toEqual(["deliver", "pickup"]);
    expect(kioskTabs("courier")).toEqual(["deliver", "pickup"]);
    expect(kioskTabs("resident")).toEqual(["pickup"]);
    expect(kioskTabs("visitor")).toEqual(["pickup"]);
    expect(defaultKioskTab("courier")).toBe("deliver");
    expect(defaultKioskTab("visitor")).toBe("pickup");
    expect(mainView("resident")).toBe("resident");
  });

  it("treats an unknown role as a visitor", () => {
    expect(normaliseRole("admin")).toBe("visitor");
    expect(normaliseRole(undefined)).toBe("visitor");
    expect(normaliseRole("courier")).toBe("courier");
  });

  it("knows the kiosk path", () => {
    expect(isKioskPath("/kiosk")).toBe(true);
    expect(isKioskPath("/kiosk/pickup")).toBe(true);
    expect(isKioskPath("/kiosks")).toBe(false);
    expect(isKioskPath("")).toBe(false);
    expect(isKioskPath(undefined)).toBe(false);
  });

  it("never picks a tab the role may not see", () => {
    expect(pickTab(kioskTabs("visitor"), "deliver", "pickup")).toBe("pickup");
    expect(pickTab(kioskTabs("courier"), "pickup", "pickup")).toBe("pickup");
    expect(pickTab(staffTabs("staff"), "nonsense", "walls")).toBe("walls");
    expect(pickTab([], "walls", "walls")).toBe("walls");
  });
});

describe("grid", () => {
  it("uses the hint when it fits", () => {
    expect(gridColumns(24, 6, 1000, 84)).toBe(6);
    expect(gridColumns(24, 6, 0, 84)).toBe(6);
  });

  it("reflows on a narrow screen, keeping a divisor of the hint", () => {
    // 358 px fits 4 tiles of 68 px; 3 divides 6 so half the wall stays half the wall.
    expect(gridColumns(24, 6, 358, 68)).toBe(3);
    expect(gridColumns(24, 8, 358, 68)).toBe(4);
    // 7 does not divide evenly into anything in [3, 5]: as many as fit.
    expect(gridColumns(21, 7, 400, 68)).toBe(5);
    expect(gridColumns(24, 6, 50, 68)).toBe(1);
  });

  it("falls back to a near square without a hint, and never more columns than compartments", () => {
    expect(defaultColumns(24)).toBe(5);
    expect(gridColumns(24, null, 2000, 84)).toBe(5);
    expect(gridColumns(3, 8, 2000, 84)).toBe(3);
    expect(gridColumns(0, null, 2000, 84)).toBe(1);
  });

  it("lays compartments out in rows by number", () => {
    const compartments = [3, 1, 2, 5, 4].map((number) => ({ number }) as CompartmentState);
    const rows = gridCells(compartments, 2);
    expect(rows.map((row) => row.map((c) => c.number))).toEqual([[1, 2], [3, 4], [5]]);
    expect(gridRows(5, 2)).toBe(3);
    expect(gridRows(24, 6)).toBe(4);
  });
});

describe("tiles", () => {
  const [wallA] = wallStates(new Date("2026-11-29T12:00:00Z"));
  const at = (n: number): CompartmentState => wallA!.compartments[n - 1]!;

  it("shows every status by colour and icon", () => {
    const free = tileLook(at(1), true);
    expect(free).toMatchObject({ tone: "free", icon: "free", severity: "none", door: "closed", parcel: false });
    expect(free.color).toContain("--success-color");
    const occupied = tileLook(at(7), true);
    expect(occupied).toMatchObject({ tone: "occupied", icon: "occupied", parcel: true });
    expect(tileLook(at(14), true)).toMatchObject({ tone: "reserved", icon: "reserved", door: "open" });
    expect(tileLook(at(18), true)).toMatchObject({ tone: "out_of_service", icon: "out_of_service" });
    const looks = [1, 7, 14, 18].map((n) => tileLook(at(n), true));
    expect(new Set(looks.map((l) => l.color)).size).toBe(4);
    expect(new Set(looks.map((l) => l.icon)).size).toBe(4);
  });

  it("marks problems with a badge per problem and the worst severity", () => {
    const forced = tileLook(at(3), true);
    expect(forced.severity).toBe("error");
    expect(forced.badges).toEqual([{ problem: "forced_door", severity: "error", icon: "door_open" }]);
    const warm = tileLook(at(22), true);
    expect(warm).toMatchObject({ severity: "warning", cold: true });
    expect(worstSeverity(["door_left_open", "parcel_missing"])).toBe("error");
    expect(worstSeverity([])).toBe("none");
    expect(problemSeverity("something_new")).toBe("warning");
  });

  it("shows an offline wall as offline, door unknown", () => {
    expect(tileLook(at(7), false)).toMatchObject({ tone: "offline", icon: "offline", door: "unknown" });
  });

  it("shows a parcel from the ledger when there is no presence sensor", () => {
    expect(tileLook({ ...at(7), present: null }, true).parcel).toBe(true);
    expect(tileLook({ ...at(1), present: null }, true).parcel).toBe(false);
    expect(tileLook({ ...at(1), present: true }, true).parcel).toBe(true);
  });

  it("groups a wall's problems, errors first", () => {
    const groups = groupProblems([
      { problem: "door_left_open", compartment: "A-09" },
      { problem: "forced_door", compartment: "A-03" },
      { problem: "door_left_open", compartment: "A-02" },
      { problem: "keypad_locked_out", compartment: null },
    ]);
    expect(groups).toEqual([
      { problem: "forced_door", severity: "error", compartments: ["A-03"] },
      { problem: "door_left_open", severity: "warning", compartments: ["A-02", "A-09"] },
      { problem: "keypad_locked_out", severity: "warning", compartments: [] },
    ]);
  });
});

describe("temperature", () => {
  it("converts to the user's unit", () => {
    expect(convertCelsius(4, "°C")).toBe(4);
    expect(convertCelsius(4, "°F")).toBeCloseTo(39.2);
    expect(convertCelsius(-40, "°F")).toBe(-40);
    expect(isFahrenheit("°F")).toBe(true);
    expect(isFahrenheit("°C")).toBe(false);
    expect(isFahrenheit(undefined)).toBe(false);
  });

  it("formats with one decimal in the user's locale", () => {
    expect(formatTemperature(4.24, "°C", "en")).toBe("4.2 °C");
    expect(formatTemperature(4, "°F", "en")).toBe("39.2 °F");
    expect(formatTemperature(9.4, "°C", "de")).toBe("9,4 °C");
    expect(formatTemperature(null, "°C", "en")).toBe("");
    expect(formatTemperature(Number.NaN, "°C", "en")).toBe("");
  });
});

describe("time", () => {
  const now = new Date("2026-11-29T12:00:00Z");

  it("picks a unit like Home Assistant", () => {
    expect(selectUnit(-10)).toEqual({ value: -10, unit: "second" });
    expect(selectUnit(-90)).toEqual({ value: -2, unit: "minute" });
    expect(selectUnit(-3 * 3600)).toEqual({ value: -3, unit: "hour" });
    expect(selectUnit(2 * 86400)).toEqual({ value: 2, unit: "day" });
    expect(selectUnit(-8 * 86400)).toEqual({ value: -1, unit: "week" });
    expect(selectUnit(-60 * 86400)).toEqual({ value: -2, unit: "month" });
  });

  it("says times relative to now", () => {
    expect(relativeTime("2026-11-29T09:00:00Z", now, "en")).toBe("3 hours ago");
    expect(relativeTime("2026-11-28T12:00:00Z", now, "en")).toBe("yesterday");
    expect(relativeTime("2026-12-01T12:00:00Z", now, "en")).toBe("in 2 days");
    expect(relativeTime(null, now, "en")).toBe("");
    expect(relativeTime("not a date", now, "en")).toBe("");
  });

  it("formats absolute times in the chosen time zone", () => {
    expect(formatDateTime("2026-12-02T10:02:00Z", "en-GB", "UTC")).toBe("Wed 2 Dec, 10:02");
    expect(formatDateTime("2026-12-02T10:02:00Z", "en-GB", "Europe/Amsterdam")).toBe("Wed 2 Dec, 11:02");
    expect(formatDay("2026-11-01", "en-GB")).toBe("1 Nov");
  });

  it("knows when a deadline is close", () => {
    expect(deadlineState(null, now)).toBe("none");
    expect(deadlineState("2026-12-05T12:00:00Z", now)).toBe("ok");
    expect(deadlineState("2026-11-30T06:00:00Z", now)).toBe("soon");
    expect(deadlineState("2026-11-29T11:00:00Z", now)).toBe("passed");
  });

  it("uses the server's time zone only when the profile asks", () => {
    expect(timeZoneFor({ locale: { time_zone: "server" }, config: { time_zone: "Europe/Paris" } })).toBe("Europe/Paris");
    expect(timeZoneFor({ locale: { time_zone: "local" }, config: { time_zone: "Europe/Paris" } })).toBeUndefined();
  });
});

describe("keypad", () => {
  const run = (events: KeypadEvent[]) => events.reduce(keypadReducer, initialKeypad());
  const digits = (text: string): KeypadEvent[] => [...text].map((digit) => ({ type: "digit", digit }));

  it("collects digits up to ten and edits them", () => {
    expect(run(digits("0471")).digits).toBe("0471");
    expect(run(digits("123456789012")).digits).toBe("1234567890");
    expect(run([...digits("123"), { type: "backspace" }]).digits).toBe("12");
    expect(run([...digits("123"), { type: "clear" }]).digits).toBe("");
    expect(run([{ type: "digit", digit: "x" }]).digits).toBe("");
  });

  it("submits only a plausible code, once", () => {
    expect(canSubmit(run(digits("12345")))).toBe(false);
    const ready = run(digits("123456"));
    expect(canSubmit(ready)).toBe(true);
    const sent = keypadReducer(ready, { type: "submit" });
    expect(sent.phase).toBe("submitting");
    expect(keypadReducer(sent, { type: "digit", digit: "7" })).toBe(sent);
    expect(keypadReducer(sent, { type: "clear" })).toBe(sent);
    expect(run([...digits("12345"), { type: "submit" }]).phase).toBe("entering");
  });

  it("goes to done or failed, and a new digit after a failure starts a new code", () => {
    const sent = run([...digits("04718265"), { type: "submit" }]);
    expect(keypadReducer(sent, { type: "succeeded" })).toEqual({ digits: "", phase: "done" });
    const failed = keypadReducer(sent, { type: "failed" });
    expect(failed).toEqual({ digits: "04718265", phase: "failed" });
    expect(keypadReducer(failed, { type: "digit", digit: "9" })).toEqual({ digits: "9", phase: "entering" });
    expect(keypadReducer(failed, { type: "backspace" }).phase).toBe("entering");
    expect(keypadReducer(failed, { type: "reset" })).toEqual(initialKeypad());
    expect(keypadReducer(initialKeypad(), { type: "succeeded" })).toEqual(initialKeypad());
  });

  it("groups digits for reading", () => {
    expect(groupDigits("04718265")).toBe("0471 8265");
    expect(groupDigits("0471826512")).toBe("0471 8265 12");
    expect(groupDigits("047")).toBe("047");
  });
});

describe("filters", () => {
  it("leaves out empty fields and trims text", () => {
    expect(parcelParams({})).toEqual({ limit: 200 });
    expect(parcelParams({ wall: "W", state: "", recipient: "  bob ", includeFinished: true, limit: 50 })).toEqual({
      wall: "W",
      recipient: "bob",
      include_finished: true,
      limit: 50,
    });
    expect(auditParams({ wall: "", action: "redeem", actor: " Sam ", parcelId: "p1", since: "" })).toEqual({
      action: "redeem",
      actor: "Sam",
      parcel_id: "p1",
      limit: 200,
    });
  });

  it("keeps the limit within what the backend allows", () => {
    expect(auditParams({ limit: 5000 }).limit).toBe(1000);
    expect(auditParams({ limit: 0 }).limit).toBe(1);
    expect(auditParams({ limit: Number.NaN }).limit).toBe(200);
  });

  it("compares parameters whatever their order", () => {
    expect(sameParams({ a: 1, b: 2 }, { b: 2, a: 1 })).toBe(true);
    expect(sameParams({ a: 1 }, { a: 2 })).toBe(false);
  });
});

describe("recipients search", () => {
  it("finds word starts first, ignores case and accents", () => {
    expect(searchRecipients(RECIPIENTS, "mar").map((r) => r.name)).toEqual(["Alice Martin", "Anne-Marie O'Neil", "Bob Martin"]);
    expect(searchRecipients(RECIPIENTS, "zoe").map((r) => r.name)).toEqual(["Zoë Müller"]);
    expect(searchRecipients(RECIPIENTS, "MULL").map((r) => r.name)).toEqual(["Zoë Müller"]);
    expect(searchRecipients(RECIPIENTS, "bob")[0]?.id).toBe("person.bob");
    expect(searchRecipients(RECIPIENTS, "  ")).toEqual([]);
    expect(searchRecipients(RECIPIENTS, "a", 3)).toHaveLength(3);
  });
});

describe("kiosk delivery form", () => {
  const session = sessionFor("courier");
  const bob = { id: "person.bob", name: "Bob Martin" };

  it("says what is missing, in order", () => {
    const form = emptyDeliverForm(session);
    expect(form.wall).toBeNull();
    expect(missing(form, 2)).toEqual(["recipient", "size", "wall"]);
    expect(missing({ ...form, recipient: bob, size: "M", wall: "W" }, 2)).toEqual([]);
    expect(missing({ ...form, mode: "tracking" }, 1)).toEqual(["tracking"]);
    expect(missing({ ...form, mode: "tracking", tracking: " JJD01 " }, 1)).toEqual([]);
  });

  it("picks the only wall or the kiosk's wall", () => {
    expect(emptyDeliverForm({ walls: session.walls.slice(0, 1), kiosk_wall: null }).wall).toBe(session.walls[0]?.wall_id);
    expect(emptyDeliverForm({ walls: session.walls, kiosk_wall: "K" }).wall).toBe("K");
  });

  it("builds the assign_delivery data", () => {
    const form = { ...emptyDeliverForm(session), recipient: bob, size: "M", cold: true, wall: "W" };
    expect(deliveryRequest(form)).toEqual({ recipient: "person.bob", size: "M", cold: true, wall: "W" });
    expect(deliveryRequest({ ...form, cold: false })).toEqual({ recipient: "person.bob", size: "M", cold: false, wall: "W" });
    expect(deliveryRequest({ ...form, mode: "tracking", tracking: " JJD01 ", size: null, wall: null })).toEqual({
      tracking: "JJD01",
      cold: true,
    });
  });

  it("lets a tracking number alone bring the announcement's size and cold", () => {
    const form = { ...emptyDeliverForm(session), mode: "tracking" as const, tracking: "JJD 0099 1234", wall: "W" };
    // Not "cold: false": that would put an announced cold parcel in a warm compartment.
    expect(deliveryRequest(form)).toEqual({ tracking: "JJD 0099 1234", wall: "W" });
  });

  it("shows the compartment, or says to keep the parcel at the desk and why", () => {
    const tracking = { ...emptyDeliverForm(session), mode: "tracking" as const, tracking: " PIC 77 " };
    const placed = { parcel_id: "p1", recipient: "person.bob", compartment: "A-05", wall: "W", wall_name: "Wall A", held: false };
    expect(deliveryOutcome(placed, tracking, RECIPIENTS)).toEqual({ held: false, compartment: "A-05", name: "Bob Martin", notReady: [] });
    const held = { ...placed, recipient: "person.heidi", compartment: null, wall: null, wall_name: null, held: true, not_ready: ["A-21"] };
    expect(deliveryOutcome(held, tracking, RECIPIENTS)).toEqual({ held: true, compartment: null, name: "Heidi Schmid", notReady: ["A-21"] });
    // Nobody the kiosk knows by name: the tracking number names the parcel.
    expect(deliveryOutcome({ ...held, recipient: null }, tracking, []).name).toBe("PIC 77");
    expect(deliveryOutcome({ ...held, not_ready: undefined }, { ...tracking, recipient: bob }, []).notReady).toEqual([]);
  });
});
