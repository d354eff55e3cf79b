/** What staff can do to a compartment and to a parcel, and how a parcel's details read. */
import { html, nothing, type TemplateResult } from "lit";
import {
  cancelDelivery,
  issueReplacementCode,
  markCollected,
  openCompartment,
  setOutOfService,
} from "../api";
import type { StaffAction } from "../components/action-bar";
import type { PanelContext } from "../context";
import { parcelActionIds, placeOf, type ParcelActionId } from "../logic/parcels";
import { formatDateTime, relativeTime } from "../logic/time";
import { dynamicText } from "../strings";
import type { CompartmentState, Parcel, WallState } from "../types";

export function compartmentActions(ctx: PanelContext, wall: WallState, c: CompartmentState): StaffAction[] {
  const { hass, t } = ctx;
  const vars = { compartment: c.label };
  const actions: StaffAction[] = [
    {
      id: "open",
      label: t("action_open"),
      icon: "open",
      confirm: c.parcel_id ? t("confirm_open", vars) : undefined,
      done: t("done_open", vars),
      run: () => openCompartment(hass, wall.wall_id, c.label, false),
    },
    {
      id: "inspect",
      label: t("action_inspect"),
      icon: "search",
      done: t("done_inspect", vars),
      run: () => openCompartment(hass, wall.wall_id, c.label, true),
    },
  ];
  const out = c.status === "out_of_service";
  actions.push({
    id: out ? "in_service" : "out_of_service",
    label: out ? t("action_in_service") : t("action_out_of_service"),
    icon: out ? "check" : "out_of_service",
    confirm: out ? undefined : t("confirm_out_of_service", vars),
    done: out ? t("done_in_service", vars) : t("done_out_of_service", vars),
    run: () => setOutOfService(hass, wall.wall_id, c.label, !out),
  });
  return actions;
}

export function parcelActions(ctx: PanelContext, parcel: Parcel): StaffAction[] {
  const { hass, t } = ctx;
  const id = parcel.parcel_id;
  const actions: Record<ParcelActionId, StaffAction> = {
    mark_collected: {
      id: "mark_collected",
      label: t("action_mark_collected"),
      icon: "check",
      confirm: t("confirm_mark_collected"),
      done: t("done_mark_collected"),
      run: () => markCollected(hass, id),
    },
    new_code: {
      id: "new_code",
      label: t("action_new_code"),
      icon: "refresh",
      confirm: t("confirm_new_code"),
      done: t("done_new_code"),
      run: () => issueReplacementCode(hass, id),
    },
    cancel_delivery: {
      id: "cancel_delivery",
      label: t("action_cancel_delivery"),
      icon: "cancel",
      danger: true,
      confirm: t("confirm_cancel_delivery"),
      done: t("done_cancel_delivery"),
      run: () => cancelDelivery(hass, id),
    },
  };
  return parcelActionIds(parcel).map((action) => actions[action]);
}

/** Where a parcel is, in words: its compartment and wall, the desk, or expected. */
export function placeName(ctx: PanelContext, p: Parcel, short = false): string {
  const place = placeOf(p);
  if (place === "expected") return ctx.t("expected_short");
  if (place === "desk") return short ? ctx.t("desk_short") : ctx.t("at_front_desk");
  return short ? (p.compartment ?? "") : `${p.compartment ?? ""} · ${p.wall_name ?? ""}`;
}

export const parcelStateName = (ctx: PanelContext, state: string): string =>
  dynamicText(ctx.t, `parcel_state_${state}`, state);

/** A definition list of a parcel's facts (staff). */
export function parcelFacts(ctx: PanelContext, p: Parcel): TemplateResult {
  const { t, locale, timeZone, now } = ctx;
  const when = (iso: string | null | undefined) =>
    iso ? html`${formatDateTime(iso, locale, timeZone)} <span class="muted">(${relativeTime(iso, now, locale)})</span>` : nothing;
  const row = (label: string, value: unknown) =>
    value === nothing || value === null || value === undefined || value === ""
      ? nothing
      : html`<dt>${label}</dt>
          <dd>${value}</dd>`;
  return html`<dl class="facts">
    ${row(t("field_state"), parcelStateName(ctx, p.state))}
    ${row(t("field_recipient"), p.recipient_name ?? p.recipient ?? t("unknown"))}
    ${row(t("field_compartment"), placeName(ctx, p))}
    ${row(t("field_size"), p.cold ? `${p.size} · ${t("cooled")}` : p.size)}
    ${row(t("field_carrier"), p.carrier ?? t("unknown"))} ${row(t("field_tracking"), p.tracking)}
    ${row(t("field_stored"), when(p.stored_at ?? p.created))} ${row(t("field_code_expires"), when(p.code_expires))}
    ${row(t("field_deadline"), when(p.deadline))} ${row(t("field_expected_until"), when(p.expected_until))}
    ${row(t("field_finished"), when(p.finished_at))}
    ${row(t("field_parcel_id"), html`<code>${p.parcel_id}</code>`)}
  </dl>`;
}
