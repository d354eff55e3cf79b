/**
 * A row of staff actions with a confirmation step for the ones that change a parcel,
 * and the result (or the error, in words) under it.
 */
import { LitElement, css, html, nothing } from "lit";
import type { PanelContext } from "../context";
import type { IconName } from "../icons";
import { sharedStyles } from "../styles";
import "./icon";

export interface StaffAction {
  id: string;
  label: string;
  icon: IconName;
  /** Asked before running ("Mark the parcel as collected?"); none runs at once. */
  confirm?: string;
  danger?: boolean;
  /** Said when it worked. */
  done: string;
  run: () => Promise<unknown>;
}

export class PlkActionBar extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    actions: { attribute: false },
    _confirming: { state: true },
    _busy: { state: true },
    _result: { state: true },
  };
  declare ctx: PanelContext;
  declare actions: StaffAction[];
  declare _confirming: string | null;
  declare _busy: string | null;
  declare _result: { ok: boolean; text: string } | null;

  constructor() {
    super();
    this.actions = [];
    this._confirming = null;
    this._busy = null;
    this._result = null;
  }

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .row {
        display: flex;
        flex-wrap: wrap;
        gap: 8px;
      }
      .confirm {
        display: flex;
        flex-direction: column;
        gap: 12px;
        padding: 12px 16px;
        border-radius: 12px;
        background: color-mix(in srgb, var(--pl-warn) 12%, transparent);
      }
      .confirm .row {
        justify-content: flex-end;
      }
      .result {
        margin-top: 12px;
      }
    `,
  ];

  private async _run(action: StaffAction): Promise<void> {
    this._confirming = null;
    this._busy = action.id;
    this._result = null;
    try {
      await action.run();
      this._result = { ok: true, text: action.done };
    } catch (error) {
      this._result = { ok: false, text: this.ctx.error(error) };
    } finally {
      this._busy = null;
    }
  }

  protected override render() {
    const { t } = this.ctx;
    const confirming = this.actions.find((a) => a.id === this._confirming);
    return html`
      ${confirming
        ? html`<div class="confirm" role="alertdialog" aria-label=${confirming.label}>
            <span>${confirming.confirm}</span>
            <div class="row">
              <button class="btn secondary" @click=${() => (this._confirming = null)}>${t("cancel")}</button>
              <button
                class="btn ${confirming.danger ? "danger" : ""}"
                data-action-confirm=${confirming.id}
                @click=${() => void this._run(confirming)}
              >
                ${confirming.label}
              </button>
            </div>
          </div>`
        : html`<div class="row">
            ${this.actions.map(
              (a) =>
                html`<button
                  class="btn ${a.danger ? "danger secondary" : "secondary"}"
                  data-action=${a.id}
                  ?disabled=${this._busy !== null}
                  @click=${() => (a.confirm ? (this._confirming = a.id) : void this._run(a))}
                >
                  <plk-icon icon=${a.icon}></plk-icon>${this._busy === a.id ? t("working") : a.label}
                </button>`,
            )}
          </div>`}
      ${this._result
        ? html`<div class="result ${this._result.ok ? "ok-box" : "error-box"}" role="status" aria-live="polite">
            <plk-icon icon=${this._result.ok ? "check" : "alert_circle"}></plk-icon><span>${this._result.text}</span>
          </div>`
        : nothing}
    `;
  }
}

if (!customElements.get("plk-action-bar")) customElements.define("plk-action-bar", PlkActionBar);

declare global {
  interface HTMLElementTagNameMap {
    "plk-action-bar": PlkActionBar;
  }
}
