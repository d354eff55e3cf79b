/** One wall drawn as its grid of compartments; a tile click fires `compartment-selected`. */
import { LitElement, css, html, nothing } from "lit";
import type { PanelContext } from "../context";
import { fireEvent } from "../context";
import { gridColumns, TILE_GAP } from "../logic/grid";
import { SEVERITY_COLOR, tileLook, type TileLook } from "../logic/tiles";
import { formatTemperature } from "../logic/temperature";
import { dynamicText, statusName } from "../strings";
import { sharedStyles } from "../styles";
import type { CompartmentState, WallState } from "../types";
import "./icon";

export const MIN_TILE = 84;
export const MIN_TILE_NARROW = 68;

export function tileLabel(ctx: PanelContext, c: CompartmentState, look: TileLook): string {
  const { t } = ctx;
  const parts = [
    c.label,
    t("size_label", { size: c.size }),
    look.tone === "offline" ? t("wall_offline") : statusName(ctx.localize, c.status),
    look.door === "open" ? t("door_open") : look.door === "closed" ? t("door_closed") : t("door_unknown"),
  ];
  if (look.parcel) parts.push(t("parcel_inside"));
  if (c.cooled) parts.push(t("cooled"));
  const temp = formatTemperature(c.temperature, ctx.unit, ctx.locale);
  if (temp) parts.push(temp);
  for (const problem of c.problems) parts.push(dynamicText(t, `problem_${problem}`, problem));
  return parts.join(", ");
}

