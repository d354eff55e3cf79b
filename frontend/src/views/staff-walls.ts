/** Staff: every wall drawn as its grid, its problems, and a sheet to act on a compartment. */
import { LitElement, css, html, nothing } from "lit";
import { keyed } from "lit/directives/keyed.js";
import { card, type PanelContext } from "../context";
import { groupProblems, problemIcon, SEVERITY_COLOR, TONE_COLOR } from "../logic/tiles";
import { formatTemperature } from "../logic/temperature";
import { dynamicText, statusName } from "../strings";
import { sharedStyles } from "../styles";
import type { CompartmentState, Parcel, WallState } from "../types";
import { compartmentActions, parcelActions, parcelFacts } from "./staff-actions";
import "../components/action-bar";
import "../components/icon";
import "../components/sheet";
import "../components/wall-grid";

export const factsStyles = css`
  dl.facts {
    display: grid;
    grid-template-columns: max-content 1fr;
    gap: 6px 16px;
    margin: 0 0 16px;
    font-size: 14px;
  }
  dl.facts dt {
    color: var(--pl-muted);
  }
  dl.facts dd {
    margin: 0;
    overflow-wrap: anywhere;
  }
  .section-title {
    font-size: 13px;
    font-weight: 500;
    text-transform: uppercase;
    letter-spacing: 0.06em;
    color: var(--pl-muted);
    margin: 16px 0 8px;
  }
`;

