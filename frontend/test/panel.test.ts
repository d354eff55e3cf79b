// @vitest-environment happy-dom
import { afterEach, describe, expect, it } from "vitest";
import { GOOD_CODE } from "../dev/fake-hass";
import { activeParcels, WALL_A } from "../dev/data";
import { click, mount, query, queryAll, settle, textOf, type } from "./helpers";

afterEach(() => {
  document.body.replaceChildren();
});

describe("resident", () => {
  it("sees exactly their household's parcels, with an Open button that opens theirs", async () => {
    const { panel, fake } = await mount({ role: "resident" });
    const cards = queryAll(panel, "[data-testid=parcel]");
    expect(cards.map((c) => c.dataset.parcel).sort()).toEqual(["p21c0ld5e6f7", "p7a1c2e4b901", "pann0bob0001", "pheld0009xl1"]);
    const text = textOf(panel);
    expect(text).toContain("My parcels");
    expect(text).toContain("2 parcels ready to collect");
    expect(text).toContain("For Alice Martin");
    expect(text).not.toContain("Carol");
    expect(text).not.toContain("Heidi");
    expect(text).not.toMatch(/\bperson\.|user id|yaml/i);

    const bobs = cards.find((c) => c.dataset.parcel === "p7a1c2e4b901")!;
    expect(textOf(bobs)).toContain("Open A-07");
    expect(textOf(bobs)).toMatch(/Code works until .+ Collect by /);
    await click(bobs, "[data-testid=open-parcel]");
    expect(fake.services).toEqual([["open_compartment", { parcel_id: "p7a1c2e4b901" }]]);
    expect(textOf(bobs)).toContain("Compartment A-07 is open");
  });

  it("sees a parcel kept at the desk, with nothing to open and no deadline", async () => {
    const { panel } = await mount({ role: "resident" });
    const held = query(panel, '[data-testid=parcel][data-parcel="pheld0009xl1"]');
    expect(held.dataset.place).toBe("desk");
    const text = textOf(held);
    expect(text).toContain("At the front desk");
    expect(text).toContain("No compartment was free for it: ask at the front desk.");
    expect(text).toContain("Arrived yesterday");
    expect(text).not.toContain("Collect by");
    expect(text).not.toContain("Code works");
    expect(queryAll(held, "[data-testid=open-parcel]")).toHaveLength(0);
  });

  it("sees an announced delivery as expected, not as arrived", async () => {
    const { panel } = await mount({ role: "resident" });
    const expected = query(panel, '[data-testid=parcel][data-parcel="pann0bob0001"]');
    expect(expected.dataset.place).toBe("expected");
    const text = textOf(expected);
    expect(text).toContain("Expected");
    expect(text).toContain("Announced, not delivered yet. You are told when it arrives.");
    expect(text).toContain("Tracking number JJD 0099 1234");
    expect(text).toMatch(/Expected until \w{3}, \w{3} \d+/);
    expect(text).not.toContain("At the front desk");
    expect(text).not.toContain("Arrived");
    expect(queryAll(expected, "[data-testid=open-parcel]")).toHaveLength(0);
  });

  it("is told a parcel goes back to its sender, and cannot open it", async () => {
    const { panel, fake } = await mount({ role: "resident" });
    const sent = activeParcels(new Date()).find((p) => p.state === "return_to_sender")!;
    // The backend gives a resident no code expiry for it; a stale one is not shown either.
    const code_expires = new Date(Date.now() + 86_400_000).toISOString();
    fake.push({ parcels: [{ ...sent, recipient: "person.bob", recipient_name: "Bob Martin", code_expires }], walls: [] });
    await settle(panel);
    const card = query(panel, `[data-testid=parcel][data-parcel="${sent.parcel_id}"]`);
    const text = textOf(card);
    expect(text).toContain("A-02");
    expect(text).toContain("It was not collected in time and goes back to the sender.");
    expect(text).not.toContain("Collect by");
    expect(text).not.toContain("Code works");
    expect(queryAll(card, "[data-testid=open-parcel]")).toHaveLength(0);
    expect(textOf(panel)).toContain("No parcel ready to collect");
  });

  it("gets a friendly empty state", async () => {
    const { panel } = await mount({ role: "resident", empty: true });
    expect(query(panel, "[data-testid=resident-empty]")).toBeTruthy();
    expect(textOf(panel)).toContain("No parcels right now");
  });

  it("reads the subscription live", async () => {
    const { panel, fake } = await mount({ role: "resident" });
    fake.push({ parcels: [], walls: [] });
    await settle(panel);
    expect(textOf(panel)).toContain("No parcels right now");
  });
});

