/**
 * The dev harness: the panel in a page that looks like Home Assistant (theme variables,
 * a sidebar on wide screens), fed by the fake hass. Query: ?role=staff|courier|resident|visitor
 * &dark=1 &unit=F &empty=1 &delay=ms &lang=en. The path after /parcel-locker is the route.
 */
import "../src/parcel-locker-panel";
import type { ParcelLockerPanel } from "../src/parcel-locker-panel";
import type { Role } from "../src/types";
import { createFakeHass } from "./fake-hass";

const params = new URLSearchParams(location.search);
const role = (params.get("role") ?? "staff") as Role;
const dark = params.get("dark") === "1";
const fake = createFakeHass({
  role,
  dark,
  unit: params.get("unit") === "F" ? "°F" : "°C",
  empty: params.get("empty") === "1",
  delay: Number(params.get("delay") ?? 0),
  language: params.get("lang") ?? "en",
});
document.documentElement.classList.toggle("dark", dark);
(window as unknown as { fakeHass: typeof fake }).fakeHass = fake;

const PREFIX = "/parcel-locker";
const panel: ParcelLockerPanel = document.createElement("parcel-locker-panel");
const narrowQuery = window.matchMedia("(max-width: 870px)");

function route(): void {
  const path = location.pathname.startsWith(PREFIX) ? location.pathname.slice(PREFIX.length) : "";
  panel.route = { prefix: PREFIX, path };
  panel.narrow = narrowQuery.matches;
  document.body.classList.toggle("narrow", narrowQuery.matches);
}

panel.hass = fake.hass;
panel.panel = { url_path: "parcel-locker", title: "Parcel Locker" };
route();
window.addEventListener("location-changed", route);
window.addEventListener("popstate", route);
narrowQuery.addEventListener("change", route);
document.querySelector("#panel")?.append(panel);
