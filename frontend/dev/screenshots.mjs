// Screenshots of every view from the dev harness, phone (390x844) and desktop (1280x800),
// light and dark, with Debian's Chromium driven by playwright-core.
//   npm run screenshots                 -> ../docs/screenshots/
//   node dev/screenshots.mjs OUT [filter] -> another folder, only scenes matching the filter
import { execFileSync } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import encodeQR from "qr";
import { serve } from "./serve.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const OUT = process.argv[2] ?? join(here, "..", "..", "docs", "screenshots");
const FILTER = process.argv[3] ?? "";
const CHROMIUM = process.env.CHROMIUM ?? "/usr/bin/chromium";
const SIZES = { phone: { width: 390, height: 844 }, desktop: { width: 1280, height: 800 } };
const QR = "parcel-locker://pickup?wall=01JDWALLA000000000000000AA&compartment=A-07&code=04718265";
// A fixed clock and time zone: the same pictures on every run.
const NOW = new Date("2026-11-29T14:00:00Z");
const TIME_ZONE = "Europe/Amsterdam";

/** Shrink the PNGs with pngquant when it is installed (apt-get install pngquant). */
function shrink(files) {
  try {
    execFileSync("pngquant", ["--quality=70-95", "--strip", "--skip-if-larger", "--force", "--ext", ".png", ...files]);
  } catch (error) {
    if (error.code !== "ENOENT" && error.status !== 99 && error.status !== 98) throw error;
  }
}

const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);

/** Each scene: a URL and what a user does before the picture. */
const SCENES = [
  { name: "resident", url: "/parcel-locker?role=resident" },
  { name: "resident-empty", url: "/parcel-locker?role=resident&empty=1", light: true },
  { name: "staff-walls", url: "/parcel-locker/walls?role=staff" },
  {
    name: "staff-compartment",
    url: "/parcel-locker/walls?role=staff",
    act: async (page) => page.locator('[data-compartment="A-22"]').click(),
  },
  { name: "staff-parcels", url: "/parcel-locker/parcels?role=staff" },
  { name: "staff-activity", url: "/parcel-locker/activity?role=staff" },
  { name: "staff-statistics", url: "/parcel-locker/statistics?role=staff" },
  { name: "staff-walls-fahrenheit", url: "/parcel-locker/walls?role=staff&unit=F", light: true, only: "desktop" },
  { name: "kiosk-deliver", url: "/parcel-locker/kiosk?role=courier",
    act: async (page) => {
      await byTestId(page, "kiosk-search").fill("mar");
    } },
  {
    name: "kiosk-delivered",
    url: "/parcel-locker/kiosk?role=courier",
    act: async (page) => {
      await byTestId(page, "kiosk-search").fill("bob");
      await page.locator('[data-recipient="person.bob"]').click();
      await page.locator('[data-size="M"]').click();
      await page.locator('[data-wall="01JDWALLA000000000000000AA"]').click();
      await byTestId(page, "kiosk-open").click();
      await byTestId(page, "kiosk-compartment").waitFor();
    },
  },
  {
    name: "kiosk-held",
    url: "/parcel-locker/kiosk?role=courier",
    light: true,
    act: async (page) => {
      // An announced cold XL parcel: nothing fits, and the cooled compartments are too warm.
      await byTestId(page, "kiosk-use-tracking").click();
      await byTestId(page, "kiosk-tracking").fill("PIC 77");
      await page.locator('[data-wall="01JDWALLA000000000000000AA"]').click();
      await byTestId(page, "kiosk-open").click();
      await byTestId(page, "kiosk-result").waitFor();
    },
  },
  {
    name: "kiosk-pickup",
    url: "/parcel-locker/kiosk?role=visitor",
    act: async (page) => {
      for (const d of "0471") await page.locator(`[data-digit="${d}"]`).click();
    },
  },
  {
    name: "kiosk-pickup-wrong-code",
    url: "/parcel-locker/kiosk?role=visitor",
    light: true,
    act: async (page) => {
      for (const d of "11112222") await page.locator(`[data-digit="${d}"]`).click();
      await byTestId(page, "kiosk-redeem").click();
      await byTestId(page, "kiosk-error").waitFor();
    },
  },
  {
    name: "kiosk-pickup-scanned",
    url: "/parcel-locker/kiosk/pickup?role=visitor",
    act: async (page) => {
      const gif = Buffer.from(encodeQR(QR, "gif", { scale: 8 }));
      await byTestId(page, "qr-file").setInputFiles({ name: "qr.gif", mimeType: "image/gif", buffer: gif });
      await byTestId(page, "kiosk-compartment").waitFor();
    },
  },
  { name: "visitor", url: "/parcel-locker?role=visitor", light: true },
  { name: "courier", url: "/parcel-locker?role=courier", light: true, only: "phone" },
];

const { server, url } = await serve(0);
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
await mkdir(OUT, { recursive: true });
const written = [];
try {
  for (const scene of SCENES.filter((s) => s.name.includes(FILTER))) {
    for (const [size, viewport] of Object.entries(SIZES)) {
      if (scene.only && scene.only !== size) continue;
      for (const theme of scene.light ? ["light"] : ["light", "dark"]) {
        const context = await browser.newContext({ viewport, deviceScaleFactor: 1, reducedMotion: "reduce", timezoneId: TIME_ZONE });
        const page = await context.newPage();
        await page.clock.setFixedTime(NOW);
        const errors = [];
        page.on("pageerror", (error) => errors.push(error.message));
        page.on("console", (message) => message.type() === "error" && errors.push(message.text()));
        await page.goto(`${url}${scene.url}${theme === "dark" ? "&dark=1" : ""}`);
        await page.locator("parcel-locker-panel").waitFor();
        await page.waitForFunction(() => !document.querySelector("parcel-locker-panel")?.shadowRoot?.querySelector(".spinner"));
        if (scene.act) await scene.act(page);
        await page.waitForTimeout(250);
        const file = join(OUT, `${scene.name}-${size}${theme === "dark" ? "-dark" : ""}.png`);
        await page.screenshot({ path: file });
        if (errors.length) throw new Error(`${scene.name}: ${errors.join("; ")}`);
        await context.close();
        written.push(file);
      }
    }
  }
} finally {
  await browser.close();
  server.close();
}
shrink(written);
console.log(`${written.length} screenshots in ${OUT}`);
