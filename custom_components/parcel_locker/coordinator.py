"""The running locker of one controller: polls, writes, saves, events.

One ``ParcelLockerCoordinator`` per config entry owns everything that runs: the
Modbus link and its walls, the ledger and its file, the codes issued this run.
A poll reads every wall, tells the ledger what changed, saves, fires the
ledger's events, answers the keypads and publishes one frozen
``LockerSnapshot`` that the entities show. Actions come through here too, each
as: ledger step, save, then the lock released.

A wall that does not answer makes only its own entities unavailable.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import datetime, timedelta
from time import monotonic
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util
from modbus_connection import ModbusConnection, ModbusError, ModbusTimeoutError

from .const import CONF_POLL_INTERVAL, DEFAULT_POLL_INTERVAL, DOMAIN, LOGGER
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
from .domain.readings import KeypadReading, WallReading
from .domain.snapshot import (
    LockerSnapshot,
    WallAnalytics,
    WallState,
    parcel_sensor_problem,
    waiting_by_person,
    wall_analytics,
    wall_state,
)
from .errors import controller_errors, ledger_refusal
from .guard_keeper import GuardKeeper
from .repairs import ParcelSensorIssues
from .store import LedgerStore
from .wall_config import WallConfig
from .wall_link import WallLink

type ParcelLockerConfigEntry = ConfigEntry[ParcelLockerCoordinator]

# Keypad feedback register values (reference layout).
FEEDBACK_ACCEPTED = 1
FEEDBACK_REJECTED = 2
FEEDBACK_LOCKED_OUT = 3


class ParcelLockerCoordinator(DataUpdateCoordinator[LockerSnapshot]):
    """The ledger tied to the walls of one controller link."""

    config_entry: ParcelLockerConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: ParcelLockerConfigEntry,
        *,
        connection: ModbusConnection,
        walls: Iterable[WallConfig],
        ledger: Ledger,
        store: LedgerStore,
        guard: GuardKeeper,
    ) -> None:
        """Bind the parts; nothing is read until the first refresh."""
        seconds = entry.options.get(CONF_POLL_INTERVAL)
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title}",
            update_interval=timedelta(seconds=seconds)
            if seconds
            else DEFAULT_POLL_INTERVAL,
            # Equal snapshots mean nothing changed: entities are not woken up.
            always_update=False,
        )
        self.connection = connection
        self.walls: dict[str, WallConfig] = {wall.wall_id: wall for wall in walls}
        self.links = {
            wall_id: WallLink(connection, wall.map)
            for wall_id, wall in self.walls.items()
        }
        self.ledger = ledger
        self.store = store
        self.guard = guard
        self.last_poll_seconds: float | None = None
        # The last reading of each wall (None: it did not answer).
        self._readings: dict[str, WallReading | None] = {}
        # What the ledger was told last: a poll that read the same again and
        # found the ledger where it left it has nothing to tell it.
        self._fed: tuple[int, dict[str, WallReading | None]] | None = None
        self._keypad_sequence: dict[str, int] = {}
        self._parcel_issues = ParcelSensorIssues(hass)
        # Each parcel's current code, in memory only, for its recipient's
        # picture of it: the ledger keeps codes as hashes, so after a restart
        # there is none until a replacement code is issued.
        self._issued: dict[str, IssuedCode] = {}
        self._issued_checked: int | None = None
        # Walls' states by what they were made from: unchanged parts of the
        # snapshot are the same objects, so comparing snapshots stays cheap.
        self._wall_states: dict[str, tuple[tuple[Any, ...], WallState]] = {}
        self._waiting: tuple[int, Mapping[str, Any]] | None = None
        # Analytics by what they were made from: the ledger and the hour (the
        # dwell time's window slides).
        self._analytics: (
            tuple[tuple[int, datetime], Mapping[str, WallAnalytics]] | None
        ) = None

    async def _async_setup(self) -> None:
        """Tell the ledger which walls exist, and save that before any poll."""
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
        try:
            await self.store.async_save(self.ledger)
        except HomeAssistantError as err:
            raise UpdateFailed(
                translation_domain=DOMAIN,
                translation_key="ledger_save_failed",
                translation_placeholders=err.translation_placeholders,
            ) from err

    @staticmethod
    def now() -> datetime:
        """The time every ledger step is taken at."""
        return dt_util.utcnow()

    # -- polling ------------------------------------------------------------

    async def _async_update_data(self) -> LockerSnapshot:
        """Read every wall, one after the other, and tell the ledger."""
        started = monotonic()
        failures: list[ModbusError] = []
        for wall_id, link in self.links.items():
            try:
                self._readings[wall_id] = await link.read()
            except ModbusError as err:
                if isinstance(err, ModbusTimeoutError):
                    # A controller that stopped answering may have left the
                    # socket half-open: the next request starts a fresh one.
                    await self.connection.disconnect()
                self._readings[wall_id] = None
                failures.append(err)
        if len(failures) == len(self.links):
            raise _poll_failed(failures[0], self.config_entry.title)
        self.last_poll_seconds = monotonic() - started
        now = self.now()
        try:
            await self.async_commit(self._feed(now) + self.ledger.tick(now))
        except HomeAssistantError as err:
            # The ledger could not be saved: say so instead of pretending all
            # is well; the next poll saves the whole ledger again.
            raise UpdateFailed(
                translation_domain=err.translation_domain,
                translation_key=err.translation_key,
                translation_placeholders=err.translation_placeholders,
            ) from err
        for wall_id, reading in self._readings.items():
            if reading is not None and reading.keypad is not None:
                await self._async_keypad(wall_id, reading.keypad, now)
        await self.guard.async_tick(now)
        return self._snapshot(now)

    def _feed(self, now: datetime) -> list[DomainEvent]:
        """Tell the ledger what the sensors say: doors, parcels, temperatures.

        The ledger remembers the door; it is told only what differs, so a
        restart at any step picks up where the door really is. When neither the
        readings nor the ledger moved since last time there is nothing to say.
        """
        fed = (self.ledger.revision, dict(self._readings))
        if fed == self._fed:
            return []
        events: list[DomainEvent] = []
        for wall_id, reading in self._readings.items():
            if reading is None:
                continue
            for number, compartment in reading.compartments.items():
                view = self.ledger.compartment(wall_id, number)
                if compartment.door_closed and view.door_open:
                    events += self.ledger.door_closed(wall_id, number, now)
                elif not compartment.door_closed and not view.door_open:
                    events += self.ledger.door_opened(wall_id, number, now)
                elif compartment.present and view.status is CompartmentStatus.RESERVED:
                    # A parcel behind the closed door of a compartment reserved
                    # for one: the courier's whole door cycle fell between two
                    # polls (a restart, a lost link, a quick courier).
                    events += self.ledger.door_opened(wall_id, number, now)
                    events += self.ledger.door_closed(wall_id, number, now)
                if view.cooled:
                    events += self.ledger.temperature_reading(
                        wall_id, number, compartment.temperature, now
                    )
        self._check_parcel_sensors()
        self._fed = (self.ledger.revision, dict(self._readings))
        return events

    def _check_parcel_sensors(self) -> None:
        """Raise a repair issue where a parcel sensor contradicts the ledger."""
        found: dict[tuple[str, int], str] = {}
        checked: set[tuple[str, int]] = set()
        labels: dict[tuple[str, int], tuple[str, str]] = {}
        for wall_id, reading in self._readings.items():
            if reading is None:
                continue
            wall = self.walls[wall_id]
            for number, compartment in reading.compartments.items():
                place = (wall_id, number)
                checked.add(place)
                labels[place] = (wall.label(number), wall.name)
                status = self.ledger.compartment_status(wall_id, number)
                if (problem := parcel_sensor_problem(status, compartment)) is not None:
                    found[place] = problem
        self._parcel_issues.async_update(found, checked, labels)

    async def _async_keypad(
        self, wall_id: str, keypad: KeypadReading, now: datetime
    ) -> None:
        """A new sequence number means a new code to check at this wall."""
        previous = self._keypad_sequence.get(wall_id)
        self._keypad_sequence[wall_id] = keypad.sequence
        if previous is None or previous == keypad.sequence or keypad.digits == 0:
            # No digits: nothing was typed. A controller that restarted reads
            # all zeros; that is not a wrong code (five would lock residents out).
            return
        try:
            await self.async_redeem(
                keypad.entered, wall_id, source=keypad_source(wall_id), actor="keypad"
            )
        except ServiceValidationError:
            feedback = (
                FEEDBACK_LOCKED_OUT
                if self.guard.keypad_locked_until(wall_id, now) is not None
                else FEEDBACK_REJECTED
            )
        except HomeAssistantError:
            LOGGER.warning(
                "A correct code was entered at %s but the compartment could not"
                " be released",
                self.walls[wall_id].name,
            )
            feedback = FEEDBACK_REJECTED
        else:
            feedback = FEEDBACK_ACCEPTED
        try:
            await self.links[wall_id].write_keypad_feedback(feedback)
        except ModbusError as err:
            # The keypad only shows a light; the ledger step already happened.
            LOGGER.debug("Could not write the keypad feedback: %s", err)

    # -- the snapshot ---------------------------------------------------------

    def _snapshot(self, now: datetime) -> LockerSnapshot:
        """What every entity shows now; unchanged parts are the same objects."""
        walls = {wall_id: self._wall_state(wall_id, now) for wall_id in self.walls}
        if self._waiting is None or self._waiting[0] != self.ledger.revision:
            self._waiting = (self.ledger.revision, waiting_by_person(self.ledger))
        return LockerSnapshot(
            walls=walls, waiting=self._waiting[1], analytics=self._wall_analytics(now)
        )

    def _wall_analytics(self, now: datetime) -> Mapping[str, WallAnalytics]:
        made_of = (self.ledger.revision, now.replace(minute=0, second=0, microsecond=0))
        if self._analytics is None or self._analytics[0] != made_of:
            parcels = self.ledger.list_parcels(include_finished=True)
            self._analytics = (
                made_of,
                {
                    wall_id: wall_analytics(self.ledger, wall_id, now, parcels)
                    for wall_id in self.walls
                },
            )
        return self._analytics[1]

    def _wall_state(self, wall_id: str, now: datetime) -> WallState:
        reading = self._readings.get(wall_id)
        locked = self.guard.keypad_locked_until(wall_id, now) is not None
        made_of = (self.ledger.revision, reading, locked)
        cached = self._wall_states.get(wall_id)
        if cached is not None and cached[0] == made_of:
            return cached[1]
        state = wall_state(self.ledger, wall_id, reading, keypad_locked=locked)
        self._wall_states[wall_id] = (made_of, state)
        return state

    @callback
    def async_publish(self) -> None:
        """Show the ledger's new state now, without waiting for a poll.

        The poll's schedule is left alone: a busy wall (actions all the time)
        must still be polled to see its doors. Only called once the first
        poll has made a snapshot (actions and listeners come after set-up).
        """
        snapshot = self._snapshot(self.now())
        if snapshot != self.data:
            self.data = snapshot
            self.async_update_listeners()

    # -- saving and events ----------------------------------------------------

    async def async_commit(self, events: Iterable[DomainEvent] = ()) -> None:
        """Save the ledger if it moved, then put its events on the bus.

        Raises ``HomeAssistantError`` when the save failed, so no lock is
        released on a step that is not stored; the events still fire, because
        what they announce happened (a door closed, a code was issued).
        """
        try:
            await self.store.async_save(self.ledger)
        finally:
            for event in events:
                if event.issued is not None:
                    self._remember(event.issued)
                self.hass.bus.async_fire(f"{DOMAIN}_{event.type}", dict(event.data))
            self._forget_dead_codes()

    async def async_step(self, step: Callable[[datetime], list[DomainEvent]]) -> None:
        """Run one ledger step for an action, save it and show it."""
        try:
            events = step(self.now())
        except LedgerError as err:
            raise ledger_refusal(err) from err
        try:
            await self.async_commit(events)
        finally:
            self.async_publish()

    async def _async_save_and_show(self) -> None:
        """After a step taken outside ``async_step``: save it and show it."""
        try:
            await self.async_commit()
        finally:
            self.async_publish()

    # -- codes kept for their recipients -------------------------------------

    def _remember(self, issued: IssuedCode) -> None:
        if issued.parcel_id is not None:
            self._issued[issued.parcel_id] = issued

    def pickup_code(self, parcel_id: str) -> IssuedCode | None:
        """A waiting parcel's current code, if this run issued it and it works."""
        issued = self._issued.get(parcel_id)
        if issued is None:
            return None
        live = {
            (code["code_id"], code["parcel_id"])
            for code in self.ledger.list_codes(issued.wall)
        }
        if issued.expires <= self.now() or (issued.code_id, parcel_id) not in live:
            # Collected, cancelled, revoked, replaced or expired: forget it.
            del self._issued[parcel_id]
            return None
        return issued

    def _forget_dead_codes(self) -> None:
        """Drop the codes that no longer work, when the ledger moved.

        One pass over the live codes, not one per remembered parcel: this runs
        on every commit, under load too.
        """
        if not self._issued or self._issued_checked == self.ledger.revision:
            return
        self._issued_checked = self.ledger.revision
        live = {code["code_id"] for code in self.ledger.list_codes()}
        for parcel_id, issued in list(self._issued.items()):
            if issued.code_id not in live:
                del self._issued[parcel_id]

    # -- actions --------------------------------------------------------------

    async def async_release(self, wall_id: str, number: int) -> None:
        """Release a lock the ledger has authorised, then read the wall again."""
        wall = self.walls[wall_id]
        async with controller_errors("release_failed", compartment=wall.label(number)):
            await self.links[wall_id].release(number, wall.pulse_seconds)
        await self.async_request_refresh()

    async def async_reserve_and_open(
        self, reserve: Callable[[datetime], Parcel], actor: str
    ) -> Parcel:
        """Reserve a compartment (a delivery, a return), save that, then open it.

        A compartment that did not open cannot be loaded: the reservation is
        given back rather than left for nobody to use.
        """
        try:
            parcel = reserve(self.now())
        except LedgerError as err:
            raise ledger_refusal(err) from err
        await self._async_save_and_show()
        try:
            await self.async_release(parcel.wall, parcel.number)
        except HomeAssistantError:
            await self.async_step(
                lambda now: self.ledger.cancel_delivery(
                    parcel.parcel_id, now, actor=actor
                )
            )
            raise
        return parcel

    async def async_redeem(
        self, code: str, wall: str | None, *, source: str, actor: str
    ) -> RedeemResult:
        """Check a code for ``source`` (the hub's guard first); open what it opens."""
        now = self.now()
        self.guard.check(source, actor, now)
        try:
            result = self.ledger.redeem(code, wall, now, actor=actor)
        except CodeRejectedError as err:
            refusal = await self.guard.async_fail(
                source,
                actor=actor,
                reason=err.reason,
                wall_name=None if wall is None else self.walls[wall].name,
                now=now,
            )
            # A right code at the wrong time says so, unless that locked it out.
            wrong_code = err.reason in {CodeRejection.INVALID, CodeRejection.MALFORMED}
            if wrong_code or refusal.translation_key != "invalid_code":
                raise refusal from None
            raise ledger_refusal(err) from None
        except LedgerError as err:
            raise ledger_refusal(err) from err
        await self._async_save_and_show()
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
        self, parcel_id: str | None, **kwargs: Any
    ) -> IssuedCode:
        """A replacement pickup code or a courier code (``Ledger.issue_code``)."""
        try:
            issued = self.ledger.issue_code(parcel_id, self.now(), **kwargs)
        except LedgerError as err:
            raise ledger_refusal(err) from err
        self._remember(issued)
        await self._async_save_and_show()
        return issued


def _poll_failed(err: ModbusError, title: str) -> UpdateFailed:
    """No wall answered: every entity of the entry is unavailable."""
    if isinstance(err, ModbusTimeoutError):
        return UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="controller_timeout",
            translation_placeholders={"name": title},
        )
    return UpdateFailed(
        translation_domain=DOMAIN,
        translation_key="communication_error",
        translation_placeholders={"error": str(err)},
    )