describe("staff", () => {
  it("sees both walls as grids, with problems listed", async () => {
    const { panel } = await mount({ role: "staff" });
    expect(queryAll(panel, "plk-wall-grid")).toHaveLength(2);
    expect(queryAll(panel, "[data-compartment]")).toHaveLength(48);
    const text = textOf(panel);
    expect(text).toContain("Door forced open");
    expect(text).toContain("Keypad locked after wrong codes");
    expect(text).toContain("4 parcels waiting");
    const tile = query(panel, '[data-compartment="A-22"]');
    expect(tile.getAttribute("aria-label")).toBe(
      "A-22, Size L, Occupied, Door closed, Parcel inside, Cooled, 9.4 °C, Temperature out of range",
    );
  });

  it("moves between tabs with the arrow keys and navigates inside Home Assistant", async () => {
    const { panel } = await mount({ role: "staff" });
    const tabs = queryAll(panel, '[role="tab"]');
    expect(tabs.map((tab) => tab.dataset.tab)).toEqual(["walls", "parcels", "activity", "statistics"]);
    expect(tabs[0]!.getAttribute("aria-selected")).toBe("true");
    let changed = 0;
    window.addEventListener("location-changed", () => (changed += 1), { once: true });
    tabs[0]!.dispatchEvent(new KeyboardEvent("keydown", { key: "ArrowRight", bubbles: true, composed: true }));
    expect(location.pathname).toBe("/parcel-locker/parcels");
    expect(changed).toBe(1);
  });

  it("shows temperatures in the user's unit", async () => {
    const { panel } = await mount({ role: "staff", unit: "°F" });
    expect(textOf(query(panel, '[data-compartment="A-21"]'))).toContain("39.6 °F");
  });

  it("opens a compartment's sheet from its tile and acts on it", async () => {
    const { panel, fake } = await mount({ role: "staff" });
    await click(panel, '[data-compartment="A-01"]');
    const sheet = query(panel, "plk-sheet");
    expect(textOf(sheet)).toContain("A-01 · Wall A");
    await click(sheet, '[data-action="open"]');
    expect(fake.services.at(-1)).toEqual(["open_compartment", { wall: WALL_A, compartment: "A-01", inspect: false }]);
    expect(textOf(sheet)).toContain("Compartment A-01 is open.");
  });

  it("asks before marking a parcel collected", async () => {
    const { panel, fake } = await mount({ role: "staff" });
    await click(panel, '[data-compartment="A-07"]');
    const sheet = query(panel, "plk-sheet");
    expect(textOf(sheet)).toContain("Bob Martin");
    await click(sheet, '[data-action="mark_collected"]');
    expect(fake.services).toEqual([]);
    expect(textOf(sheet)).toContain("Mark this parcel as collected?");
    await click(sheet, '[data-action-confirm="mark_collected"]');
    expect(fake.services).toEqual([["mark_collected", { parcel_id: "p7a1c2e4b901" }]]);
  });

  it("lists and filters parcels through parcel_locker/parcels", async () => {
    const { panel, fake } = await mount({ role: "staff", path: "/parcels" });
    expect(fake.calls.some((c) => c.type === "parcel_locker/parcels")).toBe(true);
    expect(textOf(panel)).toContain("12 parcels");
    await type(panel, "[data-testid=filter-text]", "martin");
    expect(textOf(panel)).toContain("4 parcels");
    const state = query<HTMLSelectElement>(panel, "[data-testid=filter-state]");
    state.value = "held";
    state.dispatchEvent(new Event("change"));
    await settle(panel);
    expect(fake.calls.at(-1)).toMatchObject({ type: "parcel_locker/parcels", state: "held" });
    expect(textOf(panel)).toContain("1 parcel");
    expect(textOf(panel)).not.toContain("1 parcels");
  });

  it("knows every parcel state in the list and its filter", async () => {
    const { panel } = await mount({ role: "staff", path: "/parcels" });
    const options = () => queryAll<HTMLOptionElement>(panel, "[data-testid=filter-state] option").map((o) => o.textContent?.trim());
    expect(options()).toEqual(["All states", "Waiting", "At the front desk", "Back to sender", "Return waiting", "Being delivered", "Announced"]);
    const expected = query(panel, '.row[data-parcel="pann0bob0001"]');
    expect(textOf(expected)).toMatch(/^Expected Bob Martin Announced DHL JJD 0099 1234/);
    expect(textOf(query(panel, '.row[data-parcel="pheld0009xl1"]'))).toMatch(/^Desk Bob Martin At the front desk/);
    await click(panel, "label.check input");
    expect(options()).toContain("Returned to sender");
    expect(textOf(query(panel, '.row[data-parcel="pa04ivan0002"]'))).toContain("Returned to sender");
  });

  it("hands over a parcel held at the desk from its sheet", async () => {
    const { panel, fake } = await mount({ role: "staff", path: "/parcels" });
    await click(panel, '.row[data-parcel="pheld0009xl1"]');
    const sheet = query(panel, "plk-sheet");
    expect(textOf(sheet)).toContain("At the front desk");
    const actions = queryAll(sheet, "[data-action]").map((b) => b.dataset.action);
    expect(actions).toEqual(["mark_collected", "cancel_delivery"]);
    await click(sheet, '[data-action="mark_collected"]');
    await click(sheet, '[data-action-confirm="mark_collected"]');
    expect(fake.services).toEqual([["mark_collected", { parcel_id: "pheld0009xl1" }]]);
    expect(textOf(sheet)).toContain("The parcel is marked as collected.");
  });

  it("offers only a cancellation for an announced delivery", async () => {
    const { panel } = await mount({ role: "staff", path: "/parcels" });
    await click(panel, '.row[data-parcel="pann0heidi01"]');
    const sheet = query(panel, "plk-sheet");
    expect(textOf(sheet)).toMatch(/Compartment Expected/);
    expect(textOf(sheet)).toMatch(/Expected until \w{3}, \w{3} \d+/);
    expect(queryAll(sheet, "[data-action]").map((b) => b.dataset.action)).toEqual(["cancel_delivery"]);
  });

  it("reads the audit trail with filters", async () => {
    const { panel, fake } = await mount({ role: "staff", path: "/activity" });
    expect(textOf(panel)).toContain("16 entries");
    expect(textOf(panel)).toContain("Kept at the front desk");
    expect(textOf(panel)).toContain("Delivery announced");
    expect(textOf(panel)).toContain("Door forced open");
    const action = query<HTMLSelectElement>(panel, "[data-testid=filter-action]");
    action.value = "delivered";
    action.dispatchEvent(new Event("change"));
    await settle(panel);
    expect(fake.calls.at(-1)).toMatchObject({ type: "parcel_locker/audit", action: "delivered", limit: 200 });
    expect(textOf(panel)).toContain("3 entries");
  });

  it("draws 30 days of statistics", async () => {
    const { panel, fake } = await mount({ role: "staff", path: "/statistics" });
    expect(fake.calls.find((c) => c.type === "parcel_locker/statistics")).toMatchObject({ days: 30 });
    expect(queryAll(panel, "plk-chart")).toHaveLength(6);
    expect(queryAll(panel, "plk-chart svg path.line").length).toBeGreaterThan(0);
    expect(textOf(panel)).toContain("Last 30 days");
  });
});

