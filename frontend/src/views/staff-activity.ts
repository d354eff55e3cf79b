/** Staff: the audit trail, newest first, filtered by wall, action, actor and parcel. */
import { LitElement, css, html, nothing } from "lit";
import { fetchAudit } from "../api";
import { card, type PanelContext } from "../context";
import type { AuditFilter } from "../logic/filters";
import { formatDateTime, relativeTime } from "../logic/time";
import { dynamicText } from "../strings";
import { sharedStyles } from "../styles";
import type { AuditEntry, Parcel } from "../types";
import { filterBarStyles } from "./staff-parcels";
import "../components/icon";

const TYPING_MS = 400;

export const actionName = (ctx: PanelContext, action: string): string =>
  dynamicText(ctx.t, `audit_${action}`, action);

/** "user:Bob" -> "Bob"; "keypad:..." and "automation" read as they are. */
export const actorName = (actor: string | null): string => (actor ?? "").replace(/^user:/, "");

export class PlkStaffActivity extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    live: { attribute: false },
    _filter: { state: true },
    _entries: { state: true },
    _actions: { state: true },
    _error: { state: true },
  };
  declare ctx: PanelContext;
  declare live: Parcel[];
  declare _filter: AuditFilter;
  declare _entries: AuditEntry[] | null;
  declare _actions: string[];
  declare _error: string | null;
  private _timer: ReturnType<typeof setTimeout> | undefined;
  private _request = 0;

  constructor() {
    super();
    this.live = [];
    this._filter = {};
    this._entries = null;
    this._actions = [];
    this._error = null;
  }

  static override styles = [
    sharedStyles,
    filterBarStyles,
    css`
      :host {
        display: block;
      }
      ol {
        list-style: none;
        margin: 0;
        padding: 0;
      }
      li {
        display: grid;
        grid-template-columns: 170px minmax(140px, 1fr) 110px minmax(100px, 0.8fr) minmax(90px, 0.7fr);
        gap: 12px;
        align-items: center;
        padding: 10px 16px;
        border-top: 1px solid var(--pl-border);
        font-size: 14px;
      }
      .when .sub,
      .sub {
        display: block;
        font-size: 12px;
        color: var(--pl-muted);
      }
      .action {
        font-weight: 500;
      }
      .pid {
        border: none;
        background: none;
        color: var(--pl-primary);
        cursor: pointer;
        padding: 0;
        font-family: var(--ha-font-family-code, monospace);
        font-size: 12px;
        text-align: left;
      }
      :host([narrow]) li {
        grid-template-columns: 1fr auto;
        gap: 2px 12px;
        padding: 10px 12px;
      }
      :host([narrow]) li .where {
        text-align: right;
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
    if (changed.has("live") && changed.get("live") !== undefined) this._schedule(1000);
  }

  private _schedule(ms: number): void {
    clearTimeout(this._timer);
    this._timer = setTimeout(() => void this._fetch(), ms);
  }

  private async _fetch(): Promise<void> {
    if (!this.ctx) return;
    const request = ++this._request;
    try {
      const result = await fetchAudit(this.ctx.hass, this._filter);
      if (request !== this._request) return;
      this._entries = result.entries;
      if (result.actions?.length) this._actions = result.actions;
      this._error = null;
    } catch (error) {
      if (request === this._request) this._error = this.ctx.error(error);
    }
  }

  private _set(patch: Partial<AuditFilter>, typing = false): void {
    this._filter = { ...this._filter, ...patch };
    if (typing) this._schedule(TYPING_MS);
    else void this._fetch();
  }

  protected override render() {
    const { ctx } = this;
    if (!ctx) return nothing;
    const { t, session } = ctx;
    const f = this._filter;
    return card(
      html`<div class="card-content">
          <div class="filters">
            ${session.walls.length > 1
              ? html`<label class="field"
                  >${t("filter_wall")}
                  <select @change=${(e: Event) => this._set({ wall: (e.target as HTMLSelectElement).value })}>
                    <option value="">${t("filter_all_walls")}</option>
                    ${session.walls.map((w) => html`<option value=${w.wall_id} ?selected=${w.wall_id === f.wall}>${w.name}</option>`)}
                  </select></label
                >`
              : nothing}
            <label class="field"
              >${t("filter_action")}
              <select data-testid="filter-action" @change=${(e: Event) => this._set({ action: (e.target as HTMLSelectElement).value })}>
                <option value="">${t("filter_all_actions")}</option>
                ${this._actions.map((a) => html`<option value=${a} ?selected=${a === f.action}>${actionName(ctx, a)}</option>`)}
              </select></label
            >
            <label class="field"
              >${t("filter_actor")}
              <input
                type="search"
                .value=${f.actor ?? ""}
                @input=${(e: Event) => this._set({ actor: (e.target as HTMLInputElement).value }, true)}
            /></label>
            <label class="field"
              >${t("filter_parcel")}
              <input
                type="search"
                .value=${f.parcelId ?? ""}
                @input=${(e: Event) => this._set({ parcelId: (e.target as HTMLInputElement).value }, true)}
            /></label>
          </div>
          ${this._error
            ? html`<div class="error-box" role="alert"><plk-icon icon="alert_circle"></plk-icon>${this._error}</div>`
            : nothing}
          <div class="count muted small" aria-live="polite">
            ${this._entries === null ? t("loading") : this.ctx.tn("entry_count", this._entries.length)}
          </div>
        </div>
        ${this._entries?.length
          ? html`<ol>
              ${this._entries.map((e) => this._entry(e))}
            </ol>`
          : this._entries !== null
            ? html`<div class="empty"><plk-icon icon="history"></plk-icon><p>${t("activity_empty")}</p></div>`
            : nothing}`,
    );
  }

  private _entry(e: AuditEntry) {
    const ctx = this.ctx;
    const { locale, timeZone, now, t } = ctx;
    return html`<li data-action=${e.action}>
      <span class="when"
        >${formatDateTime(e.time, locale, timeZone)}<span class="sub">${relativeTime(e.time, now, locale)}</span></span
      >
      <span class="action"
        >${actionName(ctx, e.action)}${e.result && e.result !== "ok"
          ? html`<span class="sub">${dynamicText(t, `result_${e.result}`, e.result)}</span>`
          : nothing}</span
      >
      <span class="where">${e.compartment ?? ""}<span class="sub">${e.wall_name ?? ""}</span></span>
      <span>${actorName(e.actor)}</span>
      <span
        >${e.parcel_id
          ? html`<button class="pid" title=${t("filter_parcel")} @click=${() => this._set({ parcelId: e.parcel_id ?? "" })}>
              ${e.parcel_id}
            </button>`
          : nothing}</span
      >
    </li>`;
  }
}

if (!customElements.get("plk-staff-activity")) customElements.define("plk-staff-activity", PlkStaffActivity);

declare global {
  interface HTMLElementTagNameMap {
    "plk-staff-activity": PlkStaffActivity;
  }
}
