/** The resident's "My parcels": their own and their household's, each with an Open button. */
import { LitElement, css, html, nothing } from "lit";
import { openParcel } from "../api";
import { card, type PanelContext } from "../context";
import { isCollectable, placeOf, residentCodeApplies, residentParcels } from "../logic/parcels";
import { deadlineState, formatDateTime, relativeTime } from "../logic/time";
import { sharedStyles } from "../styles";
import type { StringKey } from "../strings";
import type { Parcel, ParcelState } from "../types";
import "../components/icon";

type Feedback = { parcel: string; ok: boolean; text: string };

/** What a resident is told about a parcel in a state other than waiting for them. */
const NOTES: Partial<Record<ParcelState, StringKey>> = {
  announced: "resident_expected_text",
  held: "resident_at_desk_text",
  reserved: "resident_reserved_text",
  return_waiting: "resident_return_waiting_text",
  return_to_sender: "resident_return_to_sender_text",
};

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
        grid-template-columns: repeat(auto-fill, minmax(360px, 1fr));
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
      .where.expected {
        background: color-mix(in srgb, var(--pl-muted) 14%, transparent);
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
    const place = placeOf(p);
    const forOther = p.recipient !== session.person && p.recipient_name;
    const feedback = this._feedback?.parcel === p.parcel_id ? this._feedback : null;
    const note = NOTES[p.state];
    const when = (iso: string | null) => formatDateTime(iso, locale, timeZone);
    // A parcel sent back is past its deadline: it says so instead of "Collect by".
    const deadline = p.state === "stored" ? p.deadline : null;
    return card(
      html`<div class="card-content" data-testid="parcel" data-parcel=${p.parcel_id} data-place=${place}>
        <div class="parcel">
          ${place === "compartment"
            ? html`<div class="where">
                <span class="label">${p.compartment}</span>
                <span class="wall">${p.wall_name ?? ""}</span>
              </div>`
            : html`<div class="where ${place}">
                <plk-icon icon=${place === "desk" ? "home" : "truck"}></plk-icon>
                <span class="wall">${place === "desk" ? t("at_front_desk") : t("expected_short")}</span>
              </div>`}
          <div class="facts">
            <h3>${p.carrier ? t("parcel_from", { carrier: p.carrier }) : t("parcel_generic")}</h3>
            ${forOther ? html`<span class="muted small">${t("parcel_for", { name: p.recipient_name ?? "" })}</span>` : nothing}
            ${note ? html`<span class="small">${t(note)}</span>` : nothing}
            ${place !== "expected" && (p.stored_at || p.created)
              ? html`<span class="muted small">${t("since", { time: relativeTime(p.stored_at ?? p.created, now, locale) })}</span>`
              : nothing}
            ${p.expected_until ? html`<span class="muted small">${t("expected_until", { time: when(p.expected_until) })}</span>` : nothing}
            ${p.code_expires && residentCodeApplies(p)
              ? html`<span class="muted small">${t("code_valid_until", { time: when(p.code_expires) })}</span>`
              : nothing}
            ${place === "expected" && p.tracking
              ? html`<span class="muted small">${t("tracking_number", { tracking: p.tracking })}</span>`
              : nothing}
            <div class="chips">
              ${deadline
                ? html`<span class="chip ${deadlineState(deadline, now)}" data-testid="deadline"
                    ><plk-icon icon="reserved"></plk-icon>${t("collect_by", { time: when(deadline) })}</span
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