describe("kiosk", () => {
  it("lets a courier deliver: recipient, size, wall, then the compartment shown big", async () => {
    const { panel, fake } = await mount({ role: "courier", path: "/kiosk" });
    expect(query(panel, "plk-kiosk-view")).toBeTruthy();
    const open = query<HTMLButtonElement>(panel, "[data-testid=kiosk-open]");
    expect(open.disabled).toBe(true);
    await type(panel, "[data-testid=kiosk-search]", "bob");
    await click(panel, '[data-recipient="person.bob"]');
    await click(panel, '[data-size="M"]');
    await click(panel, `[data-wall="${WALL_A}"]`);
    expect(query<HTMLButtonElement>(panel, "[data-testid=kiosk-open]").disabled).toBe(false);
    await click(panel, "[data-testid=kiosk-open]");
    expect(fake.services).toEqual([["assign_delivery", { recipient: "person.bob", size: "M", cold: false, wall: WALL_A }]]);
    const result = query(panel, "[data-testid=kiosk-result]");
    expect(result.getAttribute("aria-live")).toBe("assertive");
    expect(textOf(query(panel, "[data-testid=kiosk-compartment]"))).toBe("A-05");
    await click(panel, "[data-testid=kiosk-again]");
    expect(queryAll(panel, "[data-testid=kiosk-result]")).toHaveLength(0);
  });

  it("says to keep a parcel at the desk when nothing fits", async () => {
    const { panel } = await mount({ role: "courier", path: "/kiosk" });
    await type(panel, "[data-testid=kiosk-search]", "alice");
    await click(panel, '[data-recipient="person.alice"]');
    await click(panel, '[data-size="XL"]');
    await click(panel, `[data-wall="${WALL_A}"]`);
    await click(panel, "[data-testid=kiosk-open]");
    const result = query(panel, "[data-testid=kiosk-result]");
    expect(textOf(result)).toContain("Keep this parcel at the front desk");
    expect(textOf(result)).toContain("it is recorded for Alice Martin");
    expect(queryAll(result, "[data-testid=kiosk-compartment]")).toHaveLength(0);
    expect(queryAll(result, "[data-testid=kiosk-detail]")).toHaveLength(0);
  });

  it("delivers by an announced tracking number alone: the announcement brings size and cold", async () => {
    const { panel, fake } = await mount({ role: "courier", path: "/kiosk/deliver" });
    await click(panel, "[data-testid=kiosk-use-tracking]");
    await type(panel, "[data-testid=kiosk-tracking]", "jjd 0099 1234 ");
    await click(panel, `[data-wall="${WALL_A}"]`);
    await click(panel, "[data-testid=kiosk-open]");
    expect(fake.services).toEqual([["assign_delivery", { tracking: "jjd 0099 1234", wall: WALL_A }]]);
    expect(textOf(query(panel, "[data-testid=kiosk-compartment]"))).toBe("A-05");
    expect(textOf(query(panel, "[data-testid=kiosk-detail]"))).toBe("For Bob Martin");
  });

  it("says to leave an announced parcel that fits nowhere at the desk, and why", async () => {
    const { panel } = await mount({ role: "courier", path: "/kiosk/deliver" });
    await click(panel, "[data-testid=kiosk-use-tracking]");
    await type(panel, "[data-testid=kiosk-tracking]", "PIC 77");
    await click(panel, `[data-wall="${WALL_A}"]`);
    await click(panel, "[data-testid=kiosk-open]");
    const result = query(panel, "[data-testid=kiosk-result]");
    expect(queryAll(result, "[data-testid=kiosk-compartment]")).toHaveLength(0);
    const text = textOf(result);
    expect(text).toContain("Keep this parcel at the front desk");
    expect(text).toContain("Hand it in at the front desk: it is recorded for Heidi Schmid.");
    expect(textOf(query(result, "[data-testid=kiosk-detail]"))).toBe(
      "The cooled compartments A-21, A-22 are not cold enough for it right now.",
    );
  });

  it("says so when a tracking number was not announced", async () => {
    const { panel } = await mount({ role: "courier", path: "/kiosk/deliver" });
    await click(panel, "[data-testid=kiosk-use-tracking]");
    await type(panel, "[data-testid=kiosk-tracking]", "NOPE 1");
    await click(panel, `[data-wall="${WALL_A}"]`);
    await click(panel, "[data-testid=kiosk-open]");
    expect(queryAll(panel, "[data-testid=kiosk-result]")).toHaveLength(0);
    expect(textOf(panel)).toContain("No delivery with tracking number NOPE 1 was announced: name the recipient.");
  });

  it("gives a visitor only the pick-up tab; a typed code opens, a wrong one says why", async () => {
    const { panel, fake } = await mount({ role: "visitor", path: "/kiosk/deliver" });
    expect(queryAll(panel, "[data-testid=kiosk-search]")).toHaveLength(0);
    expect(queryAll(panel, '[role="tab"]')).toHaveLength(0);
    for (const d of "11112222") await click(panel, `[data-digit="${d}"]`);
    expect(textOf(query(panel, "[data-testid=kiosk-code]"))).toBe("1111 2222");
    await click(panel, "[data-testid=kiosk-redeem]");
    expect(textOf(query(panel, "[data-testid=kiosk-error]"))).toBe(
      "That code is not valid. 4 more wrong codes and you are locked out for a while.",
    );
    for (const d of GOOD_CODE) await click(panel, `[data-digit="${d}"]`);
    await click(panel, "[data-testid=kiosk-redeem]");
    // Not an action call: the recorder keeps those, with their data.
    expect(fake.calls.at(-1)).toEqual({ type: "parcel_locker/redeem", code: GOOD_CODE });
    expect(fake.services).toEqual([]);
    expect(textOf(query(panel, "[data-testid=kiosk-compartment]"))).toBe("A-07");
  });

  it("redeems a scanned QR code with its wall, and refuses a foreign one", async () => {
    const { panel, fake } = await mount({ role: "visitor", path: "/kiosk" });
    const scanner = query(panel, "plk-scanner");
    expect(query(panel, "[data-testid=qr-file]").getAttribute("accept")).toBe("image/*");
    scanner.dispatchEvent(new CustomEvent("qr-text", { detail: { text: "https://example.com/?code=123456" }, bubbles: true, composed: true }));
    await settle(panel);
    expect(textOf(query(panel, "[data-testid=kiosk-error]"))).toBe("That QR code is not a Parcel Locker code.");
    expect(fake.services).toEqual([]);
    const payload = `parcel-locker://pickup?wall=${WALL_A}&compartment=A-07&code=${GOOD_CODE}`;
    scanner.dispatchEvent(new CustomEvent("qr-text", { detail: { text: payload }, bubbles: true, composed: true }));
    await settle(panel);
    expect(fake.calls.at(-1)).toEqual({ type: "parcel_locker/redeem", code: GOOD_CODE, wall: WALL_A });
    expect(fake.services).toEqual([]);
    expect(textOf(query(panel, "[data-testid=kiosk-compartment]"))).toBe("A-07");
  });
});

