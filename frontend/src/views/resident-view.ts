/** The resident's "My parcels": their own and their household's, each with an Open button. */
import { LitElement, css, html, nothing } from "lit";
import { openParcel } from "../api";
import { card, type PanelContext } from "../context";
import { isCollectable, residentParcels } from "../logic/parcels";
import { deadlineState, formatDateTime, relativeTime } from "../logic/time";
import { sharedStyles } from "../styles";
import type { Parcel } from "../types";
import "../components/icon";

type Feedback = { parcel: string; ok: boolean; text: string };

export class PlkResidentView extends LitElement {
  static override properties = {
    ctx: { attribute: false },
    parcels: { attribute: false },
    _busy: { state: true },
    _feedback: { state: true },
  };
  declare ctx: PanelContext;
  declare parcels: Parcel[];
  declare _busy: string | null;
  declare _feedback: Feedback | null;

  constructor() {
    super();
    this.parcels = [];
    this._busy = null;
    this._feedback = null;
  }

  static override styles = [
    sharedStyles,
    css`
      :host {
        display: block;
      }
      .intro {
        display: flex;
        align-items: baseline;
        justify-content: space-between;
        flex-wrap: wrap;
        gap: 8px;
        margin-bottom: 16px;
      }
      .list {
        display: grid;
        align-items: start;
        grid-template-columns: repeat(auto-fill, minmax(320px, 1fr));
        gap: var(--pl-gap);
      }
      :host([narrow]) .list {
        grid-template-columns: 1fr;
      }
      .parcel {
        display: flex;
        gap: 16px;
        align-items: flex-start;
      }
      .where {
        flex: none;
        min-width: 96px;
        min-height: 80px;
        padding: 8px 12px;
        border-radius: 12px;
        background: color-mix(in srgb, var(--pl-primary) 14%, transparent);
        color: var(--primary-text-color);
        display: flex;
        flex-direction: column;
        align-items: center;
        justify-content: center;
        text-align: center;
      }
      .where .label {
        font-size: 30px;
        line-height: 36px;
        font-weight: 600;
        font-variant-numeric: tabular-nums;
        letter-spacing: 0.02em;
      }
      .where.desk {
        background: color-mix(in srgb, var(--pl-warn) 18%, transparent);
        --pl-icon-size: 36px;
      }
      .where .wall {
        font-size: 12px;
        color: var(--pl-muted);
      }
      .facts {
        flex: 1;
        min-width: 0;
        display: flex;
        flex-direction: column;
        gap: 4px;
      }
      .facts h3 {
        overflow-wrap: anywhere;
      }
      .chips {
        display: flex;
        flex-wrap: wrap;
        gap: 6px;
        margin-top: 4px;
      }
      .actions {
        display: flex;
        justify-content: flex-end;
        gap: 8px;
        margin-top: 12px;
        padding-top: 12px;
        border-top: 1px solid var(--pl-border);
      }
      .actions .btn {
        min-height: 48px;
        font-size: 16px;
        padding: 0 24px;
      }
      :host([narrow]) .actions .btn {
        flex: 1;
      }
      .feedback {
        margin-top: 12px;
      }
      .soon {
        --chip-color: var(--pl-warn);
      }
      .passed {
        --chip-color: var(--pl-error);
      }
    `,
  ];

  protected override willUpdate(): void {
    this.toggleAttribute("narrow", Boolean(this.ctx?.narrow));
  }

  private async _open(parcel: Parcel): Promise<void> {
    const { t } = this.ctx;
    this._busy = parcel.parcel_id;
    this._feedback = null;
    try {
      await openParcel(this.ctx.hass, parcel.parcel_id);
      this._feedback = {
        parcel: parcel.parcel_id,
        ok: true,
        text: t("resident_opened", { compartment: parcel.compartment ?? "" }),
      };
    } catch (error) {
      this._feedback = { parcel: parcel.parcel_id, ok: false, text: this.ctx.error(error) };
    } finally {
      this._busy = null;
    }
  }

