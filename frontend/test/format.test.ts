import { describe, expect, it } from "vitest";
import { errorMessage } from "../src/logic/errors";
import { activeParcels, finishedParcels } from "../dev/data";
import {
  countByState,
  filterParcels,
  FINISHED_STATES,
  isCollectable,
  parcelActionIds,
  placeOf,
  residentCodeApplies,
  residentParcels,
  sortNewestFirst,
  sortParcels,
} from "../src/logic/parcels";
import type { ParcelState } from "../src/types";
import { areaPath, bars, linePath, maxOf, mean, niceMax } from "../src/logic/stats";
import { makeLocalize, serviceError } from "../dev/fake-hass";

const now = new Date("2026-11-29T12:00:00Z");
const localize = makeLocalize();
const generic = (key: string) => `generic:${key}`;

describe("errors", () => {
  it("translates an action's error with its placeholders", () => {
    const error = serviceError("invalid_code", { remaining: 2 }, "raw message");
    expect(errorMessage(error, localize, generic)).toBe("That code is not valid. 2 more wrong codes and you are locked out for a while.");
  });

  it("falls back to the message, then to a generic sentence, never an object", () => {
    expect(errorMessage({ translation_key: "no_such_key", message: "Backend says no" }, localize, generic)).toBe("Backend says no");
    expect(errorMessage({ code: "unauthorized", message: "Unauthorized" }, localize, generic)).toBe("generic:error_unauthorized");
    // An action refused to the user, as call_service answers it.
    expect(errorMessage({ code: "home_assistant_error", message: "Unauthorized" }, localize, generic)).toBe(
      "generic:error_unauthorized",
    );
    expect(errorMessage({ code: 3 }, localize, generic)).toBe("generic:error_connection");
    expect(errorMessage(new Error("boom"), localize, generic)).toBe("boom");
    expect(errorMessage("plain text", localize, generic)).toBe("plain text");
    expect(errorMessage({}, localize, generic)).toBe("generic:error_unknown");
    expect(errorMessage(null, localize, generic)).toBe("generic:error_unknown");
    expect(errorMessage(42, localize, generic)).toBe("generic:error_unknown");
    expect(errorMessage({ message: { nested: true } }, localize, generic)).toBe("generic:error_unknown");
  });
});

