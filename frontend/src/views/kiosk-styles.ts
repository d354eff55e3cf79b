/** The kiosk's look: big targets for gloves, high contrast, the opened compartment huge. */
import { css, html, nothing } from "lit";
import type { PanelContext } from "../context";
import "../components/icon";

export const kioskStyles = css`
  :host {
    display: block;
    font-size: 18px;
  }
  .step {
    display: flex;
    align-items: center;
    gap: 12px;
    font-size: 22px;
    font-weight: 600;
    margin: 0 0 12px;
  }
  .step .n {
    width: 36px;
    height: 36px;
    border-radius: 50%;
    background: var(--pl-primary);
    color: var(--pl-on-primary);
    display: inline-flex;
    align-items: center;
    justify-content: center;
    font-size: 18px;
    flex: none;
  }
  .big {
    min-height: 72px;
    min-width: 72px;
    border-radius: 16px;
    border: 2px solid var(--pl-border);
    background: var(--pl-card-bg);
    color: var(--primary-text-color);
    font-size: 22px;
    font-weight: 500;
    cursor: pointer;
    padding: 8px 20px;
    display: inline-flex;
    align-items: center;
    justify-content: center;
    gap: 12px;
    touch-action: manipulation;
    --pl-icon-size: 32px;
    text-align: center;
  }
  .big[aria-pressed="true"],
  .big.selected {
    border-color: var(--pl-primary);
    background: color-mix(in srgb, var(--pl-primary) 18%, var(--pl-card-bg));
    box-shadow: inset 0 0 0 2px var(--pl-primary);
  }
  .big.primary {
    background: var(--pl-primary);
    border-color: var(--pl-primary);
    color: var(--pl-on-primary);
    font-size: 26px;
    min-height: 88px;
    width: 100%;
  }
  .big[disabled] {
    opacity: 0.45;
    cursor: default;
  }
  .big.link {
    border-style: dashed;
    color: var(--pl-primary);
  }
  input.huge {
    width: 100%;
    min-height: 72px;
    font-size: 26px;
    padding: 0 20px;
    border-radius: 16px;
    border: 2px solid var(--pl-border);
    background: var(--pl-card-bg);
    color: var(--primary-text-color);
  }
  input.huge:focus {
    border-color: var(--pl-primary);
    outline: none;
    box-shadow: 0 0 0 2px var(--pl-primary);
  }
  .message {
    font-size: 20px;
    padding: 16px 20px;
    border-radius: 16px;
  }
  .result {
    min-height: calc(100vh - 200px);
    display: flex;
    flex-direction: column;
    align-items: center;
    justify-content: center;
    text-align: center;
    gap: 16px;
    padding: 24px;
  }
  .result .kicker {
    font-size: 26px;
    color: var(--pl-muted);
  }
  .result .huge-label {
    font-size: clamp(56px, 20vw, 220px);
    line-height: 1;
    white-space: nowrap;
    max-width: 100%;
    font-weight: 700;
    letter-spacing: 0.02em;
    font-variant-numeric: tabular-nums;
    color: var(--pl-primary);
    padding: 0.08em 0.22em;
    border: 6px solid var(--pl-primary);
    border-radius: 32px;
  }
  .result .instruction {
    font-size: 28px;
    font-weight: 500;
    max-width: 28em;
  }
  .result.held .huge-icon {
    --pl-icon-size: 120px;
    color: var(--pl-warn);
  }
  .result.held .instruction {
    color: var(--primary-text-color);
  }
  .result .detail {
    font-size: 20px;
    color: var(--pl-muted);
    max-width: 32em;
  }
  .result .countdown {
    color: var(--pl-muted);
    font-size: 18px;
  }
  .result .big.primary {
    width: auto;
    min-width: min(360px, 100%);
    padding: 0 48px;
  }
  .result.held .kicker {
    color: var(--primary-text-color);
    font-weight: 600;
    font-size: 30px;
  }
`;

/** The result screen: the opened compartment shown huge, or "keep it at the desk". */
export function kioskResult(
  ctx: PanelContext,
  opts: {
    compartment: string | null;
    wall: string | null;
    kicker: string;
    instruction: string;
    /** A line under the instruction (why a parcel is held). */
    detail?: string;
    held?: boolean;
    seconds: number;
    again: string;
    onAgain: () => void;
  },
) {
  return html`<div class="result ${opts.held ? "held" : ""}" role="status" aria-live="assertive" data-testid="kiosk-result">
    ${opts.held
      ? html`<plk-icon class="huge-icon" icon="home"></plk-icon><span class="kicker">${opts.kicker}</span>`
      : html`<span class="kicker">${opts.kicker}</span>
          <span class="huge-label" data-testid="kiosk-compartment">${opts.compartment}</span>
          ${opts.wall ? html`<span class="kicker">${opts.wall}</span>` : nothing}`}
    <p class="instruction">${opts.instruction}</p>
    ${opts.detail ? html`<p class="detail" data-testid="kiosk-detail">${opts.detail}</p>` : nothing}
    <button class="big primary" data-testid="kiosk-again" @click=${opts.onAgain}>${opts.again}</button>
    <span class="countdown">${ctx.tn("kiosk_back_in", opts.seconds)}</span>
  </div>`;
}