describe("visitor and courier main view", () => {
  it("explains the pick-up screen to a visitor", async () => {
    const { panel } = await mount({ role: "visitor" });
    expect(textOf(panel)).toContain("Collect a parcel");
    expect(query(panel, "[data-testid=open-kiosk]").getAttribute("href")).toBe("/parcel-locker/kiosk/pickup");
  });

  it("sends a courier to the kiosk", async () => {
    const { panel } = await mount({ role: "courier" });
    expect(query(panel, "[data-testid=open-kiosk]").getAttribute("href")).toBe("/parcel-locker/kiosk/deliver");
  });
});

describe("robustness", () => {
  it("uses Home Assistant's elements when they are defined, plain ones otherwise", async () => {
    const { panel } = await mount({ role: "resident" });
    expect(queryAll(panel, "ha-card")).toHaveLength(0);
    expect(queryAll(panel, ".card").length).toBeGreaterThan(0);
    customElements.define("ha-card", class extends HTMLElement {});
    const again = await mount({ role: "resident" });
    expect(queryAll(again.panel, "ha-card").length).toBeGreaterThan(0);
  });

  it("says so when the integration cannot be reached", async () => {
    const { panel, fake } = await mount({ role: "staff" });
    const failing = { ...fake.hass, callWS: () => Promise.reject({ code: "unknown_command", message: "Unknown command." }) };
    panel.remove();
    const fresh = document.createElement("parcel-locker-panel");
    fresh.hass = failing;
    fresh.route = { prefix: "/parcel-locker", path: "" };
    document.body.append(fresh);
    await settle(fresh);
    const text = textOf(fresh);
    expect(text).toContain("The parcel locker could not be loaded.");
    expect(text).toContain("Unknown command.");
    expect(text).not.toContain("[object Object]");
  });
});
