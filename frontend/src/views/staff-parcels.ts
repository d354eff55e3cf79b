/** Staff: the parcels, filtered by wall, state and text, finished ones on demand. */
import { LitElement, css, html, nothing } from "lit";
import { fetchParcels } from "../api";
import { card, type PanelContext } from "../context";
import { ACTIVE_STATES, ALL_STATES, filterParcels, sortNewestFirst } from "../logic/parcels";
import { deadlineState, formatDateTime, relativeTime } from "../logic/time";
import { sharedStyles } from "../styles";
import type { Parcel } from "../types";
import { parcelActions, parcelFacts, parcelStateName, placeName } from "./staff-actions";
import { factsStyles } from "./staff-walls";
import "../components/action-bar";
import "../components/icon";
import "../components/sheet";

const REFRESH_MS = 1000;

export const filterBarStyles = css`
  .filters {
    display: grid;
    grid-template-columns: repeat(auto-fit, minmax(160px, 1fr));
    gap: 12px;
    align-items: end;
    margin-bottom: 16px;
  }
  :host([narrow]) .filters {
    grid-template-columns: 1fr 1fr;
  }
  :host([narrow]) .filters .wide {
    grid-column: 1 / -1;
  }
  .count {
    margin-bottom: 8px;
  }
`;

export class PlkStaffParcels extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    live: { attribute: false },
    _wall: { state: true },
    _state: { state: true },
    _text: { state: true },
    _finished: { state: true },
    _list: { state: true },
    _error: { state: true },
    _selected: { state: true },
  };
  declare ctx: PanelContext;
  /** The subscription's parcels: a change means the list may be stale. */
  declare live: Parcel[];
  declare _wall: string;
  declare _state: string;
  declare _text: string;
  declare _finished: boolean;
  declare _list: Parcel[] | null;
  declare _error: string | null;
  declare _selected: string | null;
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _request = 0;

  constructor() {
    super();
    this.live = [];
    this._wall = "";
    this._state = "";
    this._text = "";
    this._finished = false;
    this._list = null;
    this._error = null;
    this._selected = null;
  }

  static override styles = [
    sharedStyles,
    factsStyles,
    filterBarStyles,
    css`
      :host {
        display: block;
      }
      .rows {
        display: flex;
        flex-direction: column;
      }
      .row {
        display: grid;
        grid-template-columns: 88px minmax(120px, 1.3fr) 130px minmax(120px, 1.2fr) 120px 150px;
        gap: 12px;
        align-items: center;
        width: 100%;
        min-height: 52px;
        padding: 8px 16px;
        border: none;
        border-top: 1px solid var(--pl-border);
        background: transparent;
        text-align: left;
        cursor: pointer;
        font-size: 14px;
      }
      .row:hover {
        background: color-mix(in srgb, var(--primary-text-color) 4%, transparent);
      }
      .row.head {
        cursor: default;
        border-top: none;
        font-size: 12px;
        color: var(--pl-muted);
        font-weight: 500;
        min-height: 40px;
      }
      .row.head:hover {
        background: none;
      }
      .label {
        font-weight: 600;
        font-variant-numeric: tabular-nums;
      }
      .sub {
        display: block;
        color: var(--pl-muted);
        font-size: 12px;
        overflow: hidden;
        text-overflow: ellipsis;
        white-space: nowrap;
      }
      .soon {
        color: var(--pl-warn);
      }
      .passed {
        color: var(--pl-error);
      }
      :host([narrow]) .row {
        grid-template-columns: 64px 1fr auto;
        grid-template-areas: "label who state" "label what when";
        gap: 2px 12px;
        padding: 10px 12px;
      }
      :host([narrow]) .row.head {
        display: none;
      }
      :host([narrow]) .c-label {
        grid-area: label;
      }
      :host([narrow]) .c-who {
        grid-area: who;
      }
      :host([narrow]) .c-state {
        grid-area: state;
        justify-self: end;
      }
      :host([narrow]) .c-what {
        grid-area: what;
      }
      :host([narrow]) .c-since {
        display: none;
      }
      :host([narrow]) .c-deadline {
        grid-area: when;
        justify-self: end;
        font-size: 12px;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this._fetch();
  }

  override disconnectedCallback(): void {
    clearTimeout(this._timer);
    super.disconnectedCallback();
  }

  protected override willUpdate(changed: Map<string, unknown>): void {
    this.toggleAttribute("narrow", Boolean(this.ctx?.narrow));
    if (changed.has("live") && changed.get("live") !== undefined) this._schedule();
  }

  private _schedule(): void {
    clearTimeout(this._timer);
    this._timer = setTimeout(() => void this._fetch(), REFRESH_MS);
  }

  private async _fetch(): Promise<void> {
    if (!this.ctx) return;
    const request = ++this._request;
    try {
      const list = await fetchParcels(this.ctx.hass, {
        wall: this._wall,
        state: this._state,
        includeFinished: this._finished,
      });
      if (request === this._request) {
        this._list = list;
        this._error = null;
      }
    } catch (error) {
      if (request === this._request) this._error = this.ctx.error(error);
    }
  }

  private _set(patch: { wall?: string; state?: string }): void {
    if (patch.wall !== undefined) this._wall = patch.wall;
    if (patch.state !== undefined) this._state = patch.state;
    void this._fetch();
  }

  protected override render() {
    const { ctx } = this;
    if (!ctx) return nothing;
    const { t, session } = ctx;
    const states = this._finished ? ALL_STATES : ACTIVE_STATES;
    const shown = sortNewestFirst(
      filterParcels(this._list ?? [], {
        wall: this._wall,
        state: this._state,
        text: this._text,
        includeFinished: this._finished,
      }),
    );
    return card(
      html`<div class="card-content">
          <div class="filters">
            ${session.walls.length > 1
              ? html`<label class="field"
                  >${t("filter_wall")}
                  <select @change=${(e: Event) => this._set({ wall: (e.target as HTMLSelectElement).value })}>
                    <option value="">${t("filter_all_walls")}</option>
                    ${session.walls.map(
                      (w) => html`<option value=${w.wall_id} ?selected=${w.wall_id === this._wall}>${w.name}</option>`,
                    )}
                  </select></label
                >`
              : nothing}
            <label class="field"
              >${t("filter_state")}
              <select data-testid="filter-state" @change=${(e: Event) => this._set({ state: (e.target as HTMLSelectElement).value })}>
                <option value="">${t("filter_all_states")}</option>
                ${states.map(
                  (s) => html`<option value=${s} ?selected=${s === this._state}>${parcelStateName(ctx, s)}</option>`,
                )}
              </select></label
            >
            <label class="field wide"
              >${t("filter_search")}
              <input
                type="search"
                data-testid="filter-text"
                .value=${this._text}
                placeholder=${t("filter_search_placeholder")}
                @input=${(e: Event) => (this._text = (e.target as HTMLInputElement).value)}
            /></label>
            <label class="check wide"
              ><input
                type="checkbox"
                .checked=${this._finished}
                @change=${(e: Event) => {
                  this._finished = (e.target as HTMLInputElement).checked;
                  void this._fetch();
                }}
              />${t("filter_include_finished")}</label
            >
          </div>
          ${this._error
            ? html`<div class="error-box" role="alert"><plk-icon icon="alert_circle"></plk-icon>${this._error}</div>`
            : nothing}
          <div class="count muted small" aria-live="polite">
            ${this._list === null ? t("loading") : this.ctx.tn("parcel_count", shown.length)}
          </div>
        </div>
        ${shown.length
          ? html`<div class="rows" role="list">
              <div class="row head" aria-hidden="true">
                <span>${t("field_compartment")}</span><span>${t("field_recipient")}</span><span>${t("field_state")}</span
                ><span>${t("field_carrier")}</span><span>${t("field_stored")}</span><span>${t("field_deadline")}</span>
              </div>
              ${shown.map((p) => this._row(p))}
            </div>`
          : this._list !== null
            ? html`<div class="empty"><plk-icon icon="list"></plk-icon><p>${t("parcels_empty")}</p></div>`
            : nothing}
        ${this._sheet()}`,
    );
  }

  private _row(p: Parcel) {
    const ctx = this.ctx;
    const { t, now, locale, timeZone } = ctx;
    const deadline = deadlineState(p.deadline, now);
    return html`<button class="row" role="listitem" data-parcel=${p.parcel_id} @click=${() => (this._selected = p.parcel_id)}>
      <span class="c-label label">${placeName(ctx, p, true)}</span>
      <span class="c-who">${p.recipient_name ?? p.recipient ?? t("unknown")}<span class="sub">${p.wall_name ?? ""}</span></span>
      <span class="c-state">${parcelStateName(ctx, p.state)}</span>
      <span class="c-what">${p.carrier ?? t("unknown")}<span class="sub">${p.tracking ?? ""}</span></span>
      <span class="c-since">${relativeTime(p.stored_at ?? p.created, now, locale)}</span>
      <span class="c-deadline ${deadline}">${formatDateTime(p.finished_at ?? p.deadline, locale, timeZone)}</span>
    </button>`;
  }

  private _sheet() {
    const parcel = this._selected ? this._list?.find((p) => p.parcel_id === this._selected) : undefined;
    if (!parcel) return nothing;
    const { t } = this.ctx;
    return html`<plk-sheet
      open
      .narrow=${this.ctx.narrow}
      heading=${t("parcel_heading", { name: parcel.recipient_name ?? parcel.recipient ?? t("unknown") })}
      close-label=${t("close")}
      @closed=${() => (this._selected = null)}
    >
      ${parcelFacts(this.ctx, parcel)}
      <plk-action-bar .ctx=${this.ctx} .actions=${parcelActions(this.ctx, parcel)}></plk-action-bar>
    </plk-sheet>`;
  }
}

if (!customElements.get("plk-staff-parcels")) customElements.define("plk-staff-parcels", PlkStaffParcels);

declare global {
  interface HTMLElementTagNameMap {
    "plk-staff-parcels": PlkStaffParcels;
  }
}
