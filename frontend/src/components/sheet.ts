/**
 * A modal dialog: centred on a wide screen, a bottom sheet on a phone.
 * Escape, the close button and a click outside close it (event `closed`).
 */
import { LitElement, css, html, nothing } from "lit";
import { sharedStyles } from "../styles";
import "./icon";

export class PlkSheet extends LitElement {
  static override properties = {
    open: { type: Boolean, reflect: true },
    heading: {},
    closeLabel: { attribute: "close-label" },
    narrow: { type: Boolean, reflect: true },
  };
  declare open: boolean;
  declare heading: string;
  declare closeLabel: string;
  declare narrow: boolean;
  private _returnFocus: Element | null = null;

  constructor() {
    super();
    this.open = false;
    this.heading = "";
    this.closeLabel = "Close";
    this.narrow = false;
  }

  static override styles = [
    sharedStyles,
    css`
      .scrim {
        position: fixed;
        inset: 0;
        z-index: 20;
        background: rgba(0, 0, 0, 0.45);
        display: flex;
        align-items: center;
        justify-content: center;
        padding: 24px;
      }
      .dialog {
        background: var(--mdc-theme-surface, var(--pl-card-bg));
        color: var(--primary-text-color);
        border-radius: var(--ha-dialog-border-radius, 24px);
        width: min(560px, 100%);
        max-height: calc(100vh - 48px);
        display: flex;
        flex-direction: column;
        box-shadow: 0 8px 32px rgba(0, 0, 0, 0.3);
        outline: none;
      }
      :host([narrow]) .scrim {
        align-items: flex-end;
        padding: 0;
      }
      :host([narrow]) .dialog {
        width: 100%;
        border-radius: 24px 24px 0 0;
        max-height: 90vh;
      }
      header {
        display: flex;
        align-items: center;
        gap: 8px;
        padding: 16px 12px 8px 24px;
      }
      header h2 {
        flex: 1;
        font-size: 22px;
        line-height: 28px;
      }
      .close {
        width: 48px;
        height: 48px;
        border-radius: 50%;
        border: none;
        background: transparent;
        color: var(--pl-muted);
        cursor: pointer;
        display: inline-flex;
        align-items: center;
        justify-content: center;
      }
      .close:hover {
        background: color-mix(in srgb, var(--primary-text-color) 8%, transparent);
      }
      .body {
        overflow: auto;
        padding: 0 24px 24px;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    window.addEventListener("keydown", this._onKey);
  }

  override disconnectedCallback(): void {
    window.removeEventListener("keydown", this._onKey);
    super.disconnectedCallback();
  }

  private _onKey = (event: KeyboardEvent): void => {
    if (this.open && event.key === "Escape") {
      event.stopPropagation();
      this.close();
    }
  };

  close(): void {
    if (!this.open) return;
    this.open = false;
    this.dispatchEvent(new CustomEvent("closed", { bubbles: true, composed: true }));
    if (this._returnFocus instanceof HTMLElement) this._returnFocus.focus();
  }

  protected override updated(changed: Map<string, unknown>): void {
    if (changed.has("open") && this.open) {
      this._returnFocus = document.activeElement;
      this.renderRoot.querySelector<HTMLElement>(".dialog")?.focus();
    }
  }

  protected override render() {
    if (!this.open) return nothing;
    return html`
      <div class="scrim" @click=${(e: Event) => e.target === e.currentTarget && this.close()}>
        <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="heading" tabindex="-1">
          <header>
            <h2 id="heading">${this.heading}</h2>
            <button class="close" aria-label=${this.closeLabel} title=${this.closeLabel} @click=${() => this.close()}>
              <plk-icon icon="close"></plk-icon>
            </button>
          </header>
          <div class="body"><slot></slot></div>
        </div>
      </div>
    `;
  }
}

if (!customElements.get("plk-sheet")) customElements.define("plk-sheet", PlkSheet);

declare global {
  interface HTMLElementTagNameMap {
    "plk-sheet": PlkSheet;
  }
}
