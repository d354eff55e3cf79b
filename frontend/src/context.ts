/** What every view of the panel is handed: hass, strings, locale, unit, layout, the session. */
import { html, type TemplateResult } from "lit";
import { errorMessage } from "./logic/errors";
import { makeTranslate, makeTranslateCount, type Translate, type TranslateCount } from "./strings";
import { timeZoneFor } from "./logic/time";
import type { Hass, LocalizeFunc, Session } from "./types";

export interface PanelContext {
  hass: Hass;
  session: Session;
  t: Translate;
  /** Texts with plural forms: `tn("parcel_count", n)`. */
  tn: TranslateCount;
  localize: LocalizeFunc;
  locale: string;
  timeZone: string | undefined;
  unit: string;
  narrow: boolean;
  dark: boolean;
  now: Date;
  /** A readable sentence for any error of a command or action. */
  error: (error: unknown) => string;
}

export function makeContext(
  hass: Hass,
  session: Session,
  localize: LocalizeFunc,
  narrow: boolean,
  now: Date,
): PanelContext {
  const t = makeTranslate(localize);
  const locale = hass.locale?.language || hass.language || "en";
  return {
    hass,
    session,
    t,
    tn: makeTranslateCount(localize, locale),
    localize,
    locale,
    timeZone: timeZoneFor(hass),
    unit: hass.config.unit_system.temperature,
    narrow,
    dark: Boolean(hass.themes?.darkMode),
    now,
    error: (error: unknown) => errorMessage(error, localize, (key) => t(key)),
  };
}

/** A Home Assistant `ha-card` when the frontend has it loaded, else a card styled the same. */
export function card(content: TemplateResult, className = ""): TemplateResult {
  return customElements.get("ha-card")
    ? html`<ha-card class=${className}>${content}</ha-card>`
    : html`<div class="card ${className}">${content}</div>`;
}

export function fireEvent(node: EventTarget, type: string, detail?: unknown): void {
  node.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

/** Navigate inside Home Assistant (its router listens for `location-changed`). */
export function navigate(path: string, replace = false): void {
  if (replace) history.replaceState(null, "", path);
  else history.pushState(null, "", path);
  window.dispatchEvent(new CustomEvent("location-changed", { detail: { replace } }));
}

/** Arrow keys, Home and End move between the tabs of a tablist (WAI-ARIA tabs pattern). */
export function onTabKey(event: KeyboardEvent): void {
  const tabs = [...(event.currentTarget as HTMLElement).querySelectorAll<HTMLElement>('[role="tab"]')];
  const index = tabs.indexOf(event.target as HTMLElement);
  if (index < 0) return;
  const next =
    event.key === "ArrowRight"
      ? tabs[(index + 1) % tabs.length]
      : event.key === "ArrowLeft"
        ? tabs[(index - 1 + tabs.length) % tabs.length]
        : event.key === "Home"
          ? tabs[0]
          : event.key === "End"
            ? tabs[tabs.length - 1]
            : undefined;
  if (!next) return;
  event.preventDefault();
  next.focus();
  next.click();
}
