/** Kiosk, courier side: recipient (or tracking number), size, cold, wall -> open -> the label, huge. */
import { LitElement, css, html, nothing } from "lit";
import { assignDelivery, fetchRecipients } from "../api";
import type { PanelContext } from "../context";
import { Countdown } from "../countdown";
import {
  AUTO_RETURN_SECONDS,
  deliveryOutcome,
  deliveryRequest,
  emptyDeliverForm,
  missing,
  type DeliverForm,
} from "../logic/kiosk";
import { searchRecipients } from "../logic/recipients";
import { sharedStyles } from "../styles";
import type { AssignResult, Recipient } from "../types";
import { kioskResult, kioskStyles } from "./kiosk-styles";
import "../components/icon";

export class PlkKioskDeliver extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    _form: { state: true },
    _query: { state: true },
    _recipients: { state: true },
    _busy: { state: true },
    _result: { state: true },
    _error: { state: true },
  };
  declare ctx: PanelContext;
  declare _form: DeliverForm | null;
  declare _query: string;
  declare _recipients: Recipient[];
  declare _busy: boolean;
  declare _result: AssignResult | null;
  declare _error: string | null;
  private _countdown = new Countdown(this);

  constructor() {
    super();
    this._form = null;
    this._query = "";
    this._recipients = [];
    this._busy = false;
    this._result = null;
    this._error = null;
  }

  static override styles = [
    sharedStyles,
    kioskStyles,
    css`
      .layout {
        display: grid;
        grid-template-columns: minmax(0, 1.1fr) minmax(0, 1fr);
        gap: 32px;
        align-items: start;
      }
      :host([narrow]) .layout {
        grid-template-columns: 1fr;
        gap: 24px;
      }
      section {
        display: flex;
        flex-direction: column;
        gap: 12px;
      }
      .results {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(200px, 1fr));
        gap: 12px;
      }
      .results .big {
        justify-content: flex-start;
        text-align: left;
      }
      .chosen {
        display: flex;
        align-items: center;
        gap: 16px;
        padding: 12px 12px 12px 20px;
        border-radius: 16px;
        border: 2px solid var(--pl-primary);
        background: color-mix(in srgb, var(--pl-primary) 12%, var(--pl-card-bg));
        font-size: 26px;
        font-weight: 600;
        --pl-icon-size: 40px;
      }
      .chosen span {
        flex: 1;
        overflow-wrap: anywhere;
      }
      .sizes {
        display: grid;
        grid-template-columns: repeat(4, 1fr);
        gap: 12px;
      }
      .sizes .big {
        font-size: 32px;
        font-weight: 700;
        min-height: 88px;
      }
      .walls {
        display: flex;
        flex-wrap: wrap;
        gap: 12px;
      }
      .walls .big {
        flex: 1 1 200px;
      }
      .hint {
        text-align: center;
        color: var(--pl-muted);
        font-size: 18px;
      }
      .nomatch {
        color: var(--pl-muted);
        padding: 8px 4px;
      }
    `,
  ];

  override connectedCallback(): void {
    super.connectedCallback();
    void this._load();
  }

  private async _load(): Promise<void> {
    if (!this.ctx) return;
    try {
      this._recipients = await fetchRecipients(this.ctx.hass);
    } catch (error) {
      this._error = this.ctx.error(error);
    }
  }

  protected override willUpdate(): void {
    this.toggleAttribute("narrow", Boolean(this.ctx?.narrow));
    if (!this._form && this.ctx) this._form = emptyDeliverForm(this.ctx.session);
  }

  private _patch(patch: Partial<DeliverForm>): void {
    if (this._form) this._form = { ...this._form, ...patch };
    this._error = null;
  }

  reset(): void {
    this._countdown.stop();
    this._form = emptyDeliverForm(this.ctx.session);
    this._query = "";
    this._result = null;
    this._error = null;
    this._busy = false;
  }

  private async _submit(): Promise<void> {
    const form = this._form;
    if (!form || this._busy || missing(form, this.ctx.session.walls.length).length) return;
    this._busy = true;
    this._error = null;
    try {
      this._result = await assignDelivery(this.ctx.hass, deliveryRequest(form));
      this._countdown.start(AUTO_RETURN_SECONDS, () => this.reset());
    } catch (error) {
      this._error = this.ctx.error(error);
    } finally {
      this._busy = false;
    }
  }

  protected override render() {
    const { ctx, _form: form } = this;
    if (!ctx || !form) return nothing;
    const { t } = ctx;
    if (this._result) {
      const outcome = deliveryOutcome(this._result, form, this._recipients);
      // Held: why (cooled compartments not ready). By tracking number: whose it is,
      // so a wrong announcement is noticed at the wall.
      const detail = outcome.held
        ? outcome.notReady.length
          ? ctx.tn("kiosk_held_not_ready", outcome.notReady.length, { compartments: outcome.notReady.join(", ") })
          : ""
        : form.mode === "tracking"
          ? t("parcel_for", { name: outcome.name })
          : "";
      return kioskResult(ctx, {
        compartment: outcome.compartment,
        wall: ctx.session.walls.length > 1 ? this._result.wall_name : null,
        kicker: outcome.held ? t("kiosk_held_title") : t("kiosk_deliver_kicker"),
        instruction: outcome.held ? t("kiosk_held", { name: outcome.name }) : t("kiosk_deliver_instruction"),
        detail,
        held: outcome.held,
        seconds: this._countdown.remaining,
        again: t("kiosk_next_delivery"),
        onAgain: () => this.reset(),
      });
    }
    const walls = ctx.session.walls;
    const todo = missing(form, walls.length);
    return html`
      <div class="layout">
        <section>${this._who(form)}</section>
        <section>
          <h2 class="step"><span class="n">2</span>${t("kiosk_size_title")}</h2>
          <div class="sizes" role="group" aria-label=${t("kiosk_size_title")}>
            ${ctx.session.sizes.map(
              (s) =>
                html`<button class="big" data-size=${s} aria-pressed=${form.size === s ? "true" : "false"} @click=${() => this._patch({ size: form.size === s ? null : s })}>
                  ${s}
                </button>`,
            )}
          </div>
          <button class="big" data-testid="kiosk-cold" aria-pressed=${form.cold ? "true" : "false"} @click=${() => this._patch({ cold: !form.cold })}>
            <plk-icon icon="cold"></plk-icon>${form.cold ? t("kiosk_cold_on") : t("kiosk_cold_off")}
          </button>
          ${walls.length > 1
            ? html`<h2 class="step"><span class="n">3</span>${t("kiosk_wall_title")}</h2>
                <div class="walls" role="group" aria-label=${t("kiosk_wall_title")}>
                  ${walls.map(
                    (w) =>
                      html`<button class="big" data-wall=${w.wall_id} aria-pressed=${form.wall === w.wall_id ? "true" : "false"} @click=${() => this._patch({ wall: w.wall_id })}>
                        ${w.name}
                      </button>`,
                  )}
                </div>`
            : nothing}
          ${this._error
            ? html`<div class="error-box message" role="alert"><plk-icon icon="alert_circle"></plk-icon>${this._error}</div>`
            : nothing}
          <button class="big primary" data-testid="kiosk-open" ?disabled=${todo.length > 0 || this._busy} @click=${() => void this._submit()}>
            <plk-icon icon="open"></plk-icon>${this._busy ? t("opening") : t("kiosk_open")}
          </button>
          ${todo.length ? html`<p class="hint">${t(`kiosk_missing_${todo[0] ?? "recipient"}`)}</p>` : nothing}
        </section>
      </div>
    `;
  }

  private _who(form: DeliverForm) {
    const { t } = this.ctx;
    if (form.mode === "tracking") {
      return html`<h2 class="step"><span class="n">1</span>${t("kiosk_tracking_title")}</h2>
        <label class="visually-hidden" for="tracking">${t("kiosk_tracking_title")}</label>
        <input
          id="tracking"
          class="huge"
          type="text"
          autocomplete="off"
          autocapitalize="characters"
          spellcheck="false"
          data-testid="kiosk-tracking"
          .value=${form.tracking}
          placeholder=${t("kiosk_tracking_placeholder")}
          @input=${(e: Event) => this._patch({ tracking: (e.target as HTMLInputElement).value })}
        />
        <p class="muted">${t("kiosk_tracking_help")}</p>
        <button class="big link" @click=${() => this._patch({ mode: "recipient", tracking: "" })}>
          <plk-icon icon="account"></plk-icon>${t("kiosk_use_name")}
        </button>`;
    }
    if (form.recipient) {
      return html`<h2 class="step"><span class="n">1</span>${t("kiosk_who_title")}</h2>
        <div class="chosen" data-testid="kiosk-recipient">
          <plk-icon icon="account"></plk-icon><span>${form.recipient.name}</span>
          <button class="big" @click=${() => this._patch({ recipient: null })}>${t("kiosk_change")}</button>
        </div>`;
    }
    const results = searchRecipients(this._recipients, this._query);
    return html`<h2 class="step"><span class="n">1</span>${t("kiosk_who_title")}</h2>
      <label class="visually-hidden" for="search">${t("kiosk_search_label")}</label>
      <input
        id="search"
        class="huge"
        type="search"
        autocomplete="off"
        spellcheck="false"
        data-testid="kiosk-search"
        .value=${this._query}
        placeholder=${t("kiosk_search_placeholder")}
        @input=${(e: Event) => (this._query = (e.target as HTMLInputElement).value)}
        @keydown=${(e: KeyboardEvent) => {
          const [only, ...more] = results;
          if (e.key === "Enter" && only && !more.length) this._patch({ recipient: only });
        }}
      />
      ${results.length
        ? html`<div class="results" role="list">
            ${results.map(
              (r) =>
                html`<button class="big" role="listitem" data-recipient=${r.id} @click=${() => this._patch({ recipient: r })}>
                  <plk-icon icon="account"></plk-icon>${r.name}
                </button>`,
            )}
          </div>`
        : this._query.trim()
          ? html`<p class="nomatch">${t("kiosk_no_match")}</p>`
          : nothing}
      <button class="big link" data-testid="kiosk-use-tracking" @click=${() => this._patch({ mode: "tracking", recipient: null })}>
        <plk-icon icon="barcode"></plk-icon>${t("kiosk_use_tracking")}
      </button>`;
  }
}

if (!customElements.get("plk-kiosk-deliver")) customElements.define("plk-kiosk-deliver", PlkKioskDeliver);

declare global {
  interface HTMLElementTagNameMap {
    "plk-kiosk-deliver": PlkKioskDeliver;
  }
}
