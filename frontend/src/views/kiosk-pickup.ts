/** Kiosk, pick-up side: scan the QR (camera or photo) or type the code -> the compartment, huge. */
import { LitElement, css, html, nothing } from "lit";
import { redeemCode } from "../api";
import type { PanelContext } from "../context";
import { Countdown } from "../countdown";
import { canSubmit, groupDigits, initialKeypad, keypadReducer, type KeypadEvent, type KeypadState } from "../logic/keypad";
import { AUTO_RETURN_SECONDS } from "../logic/kiosk";
import { parseQrPayload } from "../logic/qr";
import { sharedStyles } from "../styles";
import type { RedeemResult } from "../types";
import { kioskResult, kioskStyles } from "./kiosk-styles";
import "../components/icon";
import "../components/keypad";
import "../components/scanner";

export class PlkKioskPickup extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    _keypad: { state: true },
    _result: { state: true },
    _error: { state: true },
    _scanning: { state: true },
  };
  declare ctx: PanelContext;
  declare _keypad: KeypadState;
  declare _result: RedeemResult | null;
  declare _error: string | null;
  declare _scanning: boolean;
  private _countdown = new Countdown(this);

  constructor() {
    super();
    this._keypad = initialKeypad();
    this._result = null;
    this._error = null;
    this._scanning = false;
  }

  static override styles = [
    sharedStyles,
    kioskStyles,
    css`
      .layout {
        display: grid;
        grid-template-columns: minmax(0, 1fr) minmax(0, 1fr);
        gap: 40px;
        align-items: start;
      }
      :host([narrow]) .layout {
        grid-template-columns: 1fr;
        gap: 24px;
      }
      section {
        display: flex;
        flex-direction: column;
        gap: 16px;
      }
      .code {
        min-height: 88px;
        border-radius: 16px;
        border: 2px solid var(--pl-border);
        background: var(--pl-card-bg);
        display: flex;
        align-items: center;
        justify-content: center;
        font-size: 44px;
        font-weight: 600;
        letter-spacing: 0.08em;
        font-variant-numeric: tabular-nums;
      }
      .code.empty {
        font-size: 20px;
        font-weight: 400;
        letter-spacing: 0;
        color: var(--pl-muted);
      }
      .code.failed {
        border-color: var(--pl-error);
      }
      .art {
        display: flex;
        justify-content: center;
        padding: 24px;
        color: var(--pl-primary);
        opacity: 0.16;
        --pl-icon-size: 200px;
      }
      :host([narrow]) .art {
        display: none;
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

  /** A hardware keyboard (or a USB keypad) types into the code too. */
  private _onKey = (event: KeyboardEvent): void => {
    if (this._result || event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const target = event.composedPath()[0];
    if (target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement) return;
    if (/^\d$/.test(event.key)) this._key({ type: "digit", digit: event.key });
    else if (event.key === "Backspace") this._key({ type: "backspace" });
    else if (event.key === "Enter" && canSubmit(this._keypad)) void this._redeem(this._keypad.digits, null);
    else return;
    event.preventDefault();
  };

  protected override willUpdate(): void {
    this.toggleAttribute("narrow", Boolean(this.ctx?.narrow));
  }

  reset(): void {
    this._countdown.stop();
    this._keypad = initialKeypad();
    this._result = null;
    this._error = null;
  }

  private _key(event: KeypadEvent): void {
    this._keypad = keypadReducer(this._keypad, event);
    if (event.type !== "submit") this._error = null;
  }

  private async _redeem(code: string, wall: string | null): Promise<void> {
    this._keypad = keypadReducer({ digits: code, phase: "entering" }, { type: "submit" });
    if (this._keypad.phase !== "submitting") return;
    this._error = null;
    try {
      const result = await redeemCode(this.ctx.hass, code, wall ?? this.ctx.session.kiosk_wall);
      this._keypad = keypadReducer(this._keypad, { type: "succeeded" });
      this._result = result;
      this._countdown.start(AUTO_RETURN_SECONDS, () => this.reset());
    } catch (error) {
      this._keypad = keypadReducer(this._keypad, { type: "failed" });
      this._error = this.ctx.error(error);
    }
  }

  private _onQr(text: string): void {
    const parsed = parseQrPayload(text);
    if (!parsed.ok) {
      this._keypad = initialKeypad();
      this._error = this.ctx.t(`qr_${parsed.reason}`);
      return;
    }
    void this._redeem(parsed.code, parsed.wall);
  }

  protected override render() {
    const { ctx } = this;
    if (!ctx) return nothing;
    const { t } = ctx;
    if (this._result) {
      const r = this._result;
      return kioskResult(ctx, {
        compartment: r.compartment,
        wall: ctx.session.walls.length > 1 ? r.wall_name : null,
        kicker: t("kiosk_pickup_kicker"),
        instruction: t("kiosk_pickup_instruction"),
        seconds: this._countdown.remaining,
        again: t("kiosk_done"),
        onAgain: () => this.reset(),
      });
    }
    const k = this._keypad;
    const busy = k.phase === "submitting";
    return html`
      <div class="layout">
        <section>
          <h2 class="step"><span class="n"><plk-icon icon="qr" style="--pl-icon-size: 22px"></plk-icon></span>${t("kiosk_scan_title")}</h2>
          <p class="muted">${t("kiosk_scan_help")}</p>
          <plk-scanner
            .ctx=${ctx}
            @qr-text=${(e: CustomEvent<{ text: string }>) => this._onQr(e.detail.text)}
            @qr-failed=${(e: CustomEvent<{ reason: "camera" | "no_qr" }>) => (this._error = t(`scan_failed_${e.detail.reason}`))}
          ></plk-scanner>
          <div class="art" aria-hidden="true"><plk-icon icon="qr"></plk-icon></div>
        </section>
        <section>
          <h2 class="step"><span class="n"><plk-icon icon="dialpad" style="--pl-icon-size: 22px"></plk-icon></span>${t("kiosk_code_title")}</h2>
          <div
            class="code ${k.digits ? "" : "empty"} ${k.phase === "failed" ? "failed" : ""}"
            data-testid="kiosk-code"
            role="status"
            aria-live="polite"
            aria-label=${t("kiosk_code_title")}
          >
            ${k.digits ? groupDigits(k.digits) : t("kiosk_code_placeholder")}
          </div>
          ${this._error
            ? html`<div class="error-box message" role="alert" data-testid="kiosk-error">
                <plk-icon icon="alert_circle"></plk-icon><span>${this._error}</span>
              </div>`
            : nothing}
          <plk-keypad
            ?disabled=${busy}
            clear-label=${t("keypad_clear")}
            backspace-label=${t("keypad_backspace")}
            @keypad=${(e: CustomEvent<KeypadEvent>) => this._key(e.detail)}
          ></plk-keypad>
          <button
            class="big primary"
            data-testid="kiosk-redeem"
            ?disabled=${!canSubmit(k)}
            @click=${() => void this._redeem(k.digits, null)}
          >
            <plk-icon icon="open"></plk-icon>${busy ? t("opening") : t("kiosk_open")}
          </button>
        </section>
      </div>
    `;
  }
}

if (!customElements.get("plk-kiosk-pickup")) customElements.define("plk-kiosk-pickup", PlkKioskPickup);

declare global {
  interface HTMLElementTagNameMap {
    "plk-kiosk-pickup": PlkKioskPickup;
  }
}
