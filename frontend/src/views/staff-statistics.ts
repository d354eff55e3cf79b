/** Staff: the last 30 days of each wall's analytics sensors, as small SVG charts. */
import { LitElement, css, html, nothing } from "lit";
import { fetchStatistics } from "../api";
import { card, type PanelContext } from "../context";
import { mean } from "../logic/stats";
import { formatDay } from "../logic/time";
import type { StringKey } from "../strings";
import { sharedStyles } from "../styles";
import type { StatisticsDay, WallStatistics } from "../types";
import "../components/chart";
import "../components/icon";

export const STATISTICS_DAYS = 30;

interface Series {
  key: keyof Omit<StatisticsDay, "date">;
  title: StringKey;
  value: StringKey;
  kind: "line" | "bars";
  max?: number;
  color: string;
  digits: number;
}

const SERIES: Series[] = [
  { key: "occupancy", title: "stat_occupancy", value: "stat_occupancy_value", kind: "line", max: 100, color: "var(--primary-color, #03a9f4)", digits: 0 },
  { key: "deliveries", title: "stat_deliveries", value: "stat_deliveries_value", kind: "bars", color: "var(--success-color, #43a047)", digits: 1 },
  { key: "dwell_hours", title: "stat_dwell", value: "stat_dwell_value", kind: "line", color: "var(--warning-color, #ffa600)", digits: 1 },
];

export class PlkStaffStatistics extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    _walls: { state: true },
    _error: { state: true },
  };
  declare ctx: PanelContext;
  declare _walls: WallStatistics[] | null;
  declare _error: string | null;

  constructor() {
    super();
    this._walls = null;
    this._error = null;
  }

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: flex;
        flex-direction: column;
        gap: var(--pl-gap);
      }
      .charts {
        display: grid;
        grid-template-columns: repeat(auto-fit, minmax(240px, 1fr));
        gap: 24px;
        margin-top: 12px;
      }
      .stat h3 {
        font-size: 14px;
        color: var(--pl-muted);
        font-weight: 500;
      }
      .stat .value {
        font-size: 28px;
        line-height: 36px;
        font-weight: 500;
        margin-bottom: 8px;
        font-variant-numeric: tabular-nums;
      }
      .stat .value small {
        font-size: 13px;
        font-weight: 400;
        color: var(--pl-muted);
        margin-left: 4px;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this._fetch();
  }

  private async _fetch(): Promise<void> {
    if (!this.ctx) return;
    try {
      this._walls = await fetchStatistics(this.ctx.hass, STATISTICS_DAYS);
      this._error = null;
    } catch (error) {
      this._error = this.ctx.error(error);
    }
  }

  protected override render() {
    const { ctx } = this;
    if (!ctx) return nothing;
    const { t } = ctx;
    if (this._error) {
      return html`<div class="error-box" role="alert"><plk-icon icon="alert_circle"></plk-icon>${this._error}</div>`;
    }
    if (this._walls === null) return html`<p class="muted">${t("loading")}</p>`;
    if (!this._walls.length) {
      return card(html`<div class="empty"><plk-icon icon="chart"></plk-icon><p>${t("stats_empty")}</p></div>`);
    }
    return html`${this._walls.map((w) => this._wall(w))}`;
  }

  private _wall(wall: WallStatistics) {
    const { t, locale } = this.ctx;
    const first = wall.days[0]?.date;
    const last = wall.days[wall.days.length - 1]?.date;
    const number = (v: number, digits: number) =>
      new Intl.NumberFormat(locale, { maximumFractionDigits: digits, minimumFractionDigits: digits }).format(v);
    return card(
      html`<div class="card-content" data-wall=${wall.wall_id}>
        <h2>${wall.name}</h2>
        <p class="muted small">${t("stats_period", { days: STATISTICS_DAYS })}</p>
        <div class="charts">
          ${SERIES.map((s) => {
            const values = wall.days.map((d) => d[s.key]);
            const avg = mean(values);
            const shown = avg === null ? "—" : t(s.value, { value: number(avg, s.digits) });
            return html`<div class="stat" data-series=${s.key}>
              <h3>${t(s.title)}</h3>
              <div class="value">${shown}<small>${t("stats_average")}</small></div>
              <plk-chart
                .values=${values}
                kind=${s.kind}
                .max=${s.max}
                color=${s.color}
                label=${`${t(s.title)}: ${shown}`}
                start-label=${first ? formatDay(first, locale) : ""}
                end-label=${last ? formatDay(last, locale) : ""}
              ></plk-chart>
            </div>`;
          })}
        </div>
      </div>`,
    );
  }
}

if (!customElements.get("plk-staff-statistics")) customElements.define("plk-staff-statistics", PlkStaffStatistics);

declare global {
  interface HTMLElementTagNameMap {
    "plk-staff-statistics": PlkStaffStatistics;
  }
}
