"""The running locker of one entry: the ledger tied to its walls.

Sensor readings go into the ledger, the ledger's events go onto the bus, and
the ledger is saved after every transition. Actions come through here so that
each one is: ledger step, save, then the lock released.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers import issue_registry as ir
from homeassistant.util import dt as dt_util
from modbus_connection import ModbusError

from .const import DOMAIN, LOGGER
from .coordinator import ParcelLockerCoordinator
from .domain.guard import keypad_source
from .domain.ledger import (
    CodeRejectedError,
    CodeRejection,
    CompartmentSpec,
    CompartmentStatus,
    DomainEvent,
    IssuedCode,
    Ledger,
    LedgerError,
    Parcel,
    RedeemResult,
)
from .domain.sizes import Size
from .guard_keeper import GuardKeeper
from .store import LedgerStore
from .wall_config import WallConfig
from .wall_link import KeypadReading, WallReading

# Keypad feedback register values (reference layout).
FEEDBACK_ACCEPTED = 1
FEEDBACK_REJECTED = 2
FEEDBACK_LOCKED_OUT = 3

ISSUE_PARCEL_MISSING = "parcel_missing"
ISSUE_UNEXPECTED_PARCEL = "unexpected_parcel"


def ledger_error(err: LedgerError) -> ServiceValidationError:
    """A refused ledger step as a translated error for the user."""
    return ServiceValidationError(
        translation_domain=DOMAIN,
        translation_key=err.translation_key,
        translation_placeholders=err.placeholders,
    )


class Locker:
    """Ledger, walls and events of one controller link."""

    def __init__(
        self,
        hass: HomeAssistant,
        coordinator: ParcelLockerCoordinator,
        ledger: Ledger,
        store: LedgerStore,
        guard: GuardKeeper,
    ) -> None:
        """Bind the parts; call ``sync_walls`` before the first poll."""
        self.hass = hass
        self.coordinator = coordinator
        self.ledger = ledger
        self.store = store
        self.guard = guard
        self.walls: Mapping[str, WallConfig] = coordinator.walls
        self._keypad_sequence: dict[str, int] = {}
        # Compartments whose parcel sensor disagrees with the ledger, and why;
        # None until the first poll has checked every compartment.
        self._mismatches: dict[tuple[str, int], str] | None = None
        self._shown_revision: int | None = None
        # Each parcel's current pickup code, in memory only, for its recipient's
        # picture of it: the ledger keeps codes as hashes, so after a restart
        # there is none until a replacement code is issued (see ``pickup_code``).
        self._issued: dict[str, IssuedCode] = {}
        self._issued_checked: int | None = None

    def sync_walls(self) -> None:
        """Tell the ledger which walls and compartments exist."""
        for wall in self.walls.values():
            self.ledger.sync_wall(
                wall.wall_id,
                wall.name,
                [
                    CompartmentSpec(
                        number=compartment.number,
                        label=wall.label(compartment.number),
                        size=compartment.size,
                        cooled=compartment.cooled,
                    )
                    for compartment in wall.map.compartments
                ],
            )

    @staticmethod
    def now() -> datetime:
        """The time every ledger step is taken at."""
        return dt_util.utcnow()

    def fire(self, events: Iterable[DomainEvent]) -> None:
        """Put the ledger's events on the bus for automations and blueprints."""
        for event in events:
            if event.issued is not None:
                self._remember(event.issued)
            self.hass.bus.async_fire(f"{DOMAIN}_{event.type}", dict(event.data))
        self._forget_dead_codes()

    def _remember(self, issued: IssuedCode) -> None:
        if issued.parcel_id is not None:
            self._issued[issued.parcel_id] = issued

    def pickup_code(self, parcel_id: str) -> IssuedCode | None:
        """A waiting parcel's current code, if this run issued it."""
        issued = self._issued.get(parcel_id)
        if issued is not None and not self._code_alive(parcel_id):
            # Collected, cancelled, revoked or expired: forget it.
            del self._issued[parcel_id]
            return None
        return issued

    def _forget_dead_codes(self) -> None:
        """Drop the codes that no longer work, when the ledger moved."""
        if not self._issued or self._issued_checked == self.ledger.revision:
            return
        self._issued_checked = self.ledger.revision
        # One pass over the live codes, not one per remembered parcel: this
        # runs on every commit, under load too.
        live = self._parcels_with_live_codes()
        for parcel_id in list(self._issued):
            if parcel_id not in live:
                del self._issued[parcel_id]

    def _parcels_with_live_codes(self) -> set[str]:
        now = self.now()
        return {
            code["parcel_id"]
            for code in self.ledger.list_codes()
            if code["parcel_id"] is not None
            and (expires := dt_util.parse_datetime(code["expires"])) is not None
            and expires > now
        }

    def _code_alive(self, parcel_id: str) -> bool:
        try:
            parcel = self.ledger.parcel(parcel_id)
        except LedgerError:
            return False
        if parcel.stored_at is None or not parcel.active:
            return False
        now = self.now()
        return any(
            code["parcel_id"] == parcel_id
            and (expires := dt_util.parse_datetime(code["expires"])) is not None
            and expires > now
            for code in self.ledger.list_codes(parcel.wall)
        )

    async def async_commit(self, events: Iterable[DomainEvent] = ()) -> None:
        """Save the ledger if it moved, fire the events and refresh entities.

        Raises ``HomeAssistantError`` when the save failed, so no lock is
        released on a step that is not stored; the events still fire, because
        what they announce happened (a door closed, a pickup code was issued).
        """
        try:
            await self.store.async_save(self.ledger)
        finally:
            self.fire(events)
            # Entities only show the ledger's state: an unchanged ledger (an
            # idle poll, a refused code during a lock-out) wakes none of them.
            if self.ledger.revision != self._shown_revision:
                self._shown_revision = self.ledger.revision
                self.coordinator.async_update_listeners()

    # -- sensors ------------------------------------------------------------

    async def async_process_readings(self, readings: Mapping[str, WallReading]) -> None:
        """Feed one poll into the ledger: doors, temperatures, keypads, time."""
        now = self.now()
        events: list[DomainEvent] = []
        for wall_id, reading in readings.items():
            for number, compartment in reading.compartments.items():
                view = self.ledger.compartment(wall_id, number)
                # The ledger remembers the door; tell it only what changed, so a
                # restart at any step picks up where the door really is.
                if compartment.door_closed and view.door_open:
                    events += self.ledger.door_closed(wall_id, number, now)
                elif not compartment.door_closed and not view.door_open:
                    events += self.ledger.door_opened(wall_id, number, now)
                elif compartment.present and view.status is CompartmentStatus.RESERVED:
                    # A parcel behind the closed door of a compartment reserved
                    # for one: the courier's whole door cycle fell between two
                    # polls (a restart, a lost link, a quick courier). Only the
                    # parcel sensor is trusted for this; without one the
                    # reservation expires and the parcel is reported unexpected.
                    events += self.ledger.door_opened(wall_id, number, now)
                    events += self.ledger.door_closed(wall_id, number, now)
                if view.cooled:
                    events += self.ledger.temperature_reading(
                        wall_id, number, compartment.temperature, now
                    )
        events += self.ledger.tick(now)
        await self.async_commit(events)
        await self.guard.async_tick(now)
        for wall_id, reading in readings.items():
            if reading.keypad is not None:
                await self._async_keypad(wall_id, reading.keypad, now)
        self._reconcile(readings)

    async def _async_keypad(
        self, wall_id: str, keypad: KeypadReading, now: datetime
    ) -> None:
        """A new sequence number means a new code to check at this wall."""
        previous = self._keypad_sequence.get(wall_id)
        self._keypad_sequence[wall_id] = keypad.sequence
        if previous is None or previous == keypad.sequence:
            return
        if keypad.digits == 0:
            # No digits: nothing was typed. A controller that restarted reads
            # all zeros; that is not a wrong code (five would lock residents out).
            return
        link = self.coordinator.links[wall_id]
        source = keypad_source(wall_id)
        try:
            await self.async_redeem(
                keypad.entered, wall_id, source=source, actor="keypad"
            )
        except ServiceValidationError:
            feedback = (
                FEEDBACK_LOCKED_OUT
                if self.guard.keypad_locked_until(wall_id, now) is not None
                else FEEDBACK_REJECTED
            )
        except HomeAssistantError:
            LOGGER.warning(
                "A correct code was entered at %s but the compartment could not be"
                " released",
                self.walls[wall_id].name,
            )
            feedback = FEEDBACK_REJECTED
        else:
            feedback = FEEDBACK_ACCEPTED
        try:
            await link.write_keypad_feedback(feedback)
        except ModbusError as err:
            # The keypad only shows a light; the ledger step already happened.
            LOGGER.debug("Could not write the keypad feedback: %s", err)

    def _reconcile(self, readings: Mapping[str, WallReading]) -> None:
        """Raise a repair issue where the parcel sensor contradicts the ledger.

        The ledger is never overwritten from a sensor: a parcel that vanished or
        appeared needs a person to look. Issues are created and deleted only when
        a compartment's verdict changes (and once for all on the first poll).
        """
        found = self._mismatches_in(readings)
        known = self._mismatches
        self._mismatches = found
        for (wall_id, number), kind in found.items():
            if known is not None and known.get((wall_id, number)) == kind:
                continue
            wall = self.walls[wall_id]
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                _issue_id(wall_id, number),
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key=kind,
                translation_placeholders={
                    "compartment": wall.label(number),
                    "wall": wall.name,
                },
            )
        resolved = (
            {
                (wall_id, number)
                for wall_id, reading in readings.items()
                for number in reading.compartments
            }
            if known is None
            else set(known)
        )
        for wall_id, number in resolved - set(found):
            ir.async_delete_issue(self.hass, DOMAIN, _issue_id(wall_id, number))

    def _mismatches_in(
        self, readings: Mapping[str, WallReading]
    ) -> dict[tuple[str, int], str]:
        """Closed compartments whose parcel sensor disagrees with the ledger."""
        found: dict[tuple[str, int], str] = {}
        for wall_id, reading in readings.items():
            for number, compartment in reading.compartments.items():
                if compartment.present is None or not compartment.door_closed:
                    continue
                status = self.ledger.compartment_status(wall_id, number)
                if status is CompartmentStatus.OCCUPIED and not compartment.present:
                    found[wall_id, number] = ISSUE_PARCEL_MISSING
                elif status is CompartmentStatus.FREE and compartment.present:
                    found[wall_id, number] = ISSUE_UNEXPECTED_PARCEL
        return found

    # -- actions ------------------------------------------------------------

    async def async_release(self, wall_id: str, number: int) -> None:
        """Release a lock the ledger has authorised."""
        await self.coordinator.async_release(wall_id, number)

    async def async_assign(
        self,
        *,
        recipient: str,
        size: Size,
        carrier: str,
        tracking: str | None,
        cold: bool,
        wall: str | None,
        actor: str,
        created_by: str | None = None,
    ) -> Parcel:
        """Reserve the best compartment, save, and open it."""
        return await self._async_reserve_and_open(
            lambda now: self.ledger.assign(
                recipient,
                size,
                carrier,
                tracking,
                cold,
                wall,
                now,
                actor=actor,
                created_by=created_by,
            ),
            actor,
        )

    async def async_start_return(
        self,
        *,
        recipient: str,
        size: Size,
        carrier: str,
        wall: str | None,
        actor: str,
        created_by: str | None = None,
    ) -> Parcel:
        """Reserve a compartment for a resident's return, and open it."""
        return await self._async_reserve_and_open(
            lambda now: self.ledger.start_return(
                recipient,
                size,
                carrier,
                now,
                wall=wall,
                actor=actor,
                created_by=created_by,
            ),
            actor,
        )

    async def _async_reserve_and_open(
        self, reserve: Callable[[datetime], Parcel], actor: str
    ) -> Parcel:
        """Reserve a compartment, save that, then open it.

        A compartment that did not open cannot be loaded: the reservation is
        given back rather than left for nobody to use.
        """
        try:
            parcel = reserve(self.now())
        except LedgerError as err:
            raise ledger_error(err) from err
        await self.async_commit()
        try:
            await self.async_release(parcel.wall, parcel.number)
        except HomeAssistantError:
            self.ledger.cancel_delivery(parcel.parcel_id, self.now(), actor=actor)
            await self.async_commit()
            raise
        return parcel

    async def async_redeem(
        self, code: str, wall: str | None, *, source: str, actor: str
    ) -> RedeemResult:
        """Check a code for ``source`` (guarded first); open what it belongs to."""
        now = self.now()
        self.guard.check(source, actor, now)
        try:
            result = self.ledger.redeem(code, wall, now, actor=actor)
        except CodeRejectedError as err:
            refused = await self.guard.async_fail(
                source,
                actor=actor,
                reason=err.reason,
                wall_name=None if wall is None else self.walls[wall].name,
                now=now,
            )
            # A right code at the wrong time says so, unless that locked it out.
            wrong_code = err.reason in {CodeRejection.INVALID, CodeRejection.MALFORMED}
            if wrong_code or refused.translation_key != "invalid_code":
                raise refused from None
            raise ledger_error(err) from None
        except LedgerError as err:
            raise ledger_error(err) from err
        await self.async_commit()
        await self.async_release(result.wall, result.number)
        return result

    async def async_open(
        self, wall_id: str, number: int, actor: str, *, inspect: bool = False
    ) -> None:
        """Open a compartment for someone allowed to (checked by the caller)."""
        await self.async_step(
            lambda now: self.ledger.authorize_open(
                wall_id, number, now, actor=actor, inspect=inspect
            )
        )
        await self.async_release(wall_id, number)

    async def async_issue_code(
        self,
        parcel_id: str | None,
        *,
        wall: str | None,
        valid_from: datetime | None,
        valid_until: datetime | None,
        size: Size,
        uses: int,
        actor: str,
    ) -> IssuedCode:
        """A replacement pickup code or a courier code."""
        try:
            issued = self.ledger.issue_code(
                parcel_id,
                self.now(),
                wall=wall,
                valid_from=valid_from,
                valid_until=valid_until,
                size=size,
                uses=uses,
                actor=actor,
            )
        except LedgerError as err:
            raise ledger_error(err) from err
        await self.async_commit()
        self._remember(issued)
        return issued

    async def async_step(self, step: Callable[[datetime], list[DomainEvent]]) -> None:
        """Run one ledger step, then save and announce what it did."""
        try:
            events = step(self.now())
        except LedgerError as err:
            raise ledger_error(err) from err
        await self.async_commit(events)


def _issue_id(wall_id: str, number: int) -> str:
    return f"presence_{wall_id}_{number}"
