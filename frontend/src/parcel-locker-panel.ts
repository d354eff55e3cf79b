/**
 * <parcel-locker-panel>: the integration's sidebar panel. Home Assistant sets `hass`,
 * `narrow`, `route` and `panel`; the panel asks the integration who the user is
 * (parcel_locker/session) and shows the views of that role. Contract: ../API.md.
 */
import { LitElement, css, html, nothing, type PropertyValues } from "lit";
import { DOMAIN, fetchSession, subscribeUpdates } from "./api";
import { card, makeContext, navigate, onTabKey, type PanelContext } from "./context";
import { isKioskPath, normaliseRole, pickTab, staffTabs, type StaffTab } from "./logic/roles";
import { errorMessage } from "./logic/errors";
import { TRANSLATION_CATEGORIES } from "./strings";
import { sharedStyles } from "./styles";
import type { Hass, LocalizeFunc, Parcel, PanelRoute, Session, Unsubscribe, WallState } from "./types";
import "./components/icon";
import "./views/kiosk-view";
import "./views/resident-view";
import "./views/staff-activity";
import "./views/staff-parcels";
import "./views/staff-statistics";
import "./views/staff-walls";

/** Below this width (px) every view uses its phone layout. */
export const COMPACT_WIDTH = 600;
const CLOCK_MS = 30_000;
const TAB_ICONS = { walls: "grid", parcels: "list", activity: "history", statistics: "chart" } as const;

/** Only what the panel shows changes its look; the many other hass updates do not re-render. */
export function hassChanged(next: Hass | undefined, previous: Hass | undefined): boolean {
  if (!next || !previous) return next !== previous;
  return (
    next.language !== previous.language ||
    next.localize !== previous.localize ||
    next.themes?.darkMode !== previous.themes?.darkMode ||
    next.config?.unit_system?.temperature !== previous.config?.unit_system?.temperature ||
    next.locale !== previous.locale ||
    next.user?.id !== previous.user?.id
  );
}

export class ParcelLockerPanel extends LitElement {
  static override properties = {
    hass: { attribute: false, hasChanged: hassChanged },
    narrow: { type: Boolean },
    route: { attribute: false },
    panel: { attribute: false },
    _session: { state: true },
    _parcels: { state: true },
    _walls: { state: true },
    _received: { state: true },
    _error: { state: true },
    _stringsReady: { state: true },
    _now: { state: true },
    _width: { state: true },
  };
  declare hass: Hass | undefined;
  declare narrow: boolean;
  declare route: PanelRoute | undefined;
  declare panel: unknown;
  declare _session: Session | null;
  declare _parcels: Parcel[];
  declare _walls: WallState[];
  declare _received: boolean;
  declare _error: unknown;
  declare _stringsReady: boolean;
  declare _now: Date;
  declare _width: number;

  private _loadedLocalize: LocalizeFunc | null = null;
  private _stringsLanguage: string | null = null;
  private _sessionLoading = false;
  private _unsubscribe: Promise<Unsubscribe> | null = null;
  private _clock: ReturnType<typeof setInterval> | undefined;
  private _observer?: ResizeObserver;