export class PlkStaffWalls extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    walls: { attribute: false },
    parcels: { attribute: false },
    _selected: { state: true },
  };
  declare ctx: PanelContext;
  declare walls: WallState[];
  declare parcels: Parcel[];
  declare _selected: { wall: string; number: number } | null;

  constructor() {
    super();
    this.walls = [];
    this.parcels = [];
    this._selected = null;
  }

  static override styles = [
    sharedStyles,
    factsStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: var(--pl-gap);
      }
      .legend {
        display: flex;
        flex-wrap: wrap;
        gap: 6px 12px;
        font-size: 13px;
        color: var(--pl-muted);
      }
      .legend span {
        display: inline-flex;
        align-items: center;
        gap: 4px;
        --pl-icon-size: 18px;
      }
      .wall-head {
        display: flex;
        align-items: center;
        flex-wrap: wrap;
        gap: 8px 12px;
        margin-bottom: 12px;
      }
      .wall-head h2 {
        margin-right: auto;
      }
      .problems {
        display: flex;
        flex-direction: column;
        gap: 6px;
        margin-bottom: 16px;
        padding: 10px 12px;
        border-radius: 10px;
        background: color-mix(in srgb, var(--pl-error) 7%, transparent);
      }
      .problem {
        display: flex;
        align-items: center;
        flex-wrap: wrap;
        gap: 6px 8px;
        font-size: 14px;
      }
      .problem > plk-icon {
        --pl-icon-size: 20px;
      }
      .problem .where {
        display: inline-flex;
        flex-wrap: wrap;
        gap: 4px;
      }
      .link {
        border: 1px solid var(--pl-border);
        background: var(--pl-card-bg);
        border-radius: 12px;
        padding: 2px 10px;
        min-height: 28px;
        cursor: pointer;
        font-weight: 500;
        font-variant-numeric: tabular-nums;
      }
      .ok-line {
        display: flex;
        align-items: center;
        gap: 8px;
        color: var(--pl-muted);
        font-size: 14px;
        margin-bottom: 16px;
        --pl-icon-size: 20px;
      }
      .ok-line plk-icon {
        color: var(--pl-ok);
      }
      .empty-walls {
        padding: 24px;
      }
    `,
  ];

  private _open(wall: WallState, c: CompartmentState): void {
    this._selected = { wall: wall.wall_id, number: c.number };
  }

  protected override render() {
    const { ctx } = this;
    if (!ctx) return nothing;
    const { t } = ctx;
    if (!this.walls.length) {
      return card(html`<div class="empty"><plk-icon icon="grid"></plk-icon><h2>${t("walls_empty")}</h2></div>`);
    }
    return html`
      <div class="legend" aria-label=${t("legend")}>
        ${(["free", "reserved", "occupied", "out_of_service"] as const).map(
          (s) => html`<span><plk-icon icon=${s} style="color: ${TONE_COLOR[s]}"></plk-icon>${statusName(ctx.localize, s)}</span>`,
        )}
        <span><plk-icon icon="door_open" style="color: var(--warning-color)"></plk-icon>${t("door_open")}</span>
        <span><plk-icon icon="cold" style="color: var(--info-color, #039be5)"></plk-icon>${t("cooled")}</span>
        <span><plk-icon icon="alert_circle" style="color: var(--error-color)"></plk-icon>${t("legend_problem")}</span>
      </div>
      ${this.walls.map((wall) => this._wall(wall))} ${this._sheet()}
    `;
  }

  private _wall(wall: WallState) {
    const { t } = this.ctx;
    const info = this.ctx.session.walls.find((w) => w.wall_id === wall.wall_id);
    const problems = groupProblems(wall.problems);
    return card(
      html`<div class="card-content" data-wall=${wall.wall_id}>
        <div class="wall-head">
          <h2>${wall.name}</h2>
          <span class="chip" style="--chip-color: ${wall.online ? "var(--success-color)" : "var(--error-color)"}">
            <plk-icon icon=${wall.online ? "check" : "offline"}></plk-icon>${wall.online ? t("wall_online") : t("wall_offline")}
          </span>
          <span class="chip" style="--chip-color: var(--success-color)"
            ><plk-icon icon="free"></plk-icon>${t("free_count", { count: wall.free })}</span
          >
          <span class="chip" style="--chip-color: var(--primary-color)"
            ><plk-icon icon="occupied"></plk-icon>${this.ctx.tn("waiting_count", wall.waiting)}</span
          >
        </div>
        ${problems.length
          ? html`<div class="problems" role="list" aria-label=${t("problems_title")}>
              ${problems.map(
                (p) =>
                  html`<div class="problem" role="listitem">
                    <plk-icon icon=${problemIcon(p.problem)} style="color: ${SEVERITY_COLOR[p.severity]}"></plk-icon>
                    <span>${dynamicText(t, `problem_${p.problem}`, p.problem)}</span>
                    <span class="where">
                      ${p.compartments.map((label) => {
                        const c = wall.compartments.find((x) => x.label === label);
                        return c
                          ? html`<button class="link" @click=${() => this._open(wall, c)}>${label}</button>`
                          : html`<span class="link">${label}</span>`;
                      })}
                    </span>
                  </div>`,
              )}
            </div>`
          : html`<div class="ok-line"><plk-icon icon="check"></plk-icon>${t("no_problems")}</div>`}
        <plk-wall-grid
          .ctx=${this.ctx}
          .wall=${wall}
          .columns=${info?.columns ?? null}
          @compartment-selected=${(e: CustomEvent<{ compartment: CompartmentState }>) => this._open(wall, e.detail.compartment)}
        ></plk-wall-grid>
      </div>`,
    );
  }

  private _sheet() {
    const sel = this._selected;
    const wall = sel ? this.walls.find((w) => w.wall_id === sel.wall) : undefined;
    const c = wall?.compartments.find((x) => x.number === sel?.number);
    if (!wall || !c) return nothing;
    const { t, localize, unit, locale } = this.ctx;
    const parcel = c.parcel_id ? this.parcels.find((p) => p.parcel_id === c.parcel_id) : undefined;
    const yesNoUnknown = (v: boolean | null, yes: string, no: string) => (v === null ? t("unknown") : v ? yes : no);
    const temp = formatTemperature(c.temperature, unit, locale);
    const setpoint = formatTemperature(c.setpoint, unit, locale);
    return html`<plk-sheet
      open
      .narrow=${this.ctx.narrow}
      heading=${t("compartment_heading", { compartment: c.label, wall: wall.name })}
      close-label=${t("close")}
      @closed=${() => (this._selected = null)}
    >
      <dl class="facts" data-testid="compartment-facts">
        <dt>${t("field_status")}</dt>
        <dd>${wall.online ? statusName(localize, c.status) : t("wall_offline")}</dd>
        <dt>${t("field_size")}</dt>
        <dd>${c.cooled ? `${c.size} · ${t("cooled")}` : c.size}</dd>
        <dt>${t("field_door")}</dt>
        <dd>${yesNoUnknown(c.door_open, t("door_open"), t("door_closed"))}</dd>
        <dt>${t("field_lock")}</dt>
        <dd>${yesNoUnknown(c.locked, t("lock_locked"), t("lock_released"))}</dd>
        <dt>${t("field_parcel_sensor")}</dt>
        <dd>${yesNoUnknown(c.present, t("parcel_inside"), t("parcel_none"))}</dd>
        ${temp ? html`<dt>${t("field_temperature")}</dt><dd>${temp}${setpoint ? ` (${t("setpoint", { value: setpoint })})` : ""}</dd>` : nothing}
        ${c.problems.length
          ? html`<dt>${t("field_problems")}</dt>
              <dd>${c.problems.map((p) => dynamicText(t, `problem_${p}`, p)).join(", ")}</dd>`
          : nothing}
      </dl>
      ${keyed(
        `${wall.wall_id}/${c.label}`,
        html`<plk-action-bar .ctx=${this.ctx} .actions=${compartmentActions(this.ctx, wall, c)}></plk-action-bar>`,
      )}
      ${parcel
        ? html`<div class="section-title">${t("parcel_section")}</div>
            ${parcelFacts(this.ctx, parcel)}
            ${keyed(
              parcel.parcel_id,
              html`<plk-action-bar .ctx=${this.ctx} .actions=${parcelActions(this.ctx, parcel)}></plk-action-bar>`,
            )}`
        : c.recipient_name
          ? html`<div class="section-title">${t("parcel_section")}</div>
              <p>${t("parcel_for", { name: c.recipient_name })}</p>`
          : nothing}
    </plk-sheet>`;
  }
}

if (!customElements.get("plk-staff-walls")) customElements.define("plk-staff-walls", PlkStaffWalls);

declare global {
  interface HTMLElementTagNameMap {
    "plk-staff-walls": PlkStaffWalls;
  }
}