  protected override render() {
    const { ctx } = this;
    if (!ctx) return nothing;
    const { t, session } = ctx;
    const parcels = residentParcels(this.parcels, session.person, session.household);
    const ready = parcels.filter(isCollectable).length;
    if (!parcels.length) {
      return card(html`<div class="empty" data-testid="resident-empty">
        <plk-icon icon="parcel"></plk-icon>
        <h2>${t("resident_empty_title")}</h2>
        <p>${t("resident_empty_text")}</p>
      </div>`);
    }
    return html`
      <div class="intro">
        <h2>${t("resident_title")}</h2>
        <span class="muted" data-testid="resident-count">${this.ctx.tn("resident_ready", ready)}</span>
      </div>
      <div class="list">${parcels.map((p) => this._parcel(p))}</div>
    `;
  }

  private _parcel(p: Parcel) {
    const { t, now, locale, timeZone, session } = this.ctx;
    const atDesk = p.state === "held" || p.compartment === null;
    const forOther = p.recipient !== session.person && p.recipient_name;
    const deadline = deadlineState(p.deadline, now);
    const feedback = this._feedback?.parcel === p.parcel_id ? this._feedback : null;
    const stateLine =
      p.state === "held"
        ? t("resident_at_desk_text")
        : p.state === "reserved"
          ? t("resident_reserved_text")
          : p.state === "return_waiting"
            ? t("resident_return_waiting_text")
            : p.state === "return_to_sender"
              ? t("resident_return_to_sender_text")
              : "";
    return card(
      html`<div class="card-content" data-testid="parcel" data-parcel=${p.parcel_id}>
        <div class="parcel">
          ${atDesk
            ? html`<div class="where desk">
                <plk-icon icon="home"></plk-icon>
                <span class="wall">${t("at_front_desk")}</span>
              </div>`
            : html`<div class="where">
                <span class="label">${p.compartment}</span>
                <span class="wall">${p.wall_name ?? ""}</span>
              </div>`}
          <div class="facts">
            <h3>${p.carrier ? t("parcel_from", { carrier: p.carrier }) : t("parcel_generic")}</h3>
            ${forOther ? html`<span class="muted small">${t("parcel_for", { name: p.recipient_name ?? "" })}</span>` : nothing}
            ${stateLine ? html`<span class="small">${stateLine}</span>` : nothing}
            ${p.stored_at || p.created
              ? html`<span class="muted small">${t("since", { time: relativeTime(p.stored_at ?? p.created, now, locale) })}</span>`
              : nothing}
            ${p.code_expires && !atDesk
              ? html`<span class="muted small"
                  >${t("code_valid_until", { time: formatDateTime(p.code_expires, locale, timeZone) })}</span
                >`
              : nothing}
            <div class="chips">
              ${p.deadline
                ? html`<span class="chip ${deadline}"
                    ><plk-icon icon="reserved"></plk-icon>${t("collect_by", {
                      time: formatDateTime(p.deadline, locale, timeZone),
                    })}</span
                  >`
                : nothing}
              ${p.cold ? html`<span class="chip" style="--chip-color: var(--info-color, #039be5)"><plk-icon icon="cold"></plk-icon>${t("cooled")}</span>` : nothing}
              <span class="chip">${t("size_label", { size: p.size })}</span>
            </div>
          </div>
        </div>
        ${isCollectable(p)
          ? html`<div class="actions">
              <button
                class="btn"
                data-testid="open-parcel"
                ?disabled=${this._busy !== null}
                @click=${() => void this._open(p)}
              >
                <plk-icon icon="open"></plk-icon>
                ${this._busy === p.parcel_id ? t("opening") : t("open_compartment_label", { compartment: p.compartment ?? "" })}
              </button>
            </div>`
          : nothing}
        ${feedback
          ? html`<div class="feedback ${feedback.ok ? "ok-box" : "error-box"}" role="status" aria-live="polite">
              <plk-icon icon=${feedback.ok ? "check" : "alert_circle"}></plk-icon><span>${feedback.text}</span>
            </div>`
          : nothing}
      </div>`,
    );
  }
}

if (!customElements.get("plk-resident-view")) customElements.define("plk-resident-view", PlkResidentView);

declare global {
  interface HTMLElementTagNameMap {
    "plk-resident-view": PlkResidentView;
  }
}
