"""The running locker of one controller: polls, writes, saves, events.

One ``ParcelLockerCoordinator`` per config entry owns everything that runs: the
Modbus link and its walls, the ledger and its file, the codes issued this run.
A poll reads every wall, tells the ledger what changed, saves, fires the
ledger's events, answers the keypads and publishes one frozen
``LockerSnapshot`` that the entities show. Polls are tiered (``wall_link``):
temperatures, setpoints and every door counter are read on the temperature
interval, the rest every poll; what a reading means for the doors is
``domain.door_truth``'s decision, and every code typed since the last poll is
checked (``domain.keypad_entries``). Actions come through here too, each
as: ledger step, save, then the lock released.

A wall that does not answer makes only its own entities unavailable.

Events about a parcel carry ``household``: its recipient and the persons who
share their parcels (option *Households*), everyone to tell.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from time import monotonic
from typing import Any

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError, ServiceValidationError
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed
from homeassistant.util import dt as dt_util
from modbus_connection import ModbusConnection, ModbusError, ModbusTimeoutError

from .connection import is_serial_line
from .const import (
    CONF_POLL_INTERVAL,
    CONF_TEMPERATURE_INTERVAL,
    DEFAULT_POLL_INTERVAL,
    DEFAULT_TEMPERATURE_INTERVAL,
    DOMAIN,
    LOGGER,
)
from .domain.door_truth import DoorStep, DoorTruth
from .domain.guard import keypad_source
from .domain.keypad_entries import codes_since
from .domain.ledger import (
    REOPEN_GRACE,
    UNKNOWN_RECIPIENT,
    CodeKind,
    CodeRejectedError,
    CodeRejection,
    CompartmentSpec,
    CompartmentStatus,
    Consignment,
    DomainEvent,
    DoorPhase,
    IssuedCode,
    Ledger,
    LedgerError,
    Parcel,
    RedeemResult,
)
from .domain.readings import CompartmentReading, KeypadReading, WallReading
from .domain.sizes import Size
from .domain.snapshot import (
    LockerSnapshot,
    WallAnalytics,
    WallState,
    parcel_sensor_problem,
    waiting_by_person,
    wall_analytics,
    wall_state,
)
from .errors import NothingFitsError, controller_errors, failed, ledger_refusal
from .guard_keeper import GuardKeeper
from .households import households_of
from .poll_timer import PollTimer
from .sensor_issues import ParcelSensorIssues, SensorIssue
from .store import LedgerStore
from .wall_config import WallConfig
from .wall_link import NETWORK_STEP_REGISTERS, SERIAL_STEP_REGISTERS, WallLink

type ParcelLockerConfigEntry = ConfigEntry[ParcelLockerCoordinator]

# Keypad feedback register values (reference layout).
FEEDBACK_IDLE = 0
FEEDBACK_ACCEPTED = 1
FEEDBACK_REJECTED = 2
FEEDBACK_LOCKED_OUT = 3
ACTOR_KEYPAD = "keypad"


@dataclass(frozen=True, slots=True)
class DeliveryRequest:
    """A parcel to put in a compartment, and the announcement it is, if any."""

    recipient: str
    size: Size
    carrier: str
    tracking: str | None
    cold: bool
    announced: str | None = None

    @property
    def fields(self) -> tuple[str, Size, str, str | None, bool]:
        """Recipient, size, carrier, tracking and cold, as the ledger takes them."""
        return (self.recipient, self.size, self.carrier, self.tracking, self.cold)

    @classmethod
    def of(cls, parcel: Parcel) -> DeliveryRequest:
        """The delivery of an announced parcel, as it was announced."""
        return cls(
            parcel.recipient,
            parcel.size,
            parcel.carrier,
            parcel.tracking,
            parcel.cold,
            parcel.parcel_id,
        )


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
            # Polls run on a timer of our own (``async_start_polling``).
            update_interval=None,
            # Equal snapshots mean nothing changed: entities are not woken up.
            always_update=False,
        )
        self.poll_interval = (
            timedelta(seconds=seconds) if seconds else DEFAULT_POLL_INTERVAL
        )
        self._timer = PollTimer(hass, entry, self.poll_interval, self._async_poll)
        self.connection = connection
        self.walls: dict[str, WallConfig] = {wall.wall_id: wall for wall in walls}
        step_registers = (
            SERIAL_STEP_REGISTERS
            if is_serial_line(entry.data)
            else NETWORK_STEP_REGISTERS
        )
        self.links = {
            wall_id: WallLink(connection, wall.map, step_registers=step_registers)
            for wall_id, wall in self.walls.items()
        }
        self._truths = {
            wall_id: DoorTruth(
                counters=self.links[wall_id].has_counters,
                presence=any(c.presence for c in wall.map.compartments),
            )
            for wall_id, wall in self.walls.items()
        }
        temperature_seconds = entry.options.get(CONF_TEMPERATURE_INTERVAL)
        self._full_interval = (
            timedelta(seconds=temperature_seconds)
            if temperature_seconds
            else DEFAULT_TEMPERATURE_INTERVAL
        )
        # When the next poll reads every point (None: the very next one).
        self._next_full: datetime | None = None
        # Per wall: the compartments whose door counters each poll reads, by
        # the ledger revision they were worked out at; and the doors that
        # closed lately, until their re-open grace is over.
        self._watched: dict[str, tuple[int, frozenset[int]]] = {}
        self._closed_lately: dict[tuple[str, int], datetime] = {}
        # The cooled compartments with a probe, per wall: the ones the ledger
        # watches. One without a probe never reads, so it never takes a cold
        # parcel; its missing reading is not a probe gone silent.
        self._probed = {
            wall_id: frozenset(
                compartment.number
                for compartment in wall.map.compartments
                if compartment.cooled and compartment.temperature is not None
            )
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
        self._parcel_issues = ParcelSensorIssues(hass, entry.entry_id)
        # What the parcel sensors were last judged on: the ledger's revision
        # and each wall's compartments.
        self._sensors_checked_for: (
            tuple[int, dict[str, Mapping[int, CompartmentReading] | None]] | None
        ) = None
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
                band=wall.band,
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

    def read_everything_next(self) -> None:
        """Make the next poll read every point, temperatures and setpoints too."""
        self._next_full = None

    def _watched_compartments(self, wall_id: str, now: datetime) -> frozenset[int]:
        """Where a door cycle means something: its counter is read every poll.

        Reserved or authorised compartments, open doors, and doors closed
        within the re-open grace (opened again, they continue what they were
        opened for). The others' cycles (a forced door) are counted all the
        same and found on the next full poll.
        """
        if not self.links[wall_id].has_counters:
            return frozenset()
        cached = self._watched.get(wall_id)
        if cached is None or cached[0] != self.ledger.revision:
            cached = (
                self.ledger.revision,
                frozenset(
                    view.number
                    for view in self.ledger.compartments(wall_id)
                    if view.phase is not DoorPhase.IDLE
                ),
            )
            self._watched[wall_id] = cached
        if not self._closed_lately:
            return cached[1]
        for place, until in list(self._closed_lately.items()):
            if until < now:
                del self._closed_lately[place]
        return cached[1] | {
            number for wall, number in self._closed_lately if wall == wall_id
        }

    @callback
    def async_start_polling(self) -> CALLBACK_TYPE:
        """Poll on the cadence from now on (a door shows within an interval).

        Returns the stop. Home Assistant's own schedule would start each poll
        an interval after the last one ended, on a whole second.
        """
        return self._timer.async_start()

    async def _async_poll(self) -> bool:
        await self.async_refresh()
        return self.last_update_success

    async def _async_update_data(self) -> LockerSnapshot:
        """Read every wall, one after the other, and tell the ledger."""
        started = monotonic()
        polled_at = self.now()
        # Everything at once on the first poll (and when asked); after that
        # the slow tier is spread over the polls of each interval.
        full = self._next_full is None
        refresh_slow = self._next_full is None or polled_at >= self._next_full
        if refresh_slow:
            self._next_full = polled_at + self._full_interval
        failures: list[ModbusError] = []
        for wall_id, link in self.links.items():
            try:
                self._readings[wall_id] = await link.read(
                    full=full,
                    refresh_slow=refresh_slow,
                    watched=self._watched_compartments(wall_id, polled_at),
                )
            except ModbusError as err:
                if isinstance(err, ModbusTimeoutError):
                    # A controller that stopped answering may have left the
                    # socket half-open: the next request starts a fresh one.
                    await self.connection.disconnect()
                self._readings[wall_id] = None
                failures.append(err)
        if failures and len(failures) == len(self.links):
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

        The ledger remembers the door; it is told only the steps a reading
        stands for (``DoorTruth``), so a restart at any step picks up where the
        door really is. When neither the readings nor the ledger moved since
        last time, and no opening waits for confirmation, there is nothing to say.
        """
        fed = (self.ledger.revision, dict(self._readings))
        if fed == self._fed and not any(t.tentative for t in self._truths.values()):
            return []
        events: list[DomainEvent] = []
        for wall_id, reading in self._readings.items():
            if reading is None:
                continue
            truth = self._truths[wall_id]
            probed = self._probed[wall_id]
            for number, compartment in reading.compartments.items():
                view = self.ledger.compartment(wall_id, number)
                for step in truth.steps(
                    number,
                    compartment,
                    openings=reading.openings.get(number),
                    ledger_open=view.door_open,
                    reserved=view.status is CompartmentStatus.RESERVED,
                ):
                    if step is DoorStep.OPENED:
                        events += self.ledger.door_opened(wall_id, number, now)
                    else:
                        events += self.ledger.door_closed(wall_id, number, now)
                        self._closed_lately[wall_id, number] = now + REOPEN_GRACE
                if number in probed:
                    # None (no answer, or -32768) is a silent probe.
                    events += self.ledger.temperature_reading(
                        wall_id, number, compartment.temperature, now
                    )
        self._check_parcel_sensors()
        self._fed = (self.ledger.revision, dict(self._readings))
        return events

    def _check_parcel_sensors(self) -> None:
        """Raise a repair issue where a parcel sensor contradicts the ledger.

        A verdict is made of the ledger and the compartments' readings only:
        when neither moved (a full poll read the door counters, say), it is
        the one already given.
        """
        checked_for = (
            self.ledger.revision,
            {
                wall_id: None if reading is None else reading.compartments
                for wall_id, reading in self._readings.items()
            },
        )
        if checked_for == self._sensors_checked_for:
            return
        self._sensors_checked_for = checked_for
        found: dict[tuple[str, int], SensorIssue] = {}
        checked: set[tuple[str, int]] = set()
        for wall_id, reading in self._readings.items():
            if reading is None:
                continue
            wall = self.walls[wall_id]
            for number, compartment in reading.compartments.items():
                place = (wall_id, number)
                checked.add(place)
                view = self.ledger.compartment(wall_id, number)
                kind = parcel_sensor_problem(view.status, compartment)
                if kind is not None:
                    found[place] = SensorIssue(
                        kind, wall.label(number), wall.name, view.parcel_id
                    )
        self._parcel_issues.async_update(found, checked)

    @callback
    def async_recheck(self, wall_id: str, number: int) -> None:
        """Judge a compartment's parcel sensor afresh at the next poll."""
        self._parcel_issues.async_forget((wall_id, number))
        self._fed = None
        self._sensors_checked_for = None

    async def _async_keypad(
        self, wall_id: str, keypad: KeypadReading, now: datetime
    ) -> None:
        """Check every code typed since the last poll, in order; answer the last.

        Each code goes through the hub's guard like any other attempt from this
        wall's keypad. The keypad shows one verdict: the last code's (with the
        ring, its sequence number goes with it).
        """
        previous = self._keypad_sequence.get(wall_id)
        self._keypad_sequence[wall_id] = keypad.sequence
        entries = codes_since(previous, keypad)
        if not entries:
            return
        feedback = FEEDBACK_IDLE
        for entry in entries:
            feedback = await self._async_keypad_code(wall_id, entry.entered, now)
        try:
            await self.links[wall_id].write_keypad_feedback(
                feedback, entries[-1].sequence if keypad.ring else None
            )
        except ModbusError as err:
            # The keypad only shows a light; the ledger step already happened.
            LOGGER.debug("Could not write the keypad feedback: %s", err)

    async def _async_keypad_code(self, wall_id: str, code: str, now: datetime) -> int:
        """One code typed at a wall's keypad: what the keypad should show."""
        source = keypad_source(wall_id)
        # A courier typing an announced tracking number (never a live code).
        announced = (
            None
            if self.ledger.holds_code(code, wall_id)
            else self.ledger.announcement(code)
        )
        try:
            if announced is not None:
                await self._async_keypad_delivery(announced, wall_id, source, now)
            else:
                await self.async_redeem(
                    code, wall_id, source=source, actor=ACTOR_KEYPAD
                )
        except ServiceValidationError:
            return (
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
            return FEEDBACK_REJECTED
        return FEEDBACK_ACCEPTED

    async def _async_keypad_delivery(
        self, announced: Parcel, wall_id: str, source: str, now: datetime
    ) -> None:
        """Open a compartment at this wall for an announced parcel.

        A locked-out keypad opens nothing. When nothing fits, the parcel is
        held at the desk (and the keypad says "rejected").
        """
        self.guard.check(source, ACTOR_KEYPAD, now)
        request = DeliveryRequest.of(announced)
        try:
            await self.async_deliver(request, wall_id, ACTOR_KEYPAD)
        except NothingFitsError:
            await self.async_hold(request, wall_id, ACTOR_KEYPAD)
            raise

    # -- the snapshot ---------------------------------------------------------

    def _snapshot(self, now: datetime) -> LockerSnapshot:
        """What every entity shows now; unchanged parts are the same objects."""
        walls = {wall_id: self._wall_state(wall_id, now) for wall_id in self.walls}
        if self._waiting is None or self._waiting[0] != self.ledger.revision:
            households = households_of(self.hass).by_person
            self._waiting = (
                self.ledger.revision,
                waiting_by_person(self.ledger, households),
            )
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
        # The compartments alone: a full poll reads every door counter, the
        # next one a few, and neither changes what the wall shows.
        shown = None if reading is None else reading.compartments
        made_of = (self.ledger.revision, shown, locked)
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

    async def async_commit(self, events: Sequence[DomainEvent] = ()) -> None:
        """Save the ledger if it moved, then put its events on the bus.

        Raises ``HomeAssistantError`` when the save failed, so no lock is
        released on a step that is not stored; the events still fire, because
        what they announce happened (a door closed, a code was issued).
        """
        try:
            await self.store.async_save(self.ledger)
        finally:
            households = households_of(self.hass) if events else None
            for event in events:
                if event.issued is not None:
                    self._remember(event.issued)
                data = dict(event.data)
                recipient = data.get("recipient")
                if households and recipient and recipient != UNKNOWN_RECIPIENT:
                    data["household"] = sorted(households.members(recipient))
                self.hass.bus.async_fire(f"{DOMAIN}_{event.type}", data)
            self._forget_dead_codes()

    async def async_step(
        self, step: Callable[[datetime], list[DomainEvent]]
    ) -> list[DomainEvent]:
        """Run one ledger step for an action, save it and show it."""
        try:
            events = step(self.now())
        except LedgerError as err:
            raise ledger_refusal(err) from err
        try:
            await self.async_commit(events)
        finally:
            self.async_publish()
        return events

    async def _async_save_and_show(self) -> None:
        """After a step taken outside ``async_step``: save it and show it."""
        try:
            await self.async_commit()
        finally:
            self.async_publish()

    # -- codes kept for their recipients -------------------------------------

    def _remember(self, issued: IssuedCode) -> None:
        # The parcel's own code; a neighbour's share code is its sharer's.
        if issued.parcel_id is not None and issued.kind is not CodeKind.SHARE:
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

    async def async_set_setpoint(
        self, wall_id: str, number: int, celsius: float, actor: str
    ) -> None:
        """Write a cooled compartment's setpoint (checked by the caller), audit it."""
        wall = self.walls[wall_id]
        async with controller_errors("setpoint_failed", compartment=wall.label(number)):
            await self.links[wall_id].write_setpoint(number, celsius)
        await self.async_step(
            lambda now: self.ledger.setpoint_written(
                wall_id, number, celsius, now, actor=actor
            )
        )
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
        wall, number = _place(parcel)
        try:
            await self.async_release(wall, number)
        except HomeAssistantError:
            await self.async_step(
                lambda now: self.ledger.cancel_delivery(
                    parcel.parcel_id, now, actor=actor
                )
            )
            raise
        return parcel

    async def async_deliver(
        self,
        request: DeliveryRequest,
        wall: str | None,
        actor: str,
        created_by: str | None = None,
    ) -> Parcel:
        """Reserve and open a compartment for a delivery (``NothingFitsError``)."""
        return await self.async_reserve_and_open(
            lambda now: self.ledger.assign(
                *request.fields,
                wall,
                now,
                actor=actor,
                created_by=created_by,
                announced=request.announced,
            ),
            actor,
        )

    async def async_hold(
        self, request: DeliveryRequest, wall: str | None, actor: str
    ) -> tuple[Parcel, list[str]]:
        """Record a delivery that fits nowhere: held at the desk (``no_fit``).

        Also returns the cooled compartments that were free but not ready.
        """
        events = await self.async_step(
            lambda now: self.ledger.hold(
                Consignment(*request.fields),
                wall,
                now,
                actor=actor,
                announced=request.announced,
            )
        )
        data = events[0].data
        return self.ledger.parcel(str(data["parcel_id"])), list(data["not_ready"])

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

    async def async_share(
        self, parcel_id: str, valid_until: datetime | None, actor: str
    ) -> IssuedCode:
        """A neighbour's one-time code for a waiting parcel (``Ledger.share``)."""
        try:
            issued = self.ledger.share(
                parcel_id, self.now(), valid_until=valid_until, actor=actor
            )
        except LedgerError as err:
            raise ledger_refusal(err) from err
        await self._async_save_and_show()
        return issued

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


def _place(parcel: Parcel) -> tuple[str, int]:
    """The wall and number of a parcel that has a compartment."""
    if parcel.wall is None or parcel.number is None:  # pragma: no cover
        raise failed("parcel_not_waiting", parcel_id=parcel.parcel_id)
    return parcel.wall, parcel.number


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
