/** The kiosk (/parcel-locker/kiosk): full screen over Home Assistant's chrome, Deliver | Pick up. */
import { LitElement, css, html, nothing } from "lit";
import { navigate, onTabKey, type PanelContext } from "../context";
import { kioskTabs, pickTab, type KioskTab } from "../logic/roles";
import { sharedStyles } from "../styles";
import "../components/icon";
import "./kiosk-deliver";
import "./kiosk-pickup";

export class PlkKioskView extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    tab: {},
    base: {},
  };
  declare ctx: PanelContext;
  /** The tab asked for by the URL (/kiosk/deliver, /kiosk/pickup), if any. */
  declare tab: string | null;
  /** The panel's URL prefix, e.g. /parcel-locker. */
  declare base: string;

  constructor() {
    super();
    this.tab = null;
    this.base = "/parcel-locker";
  }

  static override styles = [
    sharedStyles,
    css`
      :host {
        position: fixed;
        inset: 0;
        z-index: 100;
        display: flex;
        flex-direction: column;
        background: var(--primary-background-color, #fafafa);
        color: var(--primary-text-color);
        overflow: hidden;
      }
      header {
        display: flex;
        align-items: center;
        gap: 16px;
        padding: 12px 24px;
        background: var(--pl-card-bg);
        border-bottom: 1px solid var(--pl-border);
        flex: none;
      }
      .brand {
        display: flex;
        align-items: center;
        gap: 12px;
        font-size: 22px;
        font-weight: 600;
        margin-right: auto;
        --pl-icon-size: 36px;
      }
      .brand plk-icon {
        color: var(--pl-primary);
      }
      [role="tablist"] {
        display: flex;
        gap: 8px;
        padding: 4px;
        border-radius: 20px;
        background: color-mix(in srgb, var(--primary-text-color) 6%, transparent);
      }
      [role="tab"] {
        min-height: 64px;
        min-width: 150px;
        padding: 0 24px;
        border-radius: 16px;
        border: none;
        background: transparent;
        color: var(--primary-text-color);
        font-size: 20px;
        font-weight: 600;
        cursor: pointer;
        display: inline-flex;
        align-items: center;
        justify-content: center;
        gap: 10px;
        --pl-icon-size: 28px;
      }
      [role="tab"][aria-selected="true"] {
        background: var(--pl-primary);
        color: var(--pl-on-primary);
      }
      .exit {
        min-height: 64px;
        min-width: 64px;
        border-radius: 16px;
        border: 2px solid var(--pl-border);
        background: transparent;
        color: var(--pl-muted);
        cursor: pointer;
        display: inline-flex;
        align-items: center;
        justify-content: center;
      }
      main {
        flex: 1;
        overflow: auto;
        padding: 24px;
      }
      .inner {
        max-width: 1200px;
        margin: 0 auto;
      }
      :host([narrow]) header {
        flex-wrap: wrap;
        padding: 8px 12px;
        gap: 8px;
      }
      :host([narrow]) [role="tablist"] {
        order: 3;
        width: 100%;
      }
      :host([narrow]) [role="tab"] {
        flex: 1;
        min-width: 0;
        font-size: 18px;
      }
      :host([narrow]) main {
        padding: 16px 12px;
      }
    `,
  ];

  protected override willUpdate(): void {
    this.toggleAttribute("narrow", Boolean(this.ctx?.narrow));
  }

  private _go(tab: KioskTab): void {
    navigate(`${this.base}/kiosk/${tab}`, true);
  }

  protected override render() {
    const { ctx } = this;
    if (!ctx) return nothing;
    const { t, session } = ctx;
    const tabs = kioskTabs(session.role);
    const tab = pickTab(tabs, this.tab, "pickup");
    const wall = session.walls.find((w) => w.wall_id === session.kiosk_wall);
    return html`
      <header>
        <div class="brand">
          <plk-icon icon="occupied"></plk-icon>
          <span>${wall ? wall.name : t("title")}</span>
        </div>
        ${tabs.length > 1
          ? html`<div role="tablist" aria-label=${t("kiosk_title")} @keydown=${onTabKey}>
              ${tabs.map(
                (id) =>
                  html`<button
                    role="tab"
                    id="tab-${id}"
                    aria-selected=${id === tab ? "true" : "false"}
                    tabindex=${id === tab ? "0" : "-1"}
                    aria-controls="kiosk-main"
                    data-tab=${id}
                    @click=${() => this._go(id)}
                  >
                    <plk-icon icon=${id === "deliver" ? "truck" : "qr"}></plk-icon>${t(`kiosk_tab_${id}`)}
                  </button>`,
              )}
            </div>`
          : nothing}
        ${session.role === "staff"
          ? html`<button class="exit" aria-label=${t("kiosk_exit")} title=${t("kiosk_exit")} @click=${() => navigate(this.base)}>
              <plk-icon icon="close"></plk-icon>
            </button>`
          : nothing}
      </header>
      <main id="kiosk-main" role=${tabs.length > 1 ? "tabpanel" : "main"} aria-labelledby=${tabs.length > 1 ? `tab-${tab}` : nothing}>
        <div class="inner">
          ${tab === "deliver"
            ? html`<plk-kiosk-deliver .ctx=${ctx}></plk-kiosk-deliver>`
            : html`<plk-kiosk-pickup .ctx=${ctx}></plk-kiosk-pickup>`}
        </div>
      </main>
    `;
  }
}

if (!customElements.get("plk-kiosk-view")) customElements.define("plk-kiosk-view", PlkKioskView);

declare global {
  interface HTMLElementTagNameMap {
    "plk-kiosk-view": PlkKioskView;
  }
}
