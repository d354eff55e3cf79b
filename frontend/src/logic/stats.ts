/** Statistics series turned into SVG geometry (pure, no chart library). */

export interface ChartBox {
  width: number;
  height: number;
}

const round = (n: number): number => Math.round(n * 10) / 10;

/** A round upper bound for an axis: 1, 2, 5 x 10^n, never below `floor`. */
export function niceMax(max: number, floor = 1): number {
  if (!Number.isFinite(max) || max <= floor) return floor;
  const power = 10 ** Math.floor(Math.log10(max));
  for (const step of [1, 2, 2.5, 5, 10]) {
    if (step * power >= max) return step * power;
  }
  return 10 * power;
}

const x = (i: number, n: number, width: number): number => (n <= 1 ? width / 2 : (i / (n - 1)) * width);
const y = (v: number, max: number, height: number): number => height - (Math.min(Math.max(v, 0), max) / max) * height;

/** A line through the values; a null breaks the line (no data that day). */
export function linePath(values: readonly (number | null)[], box: ChartBox, max: number): string {
  const parts: string[] = [];
  let pen = false;
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      pen = false;
      return;
    }
    parts.push(`${pen ? "L" : "M"}${round(x(i, values.length, box.width))} ${round(y(v, max, box.height))}`);
    pen = true;
  });
  return parts.join(" ");
}

/** The area under the line, one closed shape per unbroken run. */
export function areaPath(values: readonly (number | null)[], box: ChartBox, max: number): string {
  const shapes: string[] = [];
  let run: [number, number][] = [];
  const flush = (): void => {
    if (run.length) {
      const first = run[0];
      const last = run[run.length - 1];
      if (first && last) {
        const line = run.map(([px, py], j) => `${j ? "L" : "M"}${round(px)} ${round(py)}`).join(" ");
        shapes.push(`${line} L${round(last[0])} ${box.height} L${round(first[0])} ${box.height} Z`);
      }
    }
    run = [];
  };
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      flush();
      return;
    }
    run.push([x(i, values.length, box.width), y(v, max, box.height)]);
  });
  flush();
  return shapes.join(" ");
}

export interface Bar {
  index: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

/** One bar per value (nulls get none), with a gap of a quarter of a slot. */
export function bars(values: readonly (number | null)[], box: ChartBox, max: number): Bar[] {
  const slot = values.length ? box.width / values.length : 0;
  const width = slot * 0.75;
  const out: Bar[] = [];
  values.forEach((v, index) => {
    if (v === null || !Number.isFinite(v)) return;
    const top = y(v, max, box.height);
    out.push({ index, x: round(index * slot + (slot - width) / 2), y: round(top), width: round(width), height: round(box.height - top) });
  });
  return out;
}

/** The mean of the known values, or null when there is none. */
export function mean(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null && Number.isFinite(v));
  return known.length ? known.reduce((a, b) => a + b, 0) / known.length : null;
}

export const maxOf = (values: readonly (number | null)[]): number =>
  values.reduce<number>((m, v) => (v !== null && Number.isFinite(v) && v > m ? v : m), 0);
