/** A small inline SVG chart of one statistic over the last days (line/area or bars). */
import { LitElement, css, html, nothing, svg } from "lit";
import { areaPath, bars, linePath, maxOf, niceMax } from "../logic/stats";
import { sharedStyles } from "../styles";

const BOX = { width: 300, height: 96 };

export class PlkChart extends LitElement {
  static override properties = {
    values: { attribute: false },
    kind: {},
    max: { type: Number },
    label: {},
    color: {},
    startLabel: { attribute: "start-label" },
    endLabel: { attribute: "end-label" },
    maxLabel: { attribute: "max-label" },
  };
  declare values: (number | null)[];
  declare kind: "line" | "bars";
  declare max: number | undefined;
  declare label: string;
  declare color: string;
  declare startLabel: string;
  declare endLabel: string;
  declare maxLabel: string;

  constructor() {
    super();
    this.values = [];
    this.kind = "line";
    this.label = "";
    this.color = "var(--primary-color, #03a9f4)";
    this.startLabel = "";
    this.endLabel = "";
    this.maxLabel = "";
  }

  /** The top of the axis the chart uses (for the label next to it). */
  static axisMax(values: readonly (number | null)[], fixed?: number): number {
    return fixed ?? niceMax(maxOf(values));
  }

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .frame {
        position: relative;
        padding-left: 32px;
      }
      svg {
        display: block;
        width: 100%;
        height: 96px;
        overflow: visible;
      }
      .axis {
        stroke: var(--pl-border);
        stroke-width: 1;
        vector-effect: non-scaling-stroke;
      }
      .line {
        fill: none;
        stroke-width: 2;
        vector-effect: non-scaling-stroke;
        stroke-linejoin: round;
      }
      .area {
        opacity: 0.18;
      }
      .ymax,
      .yzero {
        position: absolute;
        left: 0;
        width: 28px;
        text-align: right;
        font-size: 11px;
        color: var(--pl-muted);
      }
      .ymax {
        top: -6px;
      }
      .yzero {
        bottom: 18px;
      }
      .x {
        display: flex;
        justify-content: space-between;
        font-size: 11px;
        color: var(--pl-muted);
        margin-top: 4px;
      }
    `,
  ];

  protected override render() {
    const max = PlkChart.axisMax(this.values, this.max);
    const fill = `fill: ${this.color}`;
    const stroke = `stroke: ${this.color}`;
    const shapes =
      this.kind === "bars"
        ? bars(this.values, BOX, max).map(
            (b) => svg`<rect x=${b.x} y=${b.y} width=${b.width} height=${b.height} rx="1.5" style=${fill}></rect>`,
          )
        : svg`<path class="area" d=${areaPath(this.values, BOX, max)} style=${fill}></path>
              <path class="line" d=${linePath(this.values, BOX, max)} style=${stroke}></path>`;
    return html`
      <div class="frame">
        <span class="ymax" aria-hidden="true">${this.maxLabel || max}</span>
        <span class="yzero" aria-hidden="true">0</span>
        <svg viewBox="0 0 ${BOX.width} ${BOX.height}" preserveAspectRatio="none" role="img" aria-label=${this.label}>
          <line class="axis" x1="0" y1=${BOX.height} x2=${BOX.width} y2=${BOX.height}></line>
          <line class="axis" x1="0" y1="0" x2=${BOX.width} y2="0" stroke-dasharray="3 3"></line>
          ${shapes}
        </svg>
        ${this.startLabel || this.endLabel
          ? html`<div class="x" aria-hidden="true"><span>${this.startLabel}</span><span>${this.endLabel}</span></div>`
          : nothing}
      </div>
    `;
  }
}

if (!customElements.get("plk-chart")) customElements.define("plk-chart", PlkChart);

declare global {
  interface HTMLElementTagNameMap {
    "plk-chart": PlkChart;
  }
}