export class PlkWallGrid extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    wall: { attribute: false },
    columns: { type: Number },
    _width: { state: true },
  };
  declare ctx: PanelContext;
  declare wall: WallState;
  declare columns: number | null;
  declare _width: number;
  private _observer?: ResizeObserver;

  constructor() {
    super();
    this.columns = null;
    this._width = 0;
  }

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .grid {
        display: grid;
        gap: ${TILE_GAP}px;
      }
      [role="listitem"] {
        display: flex;
        min-width: 0;
      }
      .tile {
        flex: 1;
        min-width: 0;
        position: relative;
        display: flex;
        flex-direction: column;
        justify-content: space-between;
        gap: 4px;
        min-height: 88px;
        padding: 8px;
        border-radius: 10px;
        border: 2px solid color-mix(in srgb, var(--tone) 40%, transparent);
        background: color-mix(in srgb, var(--tone) 16%, var(--pl-card-bg));
        cursor: pointer;
        text-align: left;
        overflow: hidden;
      }
      .tile.free {
        border-color: color-mix(in srgb, var(--tone) 30%, transparent);
        background: color-mix(in srgb, var(--tone) 5%, var(--pl-card-bg));
      }
      .tile:hover {
        background: color-mix(in srgb, var(--tone) 26%, var(--pl-card-bg));
      }
      .tile.problem {
        border-color: var(--severity);
        box-shadow: 0 0 0 1px var(--severity);
      }
      .tile.offline,
      .tile.out_of_service {
        background: repeating-linear-gradient(
          135deg,
          color-mix(in srgb, var(--tone) 14%, var(--pl-card-bg)) 0 8px,
          color-mix(in srgb, var(--tone) 6%, var(--pl-card-bg)) 8px 16px
        );
      }
      .top {
        display: flex;
        align-items: center;
        justify-content: space-between;
        gap: 4px;
      }
      .label {
        font-weight: 600;
        font-size: 15px;
        font-variant-numeric: tabular-nums;
        white-space: nowrap;
      }
      .size {
        font-size: 11px;
        font-weight: 600;
        padding: 0 6px;
        line-height: 18px;
        border-radius: 9px;
        border: 1px solid var(--pl-border);
        color: var(--pl-muted);
      }
      .status {
        color: var(--tone);
        --pl-icon-size: 26px;
      }
      .bottom {
        display: flex;
        align-items: center;
        gap: 2px;
        min-height: 20px;
        color: var(--pl-muted);
        --pl-icon-size: 18px;
        font-size: 12px;
        white-space: nowrap;
      }
      .bottom .door-open {
        color: var(--pl-warn);
      }
      .bottom .parcel {
        color: var(--primary-text-color);
      }
      .bottom .cold {
        color: var(--info-color, #039be5);
      }
      .temp {
        margin-left: auto;
        font-variant-numeric: tabular-nums;
      }
      .badges {
        position: absolute;
        top: 4px;
        right: 4px;
        display: flex;
        gap: 2px;
      }
      .badge {
        width: 22px;
        height: 22px;
        border-radius: 50%;
        display: inline-flex;
        align-items: center;
        justify-content: center;
        background: var(--severity);
        color: #fff;
        --pl-icon-size: 14px;
      }
      .tile.problem .size {
        visibility: hidden;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    if (typeof ResizeObserver !== "undefined") {
      this._observer = new ResizeObserver((entries) => {
        const width = entries[0]?.contentRect.width ?? 0;
        if (Math.abs(width - this._width) > 1) this._width = width;
      });
      this._observer.observe(this);
    }
  }

  override disconnectedCallback(): void {
    this._observer?.disconnect();
    super.disconnectedCallback();
  }

  protected override render() {
    const { wall, ctx } = this;
    if (!wall || !ctx) return nothing;
    const width = this._width || this.getBoundingClientRect().width;
    const columns = gridColumns(
      wall.compartments.length,
      this.columns,
      width,
      ctx.narrow ? MIN_TILE_NARROW : MIN_TILE,
    );
    const compartments = [...wall.compartments].sort((a, b) => a.number - b.number);
    return html`
      <div class="grid" role="list" style="grid-template-columns: repeat(${columns}, minmax(0, 1fr))">
        ${compartments.map((c) => this._tile(c))}
      </div>
    `;
  }

  private _tile(c: CompartmentState) {
    const { ctx } = this;
    const look = tileLook(c, this.wall.online);
    const temp = formatTemperature(c.temperature, ctx.unit, ctx.locale);
    const label = tileLabel(ctx, c, look);
    return html`
      <div role="listitem">
        <button
          class="tile ${look.tone} ${look.severity !== "none" ? "problem" : ""}"
          style="--tone: ${look.color}; --severity: ${SEVERITY_COLOR[look.severity]}"
          aria-label=${label}
          title=${label}
          data-compartment=${c.label}
          @click=${() => fireEvent(this, "compartment-selected", { wall: this.wall, compartment: c })}
        >
          <span class="top">
            <span class="label">${c.label}</span>
            <span class="size">${c.size}</span>
          </span>
          <plk-icon class="status" icon=${look.icon}></plk-icon>
          <span class="bottom">
            ${look.door === "open"
              ? html`<plk-icon class="door-open" icon="door_open"></plk-icon>`
              : look.door === "closed"
                ? html`<plk-icon icon="door_closed"></plk-icon>`
                : nothing}
            ${look.parcel && c.status !== "occupied" ? html`<plk-icon class="parcel" icon="parcel"></plk-icon>` : nothing}
            ${look.cold ? html`<plk-icon class="cold" icon="cold"></plk-icon>` : nothing}
            ${temp ? html`<span class="temp">${temp}</span>` : nothing}
          </span>
          ${look.badges.length
            ? html`<span class="badges">
                ${look.badges.slice(0, 2).map(
                  (b) =>
                    html`<span class="badge" style="--severity: ${SEVERITY_COLOR[b.severity]}"
                      ><plk-icon icon=${b.icon}></plk-icon
                    ></span>`,
                )}
              </span>`
            : nothing}
        </button>
      </div>
    `;
  }
}

if (!customElements.get("plk-wall-grid")) customElements.define("plk-wall-grid", PlkWallGrid);

declare global {
  interface HTMLElementTagNameMap {
    "plk-wall-grid": PlkWallGrid;
  }
}