describe("parcels", () => {
  const parcels = activeParcels(now);

  it("shows a resident exactly their household's active parcels", () => {
    const mine = residentParcels([...parcels, ...finishedParcels(now)], "person.bob", ["person.bob", "person.alice"]);
    expect(mine.map((p) => p.parcel_id).sort()).toEqual(["p21c0ld5e6f7", "p7a1c2e4b901", "pann0bob0001", "pheld0009xl1"]);
    // Expected parcels come last: they are not here yet.
    expect(mine.at(-1)?.state).toBe("announced");
    expect(residentParcels(parcels, "person.carol", [])).toHaveLength(1);
    expect(residentParcels(parcels, null, [])).toEqual([]);
  });

  it("puts parcels to collect first, by the closest deadline", () => {
    const order = sortParcels(parcels).map((p) => p.state);
    expect(order.indexOf("stored")).toBe(0);
    expect(order.lastIndexOf("stored")).toBeLessThan(order.indexOf("held"));
    const stored = sortParcels(parcels).filter((p) => p.state === "stored");
    const deadlines = stored.map((p) => Date.parse(p.deadline ?? ""));
    expect([...deadlines].sort((a, b) => a - b)).toEqual(deadlines);
    const newest = sortNewestFirst(parcels);
    expect(newest[0]?.parcel_id).toBe("pa14dave0001");
  });

  it("filters by wall, state, text and finished", () => {
    expect(filterParcels(parcels, { wall: "01JDWALLB000000000000000BB" }).every((p) => p.wall_name === "Wall B")).toBe(true);
    expect(filterParcels(parcels, { state: "held" }).map((p) => p.parcel_id)).toEqual(["pheld0009xl1"]);
    expect(filterParcels(parcels, { text: "martin" })).toHaveLength(4);
    expect(filterParcels(parcels, { text: "jjd00991234" })).toHaveLength(0); // spaces as printed
    expect(filterParcels(parcels, { state: "announced" }).map((p) => p.parcel_id)).toEqual(["pann0bob0001", "pann0heidi01"]);
    expect(filterParcels(parcels, { text: "JJD0146" })).toHaveLength(1);
    expect(filterParcels(parcels, { text: "a-07" })).toHaveLength(1);
    const all = [...parcels, ...finishedParcels(now)];
    expect(filterParcels(all, {})).toHaveLength(parcels.length);
    expect(filterParcels(all, { includeFinished: true })).toHaveLength(all.length);
    expect(filterParcels(all, { state: "collected" })).toHaveLength(1);
    expect(filterParcels(all, { state: "returned" })).toHaveLength(1);
  });

  it("opens only a parcel waiting in a compartment", () => {
    const byId = (id: string) => parcels.find((p) => p.parcel_id === id)!;
    expect(isCollectable(byId("p7a1c2e4b901"))).toBe(true);
    expect(isCollectable(byId("pheld0009xl1"))).toBe(false);
    expect(isCollectable(byId("pa14dave0001"))).toBe(false);
    expect(isCollectable({ ...byId("p7a1c2e4b901"), can_open: false })).toBe(false);
    expect(countByState(parcels)).toMatchObject({ stored: 6, held: 1, reserved: 1, announced: 2 });
    // A return and a parcel sent back wait for a carrier, not for the resident.
    expect(isCollectable(byId("pb10eve00001"))).toBe(false);
    expect(isCollectable(byId("pa02frank001"))).toBe(false);
  });

  it("knows where each parcel is, and whose code applies", () => {
    const byId = (id: string) => parcels.find((p) => p.parcel_id === id)!;
    expect(placeOf(byId("p7a1c2e4b901"))).toBe("compartment");
    expect(placeOf(byId("pheld0009xl1"))).toBe("desk");
    expect(placeOf(byId("pann0bob0001"))).toBe("expected");
    expect(placeOf(byId("pa02frank001"))).toBe("compartment");
    expect(residentCodeApplies(byId("p7a1c2e4b901"))).toBe(true);
    expect(residentCodeApplies(byId("pa02frank001"))).toBe(false);
    expect(residentCodeApplies(byId("pb10eve00001"))).toBe(false);
  });

  it("offers staff only what the actions accept in each state", () => {
    const actionsFor = (state: ParcelState) => parcelActionIds({ ...parcels[0]!, state });
    expect(actionsFor("stored")).toEqual(["mark_collected", "new_code", "cancel_delivery"]);
    expect(actionsFor("held")).toEqual(["mark_collected", "cancel_delivery"]);
    expect(actionsFor("return_to_sender")).toEqual(["mark_collected", "cancel_delivery"]);
    expect(actionsFor("return_waiting")).toEqual(["mark_collected", "new_code", "cancel_delivery"]);
    expect(actionsFor("reserved")).toEqual(["cancel_delivery"]);
    expect(actionsFor("announced")).toEqual(["cancel_delivery"]);
    for (const state of FINISHED_STATES) expect(actionsFor(state)).toEqual([]);
  });
});

describe("statistics charts", () => {
  const box = { width: 100, height: 50 };

  it("draws a line and breaks it where a day has no value", () => {
    expect(linePath([0, 50, 100], box, 100)).toBe("M0 50 L50 25 L100 0");
    expect(linePath([10, null, 10, 10], box, 10)).toBe("M0 0 M66.7 0 L100 0");
    expect(linePath([], box, 10)).toBe("");
    expect(linePath([5], box, 10)).toBe("M50 25");
  });

  it("clamps values to the axis", () => {
    expect(linePath([-5, 200], box, 100)).toBe("M0 50 L100 0");
  });

  it("closes an area per unbroken run", () => {
    expect(areaPath([0, 100], box, 100)).toBe("M0 50 L100 0 L100 50 L0 50 Z");
    expect(areaPath([1, null, 1], box, 1).match(/Z/g)).toHaveLength(2);
  });

  it("draws one bar per known value", () => {
    const drawn = bars([2, null, 4], { width: 30, height: 40 }, 4);
    expect(drawn.map((b) => b.index)).toEqual([0, 2]);
    expect(drawn[0]).toEqual({ index: 0, x: 1.3, y: 20, width: 7.5, height: 20 });
    expect(drawn[1]?.height).toBe(40);
  });

  it("rounds the axis up and summarises", () => {
    expect(niceMax(7)).toBe(10);
    expect(niceMax(13)).toBe(20);
    expect(niceMax(42.5)).toBe(50);
    expect(niceMax(0)).toBe(1);
    expect(niceMax(230)).toBe(250);
    expect(mean([1, null, 3])).toBe(2);
    expect(mean([null])).toBeNull();
    expect(maxOf([1, null, 7, 3])).toBe(7);
  });
});