  constructor() {
    super();
    this.narrow = false;
    this._session = null;
    this._parcels = [];
    this._walls = [];
    this._received = false;
    this._error = null;
    this._stringsReady = false;
    this._now = new Date();
    this._width = 0;
  }

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
        min-height: 100vh;
        background: var(--primary-background-color, #fafafa);
      }
      .toolbar {
        position: sticky;
        top: 0;
        z-index: 4;
        display: flex;
        align-items: center;
        gap: 4px;
        height: var(--header-height, 56px);
        padding: 0 12px;
        background: var(--app-header-background-color, var(--primary-color));
        color: var(--app-header-text-color, var(--text-primary-color, #fff));
        border-bottom: var(--app-header-border-bottom, none);
        box-sizing: border-box;
        padding-top: env(safe-area-inset-top);
      }
      .toolbar .title {
        flex: 1;
        margin-left: 12px;
        font-size: 20px;
        font-weight: 400;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .icon-btn {
        width: 48px;
        height: 48px;
        border-radius: 50%;
        border: none;
        background: transparent;
        color: inherit;
        cursor: pointer;
        display: inline-flex;
        align-items: center;
        justify-content: center;
      }
      .icon-btn:hover {
        background: color-mix(in srgb, currentColor 12%, transparent);
      }
      .tabs {
        position: sticky;
        top: var(--header-height, 56px);
        z-index: 3;
        display: flex;
        gap: 4px;
        padding: 0 12px;
        background: var(--app-header-background-color, var(--primary-color));
        color: var(--app-header-text-color, var(--text-primary-color, #fff));
        overflow-x: auto;
        scrollbar-width: none;
      }
      .tabs button {
        display: inline-flex;
        align-items: center;
        gap: 8px;
        min-height: 48px;
        padding: 0 16px;
        border: none;
        border-bottom: 3px solid transparent;
        background: transparent;
        color: inherit;
        opacity: 0.78;
        font-size: 14px;
        font-weight: 500;
        text-transform: uppercase;
        letter-spacing: 0.06em;
        cursor: pointer;
        white-space: nowrap;
        --pl-icon-size: 20px;
      }
      .tabs button[aria-selected="true"] {
        opacity: 1;
        border-bottom-color: currentColor;
      }
      .content {
        max-width: 1400px;
        margin: 0 auto;
        padding: 16px;
      }
      :host([compact]) .content {
        padding: 12px 8px;
      }
      :host([compact]) .tabs {
        padding: 0;
      }
      :host([compact]) .tabs button {
        flex: 1;
        flex-direction: column;
        gap: 2px;
        padding: 6px 4px;
        font-size: 11px;
        letter-spacing: 0.02em;
      }
      .spinner {
        margin: 80px auto;
        width: 48px;
        height: 48px;
        border-radius: 50%;
        border: 4px solid color-mix(in srgb, var(--pl-primary) 25%, transparent);
        border-top-color: var(--pl-primary);
        animation: spin 0.9s linear infinite;
      }
      @keyframes spin {
        to {
          transform: rotate(360deg);
        }
      }
      .intro {
        max-width: 640px;
        margin: 24px auto;
      }
      .intro .empty {
        padding: 32px 24px;
      }
      .intro .btn {
        min-height: 56px;
        font-size: 18px;
        padding: 0 28px;
        border-radius: 28px;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    this._clock = setInterval(() => (this._now = new Date()), CLOCK_MS);
    if (typeof ResizeObserver !== "undefined") {
      this._observer = new ResizeObserver((entries) => {
        const width = entries[0]?.contentRect.width ?? 0;
        if (Math.abs(width - this._width) > 1) this._width = width;
      });
      this._observer.observe(this);
    }
    if (this._session && this.hass) this._subscribe();
  }

  override disconnectedCallback(): void {
    clearInterval(this._clock);
    this._observer?.disconnect();
    this._unsubscribeNow();
    super.disconnectedCallback();
  }

  // ------------------------------------------------------------ data

  protected override willUpdate(changed: PropertyValues<this>): void {
    const hass = this.hass;
    if (!hass) return;
    if (changed.has("hass") && this._stringsLanguage !== hass.language) void this._loadStrings(hass);
    if (!this._session && !this._sessionLoading && !this._error) void this._loadSession(hass);
    this.toggleAttribute("compact", this._compact);
    this.toggleAttribute("dark", Boolean(hass.themes?.darkMode));
  }

  private async _loadStrings(hass: Hass): Promise<void> {
    this._stringsLanguage = hass.language;
    let loaded: LocalizeFunc | null = null;
    for (const category of TRANSLATION_CATEGORIES) {
      try {
        const localize = await hass.loadBackendTranslation(category, DOMAIN);
        if (typeof localize === "function") loaded = localize;
      } catch {
        // The panel still works; a text whose translation failed shows as its key.
      }
    }
    this._loadedLocalize = loaded;
    this._stringsReady = true;
  }

  private async _loadSession(hass: Hass): Promise<void> {
    this._sessionLoading = true;
    try {
      const session = await fetchSession(hass);
      this._session = { ...session, role: normaliseRole(session.role), walls: session.walls ?? [], household: session.household ?? [] };
      this._subscribe();
    } catch (error) {
      this._error = error;
    } finally {
      this._sessionLoading = false;
    }
  }

  private _subscribe(): void {
    if (this._unsubscribe || !this.hass) return;
    this._unsubscribe = subscribeUpdates(this.hass, (update) => {
      this._parcels = update.parcels ?? [];
      this._walls = update.walls ?? [];
      this._received = true;
    });
    this._unsubscribe.catch((error: unknown) => {
      this._unsubscribe = null;
      this._error = error;
    });
  }

  private _unsubscribeNow(): void {
    const pending = this._unsubscribe;
    this._unsubscribe = null;
    pending?.then((unsubscribe) => unsubscribe()).catch(() => undefined);
  }

  /** Home Assistant's localize, then the function the translation load gave back. */
  private _localize: LocalizeFunc = (key, values) =>
    this.hass?.localize(key, values) || this._loadedLocalize?.(key, values) || "";

  private get _compact(): boolean {
    return this._width > 0 ? this._width < COMPACT_WIDTH : this.narrow && window.innerWidth < COMPACT_WIDTH;
  }

  private get _base(): string {
    return this.route?.prefix || "/parcel-locker";
  }

  // ------------------------------------------------------------ render

  protected override render() {
    const hass = this.hass;
    if (!hass || !this._stringsReady) return this._frame(html`<div class="spinner" aria-busy="true"></div>`, "");
    const session: Session = this._session ?? {
      role: "visitor",
      user_name: hass.user?.name ?? "",
      person: null,
      household: [],
      walls: [],
      sizes: [],
      kiosk_wall: null,
    };
    const ctx = makeContext(hass, session, this._localize, this._compact, this._now);
    const { t } = ctx;
    if (this._error) {
      return this._frame(
        html`<div class="intro">
          <div class="error-box" role="alert">
            <plk-icon icon="alert_circle"></plk-icon>
            <div><strong>${t("load_failed")}</strong><br />${errorMessage(this._error, ctx.localize, (k) => t(k))}</div>
          </div>
        </div>`,
        t("title"),
      );
    }
    if (!this._session) return this._frame(html`<div class="spinner" aria-busy="true"></div>`, t("title"));
    const path = this.route?.path ?? "";
    if (isKioskPath(path)) {
      const tab = path.split("/")[2] ?? null;
      return html`<plk-kiosk-view .ctx=${ctx} .tab=${tab} .base=${this._base}></plk-kiosk-view>`;
    }
    switch (session.role) {
      case "staff":
        return this._staff(ctx, path);
      case "resident":
        return this._frame(
          this._received
            ? html`<plk-resident-view .ctx=${ctx} .parcels=${this._parcels}></plk-resident-view>`
            : html`<div class="spinner" aria-busy="true"></div>`,
          t("title"),
        );
      case "courier":
        return this._frame(this._intro("truck", t("courier_title"), t("courier_text"), t("courier_open_kiosk"), "deliver"), t("title"));
      default:
        return this._frame(this._intro("qr", t("visitor_title"), t("visitor_text"), t("visitor_open_pickup"), "pickup"), t("title"));
    }
  }

  private _frame(content: unknown, title: string, tabs: unknown = nothing, actions: unknown = nothing) {
    const menu = customElements.get("ha-menu-button")
      ? html`<ha-menu-button .hass=${this.hass} .narrow=${this.narrow}></ha-menu-button>`
      : this.narrow
        ? html`<button
            class="icon-btn"
            aria-label=${title}
            @click=${() => this.dispatchEvent(new CustomEvent("hass-toggle-menu", { bubbles: true, composed: true }))}
          >
            <plk-icon icon="menu"></plk-icon>
          </button>`
        : nothing;
    return html`
      <div class="toolbar">
        ${menu}
        <h1 class="title">${title}</h1>
        ${actions}
      </div>
      ${tabs}
      <div class="content">${content}</div>
    `;
  }

  private _intro(icon: "truck" | "qr", title: string, text: string, button: string, tab: string) {
    return html`<div class="intro">
      ${card(html`<div class="empty">
        <plk-icon icon=${icon}></plk-icon>
        <h2>${title}</h2>
        <p>${text}</p>
        <a class="btn" href="${this._base}/kiosk/${tab}" data-testid="open-kiosk" @click=${(e: Event) => this._link(e, `${this._base}/kiosk/${tab}`)}>
          <plk-icon icon=${icon}></plk-icon>${button}
        </a>
      </div>`)}
    </div>`;
  }

  private _link(event: Event, path: string): void {
    event.preventDefault();
    navigate(path);
  }

  private _staff(ctx: PanelContext, path: string) {
    const { t } = ctx;
    const tabs = staffTabs(ctx.session.role);
    const tab = pickTab<StaffTab>(tabs, path.split("/")[1], "walls");
    const tabBar = html`<div class="tabs" role="tablist" aria-label=${t("title")} @keydown=${onTabKey}>
      ${tabs.map(
        (id) =>
          html`<button
            role="tab"
            id="tab-${id}"
            data-tab=${id}
            aria-selected=${id === tab ? "true" : "false"}
            tabindex=${id === tab ? "0" : "-1"}
            aria-controls="staff-main"
            @click=${() => navigate(`${this._base}/${id}`, true)}
          >
            <plk-icon icon=${TAB_ICONS[id]}></plk-icon>${t(`tab_${id}`)}
          </button>`,
      )}
    </div>`;
    const kiosk = html`<a
      class="icon-btn"
      href="${this._base}/kiosk"
      aria-label=${t("open_kiosk")}
      title=${t("open_kiosk")}
      @click=${(e: Event) => this._link(e, `${this._base}/kiosk`)}
      ><plk-icon icon="truck"></plk-icon
    ></a>`;
    let view;
    if (!this._received) view = html`<div class="spinner" aria-busy="true"></div>`;
    else if (tab === "walls") view = html`<plk-staff-walls .ctx=${ctx} .walls=${this._walls} .parcels=${this._parcels}></plk-staff-walls>`;
    else if (tab === "parcels") view = html`<plk-staff-parcels .ctx=${ctx} .live=${this._parcels}></plk-staff-parcels>`;
    else if (tab === "activity") view = html`<plk-staff-activity .ctx=${ctx} .live=${this._parcels}></plk-staff-activity>`;
    else view = html`<plk-staff-statistics .ctx=${ctx}></plk-staff-statistics>`;
    return this._frame(
      html`<div id="staff-main" role="tabpanel" aria-labelledby="tab-${tab}">${view}</div>`,
      t("title"),
      tabBar,
      kiosk,
    );
  }
}

if (!customElements.get("parcel-locker-panel")) customElements.define("parcel-locker-panel", ParcelLockerPanel);

declare global {
  interface HTMLElementTagNameMap {
    "parcel-locker-panel": ParcelLockerPanel;
  }
}
