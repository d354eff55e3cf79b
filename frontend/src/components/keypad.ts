/** A big on-screen numeric keypad (gloves): fires `keypad` with a KeypadEvent. */
import { LitElement, css, html } from "lit";
import type { KeypadEvent } from "../logic/keypad";
import { sharedStyles } from "../styles";
import "./icon";

export class PlkKeypad extends LitElement {
  static override properties = {
    disabled: { type: Boolean },
    clearLabel: { attribute: "clear-label" },
    backspaceLabel: { attribute: "backspace-label" },
  };
  declare disabled: boolean;
  declare clearLabel: string;
  declare backspaceLabel: string;

  constructor() {
    super();
    this.disabled = false;
    this.clearLabel = "C";
    this.backspaceLabel = "⌫";
  }

  static override styles = [
    sharedStyles,
    css`
      .pad {
        display: grid;
        grid-template-columns: repeat(3, 1fr);
        gap: 12px;
      }
      button {
        min-height: 72px;
        border-radius: 16px;
        border: 2px solid var(--pl-border);
        background: var(--pl-card-bg);
        color: var(--primary-text-color);
        font-size: 32px;
        font-weight: 500;
        cursor: pointer;
        touch-action: manipulation;
        display: flex;
        align-items: center;
        justify-content: center;
      }
      button:active:not([disabled]) {
        background: color-mix(in srgb, var(--pl-primary) 20%, var(--pl-card-bg));
      }
      button[disabled] {
        opacity: 0.4;
      }
      .fn {
        font-size: 20px;
        color: var(--pl-muted);
        --pl-icon-size: 32px;
      }
    `,
  ];

  private _send(event: KeypadEvent): void {
    this.dispatchEvent(new CustomEvent("keypad", { detail: event, bubbles: true, composed: true }));
  }

  protected override render() {
    const digit = (d: string) =>
      html`<button ?disabled=${this.disabled} data-digit=${d} @click=${() => this._send({ type: "digit", digit: d })}>
        ${d}
      </button>`;
    return html`
      <div class="pad" role="group">
        ${["1", "2", "3", "4", "5", "6", "7", "8", "9"].map(digit)}
        <button class="fn" ?disabled=${this.disabled} aria-label=${this.clearLabel} @click=${() => this._send({ type: "clear" })}>
          ${this.clearLabel}
        </button>
        ${digit("0")}
        <button
          class="fn"
          ?disabled=${this.disabled}
          aria-label=${this.backspaceLabel}
          title=${this.backspaceLabel}
          @click=${() => this._send({ type: "backspace" })}
        >
          <plk-icon icon="backspace"></plk-icon>
        </button>
      </div>
    `;
  }
}

if (!customElements.get("plk-keypad")) customElements.define("plk-keypad", PlkKeypad);

declare global {
  interface HTMLElementTagNameMap {
    "plk-keypad": PlkKeypad;
  }
}
