"""A pure model of one locker wall, with no networking.

The model behaves like the hardware the integration is written against (a latch
that stays released until its door closes, a controller-timed coil pulse, a
keypad that counts codes), so the integration can be tested against the wire
contract rather than against our own assumptions. The register methods raise
``ModbusError`` with the exception code a real device would answer with, so the
server layer only has to translate.

Layout 1.1 (the default) adds a door-open counter per compartment, the keypad's
ring of the last 8 codes and the feedback's sequence number; ``layout="1.0"``
leaves them out. A read that asks only for an optional point the controller
lacks (its latch or parcel sensors, keypad, ring, counters) is refused with
exception 0x02, as the integration's detection expects; any other address
reads 0, so one read may span the gaps of the layout.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
import logging
import random
from typing import TypedDict, Unpack

from .clock import Timer
from .layout import (
    DOOR_COUNTER_BASE,
    KEYPAD_CODE_HIGH,
    KEYPAD_CODE_LOW,
    KEYPAD_DIGITS,
    KEYPAD_FEEDBACK,
    KEYPAD_FEEDBACK_SEQUENCE,
    KEYPAD_RING_BASE,
    KEYPAD_RING_SLOT_WIDTH,
    KEYPAD_RING_SLOTS,
    KEYPAD_SEQUENCE,
    LATCH_BASE,
    LAYOUTS,
    MAX_CODE_DIGITS,
    MAX_COMPARTMENTS,
    MAX_READ_BITS,
    MAX_READ_REGISTERS,
    MAX_WRITE_BITS,
    MAX_WRITE_REGISTERS,
    NO_SENSOR,
    PRESENCE_BASE,
    SIZES,
    KeypadFeedback,
    check_range,
    encode_tenths,
    from_wire,
    illegal_address,
    illegal_value,
    parse_sizes,
    to_wire,
)

_LOGGER = logging.getLogger(__name__)

DEFAULT_COOLED_TEMPERATURE = 4.0
BANK_SIZE = 256
"""Addresses the reference layout gives each bank of points (latches, parcels ...)."""
DEFAULT_AMBIENT_TEMPERATURE = 21.0


@dataclass
class Compartment:
    """The physical state of one compartment, as its sensors would see it."""

    number: int
    size: str
    cooled: bool
    coil: bool = False
    door_closed: bool = True
    latched: bool = True
    present: bool = False
    temperature: float | None = DEFAULT_AMBIENT_TEMPERATURE
    setpoint: float = 0.0
    forced: bool = False
    """The door was forced open (opened while latched) and is not closed yet."""
    relatch_pending: bool = False
    """The door closed while the coil was up: the latch catches when it drops."""
    openings: int = 0
    """The door-open counter (layout 1.1): +1 each time the door opens, wraps."""


type Scheduler = Callable[[float, Callable[[], None]], Timer]
"""Runs a callback some seconds later: the server's clock (``Clock.call_later``)."""


class WallOptions(TypedDict, total=False):
    """The keyword options of :class:`SimulatedWall`, for helpers that pass them on."""

    layout: str
    keypad: bool
    pulse_seconds: float
    controller_timed_pulse: bool
    presence: bool
    latch: bool


class SimulatedWall:
    """One locker wall behind one Modbus unit id, in the reference layout.

    Latch rules (they mirror a spring-latch parcel locker): a coil write of 1
    releases the latch and it stays released, whether or not the door is ever
    opened, until the door is closed with the coil at 0. If the door closes
    while the coil is still up, the latch catches when the coil drops. A forced
    door opens with the latch still thrown, so the latch input keeps reading 1.

    Parcel presence can be changed with the door closed as well: a real sensor
    could not see that, but tests use it to fake a sensor glitch or a mismatch
    between the ledger and the wall.
    """

    def __init__(
        self,
        compartments: int,
        *,
        cooled: Iterable[int] = (),
        keypad: bool = True,
        pulse_seconds: float = 0.5,
        controller_timed_pulse: bool = True,
        presence: bool = True,
        latch: bool = True,
        sizes: Sequence[str] | None = None,
        layout: str = "1.1",
    ) -> None:
        """Build a wall of closed, latched, empty compartments.

        ``layout`` "1.1" (door-open counters, keypad ring) or "1.0" (without).
        """
        if layout not in LAYOUTS:
            raise ValueError(f"layout must be one of {LAYOUTS}")
        if not 1 <= compartments <= MAX_COMPARTMENTS:
            raise ValueError(f"compartments must be 1..{MAX_COMPARTMENTS}")
        if pulse_seconds <= 0:
            raise ValueError("pulse_seconds must be positive")
        sizes = list(sizes) if sizes is not None else ["S"] * compartments
        if len(sizes) != compartments or any(s not in SIZES for s in sizes):
            raise ValueError(f"need {compartments} sizes, each one of {SIZES}")
        cooled_set = set(cooled)
        if stray := {n for n in cooled_set if not 1 <= n <= compartments}:
            raise ValueError(f"cooled compartments {sorted(stray)} do not exist")
        self.layout = layout
        self.keypad = keypad
        self.pulse_seconds = pulse_seconds
        self.controller_timed_pulse = controller_timed_pulse
        self.presence = presence
        self.latch = latch
        self.sizes = sizes
        self.compartments = [
            Compartment(
                number=n,
                size=sizes[n - 1],
                cooled=n in cooled_set,
                temperature=DEFAULT_COOLED_TEMPERATURE
                if n in cooled_set
                else DEFAULT_AMBIENT_TEMPERATURE,
                setpoint=DEFAULT_COOLED_TEMPERATURE if n in cooled_set else 0.0,
            )
            for n in range(1, compartments + 1)
        ]
        self.coil_writes: list[tuple[int, bool]] = []
        # Reads answered that covered the keypad's sequence register: a hub
        # reads it once a poll, so this counts polls from the wall's side.
        self.keypad_reads = 0
        self._clear_keypad()
        self._listeners: list[Callable[[], None]] = []
        self._scheduler: Scheduler | None = None
        self._timers: dict[tuple[str, int], Timer] = {}
        self.quick_doors = 0.0
        """Seconds after which an opened door closes by itself (0: never)."""
        # Door bounce: flips owed to chosen doors' next reads, and a chance of a
        # flip on every read of the doors in ``_bounce_doors``.
        self._bounce_owed: dict[int, int] = {}
        self._bounce_probability = 0.0
        self._bounce_doors: frozenset[int] = frozenset()
        self._bounce_rng = random.Random()
        self.door_bounces = 0
        """How many door reads were served flipped so far."""

    @property
    def count(self) -> int:
        """Number of compartments (the wall is numbered 1..count)."""
        return len(self.compartments)

    def compartment(self, n: int) -> Compartment:
        """Look a compartment up by its 1-based number."""
        if not 1 <= n <= len(self.compartments):
            raise ValueError(f"no compartment {n}; the wall has 1..{self.count}")
        return self.compartments[n - 1]

    # -- observers -----------------------------------------------------------

    def add_listener(self, callback: Callable[[], None]) -> Callable[[], None]:
        """Call ``callback`` after every change; returns a function that removes it."""
        self._listeners.append(callback)
        return lambda: self._listeners.remove(callback)

    def _notify(self) -> None:
        for callback in list(self._listeners):
            try:
                callback()
            except Exception:
                # A broken observer must not turn a Modbus write into an error.
                _LOGGER.exception("Wall listener failed")

    @property
    def counters(self) -> bool:
        """Whether the controller has door-open counters (layout 1.1)."""
        return self.layout != "1.0"

    @property
    def ring(self) -> bool:
        """Whether the keypad has its ring and feedback sequence (layout 1.1)."""
        return self.keypad and self.layout != "1.0"

    def set_scheduler(self, scheduler: Scheduler | None) -> None:
        """Let the server's clock time pulses and self-closing doors.

        Without one (the pure model in tests) nothing drops the coil until
        someone calls :meth:`pulse_elapsed`, and no door closes by itself;
        taking it away calls off what was scheduled (a power cut).
        """
        if scheduler is None:
            for timer in self._timers.values():
                timer.cancel()
            self._timers.clear()
        self._scheduler = scheduler

    def _schedule(self, kind: str, n: int, callback: Callable[[], None]) -> None:
        """Run ``callback`` after the pulse or door delay; a repeat starts anew."""
        if self._scheduler is None:
            return
        if previous := self._timers.pop((kind, n), None):
            previous.cancel()
        delay = self.pulse_seconds if kind == "pulse" else self.quick_doors

        def run() -> None:
            self._timers.pop((kind, n), None)
            callback()

        self._timers[kind, n] = self._scheduler(delay, run)

    def set_quick_doors(self, seconds: float) -> None:
        """A fault: every door opened closes by itself ``seconds`` later (0: off).

        People faster than the poll: a door cycle that begins and ends between
        two reads of its contact.
        """
        if not 0 <= seconds < float("inf"):
            raise ValueError("seconds must be a finite number >= 0")
        self.quick_doors = seconds

    # -- the hub's side (through Modbus) -------------------------------------

    def write_coil(self, n: int, value: bool) -> None:
        """Drive compartment ``n``'s release output as the hub would."""
        self._write_coil(self.compartment(n), value)
        self._notify()

    def _write_coil(self, comp: Compartment, value: bool) -> None:
        self.coil_writes.append((comp.number, value))
        if value:
            comp.coil = True
            comp.latched = False
            comp.relatch_pending = False
            if self.controller_timed_pulse:
                self._schedule(
                    "pulse", comp.number, partial(self.pulse_elapsed, comp.number)
                )
        else:
            # The hub ended the pulse itself: the controller's timer has nothing left.
            if timer := self._timers.pop(("pulse", comp.number), None):
                timer.cancel()
            self._drop_coil(comp)

    def pulse_elapsed(self, n: int) -> None:
        """End a controller-timed pulse: the controller drops the coil itself."""
        comp = self.compartment(n)
        if comp.coil:
            self._drop_coil(comp)
            self._notify()

    @staticmethod
    def _drop_coil(comp: Compartment) -> None:
        comp.coil = False
        if comp.relatch_pending and comp.door_closed:
            comp.latched = True
        comp.relatch_pending = False

    def power_cycle(self) -> None:
        """The controller lost power and came back: its volatile state is gone.

        Coils read 0 again (a pulse in progress ends), the keypad registers read
        0 (sequence, code, digits, feedback, the ring), and so do the door-open
        counters. Doors, latches, parcels, probes and setpoints are physical or
        kept by the controller, and stay.
        """
        for comp in self.compartments:
            if comp.coil:
                self._drop_coil(comp)
            comp.openings = 0
        self._clear_keypad()
        self._notify()

    def _clear_keypad(self) -> None:
        """The keypad's registers as the controller starts: nothing typed yet."""
        self.keypad_sequence = 0
        self.keypad_code = 0
        self.keypad_digits = 0
        self.keypad_entry = ""
        self.keypad_feedback = KeypadFeedback.IDLE
        self.keypad_ring: list[tuple[int, int, int]] = [(0, 0, 0)] * KEYPAD_RING_SLOTS
        """Layout 1.1: per slot (sequence, code, digits); slot = sequence % 8."""
        self.keypad_feedback_sequence = 0

    def release_count(self, n: int) -> int:
        """How many times the hub wrote 1 to compartment ``n``'s coil."""
        return sum(1 for number, value in self.coil_writes if number == n and value)

    # -- the people in front of the wall -------------------------------------

    def open_door(self, n: int, *, force: bool = False) -> bool:
        """Pull the door; it only gives while the latch is released, unless forced."""
        comp = self.compartment(n)
        if not comp.door_closed:
            return True
        if comp.latched and not force:
            return False
        comp.forced = comp.latched
        comp.door_closed = False
        comp.openings = (comp.openings + 1) & 0xFFFF
        if self.quick_doors:
            self._schedule("door", n, partial(self.close_door, n))
        self._notify()
        return True

    def close_door(self, n: int) -> None:
        """Push the door shut; the latch catches unless the coil still holds it."""
        comp = self.compartment(n)
        if comp.door_closed:
            return
        comp.door_closed = True
        comp.forced = False
        if comp.coil:
            comp.relatch_pending = True
        else:
            comp.latched = True
        self._notify()

    def put_parcel(self, n: int) -> None:
        """Mark a parcel present (allowed with the door closed too; see class doc)."""
        self.compartment(n).present = True
        self._notify()

    def take_parcel(self, n: int) -> None:
        """Mark the compartment empty (allowed with the door closed too)."""
        self.compartment(n).present = False
        self._notify()

    def set_temperature(self, n: int, celsius: float | None) -> None:
        """Set the probe reading; None unplugs the probe (reads -32768)."""
        encode_tenths(celsius)
        self.compartment(n).temperature = celsius
        self._notify()

    def set_setpoint(self, n: int, celsius: float) -> None:
        """Set the cooling setpoint as a technician at the controller would."""
        encode_tenths(celsius)
        self.compartment(n).setpoint = celsius
        self._notify()

    def enter_code(self, digits: str) -> None:
        """Type a code on the keypad and press enter."""
        if not self.keypad:
            raise ValueError("this wall has no keypad")
        if not (digits.isascii() and digits.isdecimal()):
            raise ValueError("a keypad code is digits only")
        if not 1 <= len(digits) <= MAX_CODE_DIGITS:
            raise ValueError(f"a keypad code has 1..{MAX_CODE_DIGITS} digits")
        if int(digits) > 0xFFFFFFFF:
            raise ValueError("the code does not fit the uint32 keypad register")
        self.keypad_sequence = (self.keypad_sequence + 1) & 0xFFFF
        self.keypad_code = int(digits)
        self.keypad_digits = len(digits)
        self.keypad_entry = digits
        self.keypad_ring[self.keypad_sequence % KEYPAD_RING_SLOTS] = (
            self.keypad_sequence,
            self.keypad_code,
            self.keypad_digits,
        )
        # The display waits for the hub's verdict on the new code.
        self.keypad_feedback = KeypadFeedback.IDLE
        self._notify()

    # -- a chattering door contact ------------------------------------------

    def bounce_door(self, n: int, reads: int = 1) -> None:
        """Serve the next ``reads`` reads of door ``n`` flipped (a contact bounce).

        Only what the controller reports changes; the door itself does not move.
        """
        self.compartment(n)
        if reads < 0:
            raise ValueError("reads must be >= 0")
        self._bounce_owed[n] = self._bounce_owed.get(n, 0) + reads

    def set_door_bounce(
        self,
        probability: float,
        *,
        seed: int | None = None,
        doors: Iterable[int] | None = None,
    ) -> None:
        """Flip each read of a door at random with ``probability`` (0 stops it).

        ``doors`` limits the noise to some compartments (default: all of them);
        ``seed`` makes the noise repeatable.
        """
        if not 0.0 <= probability <= 1.0:
            raise ValueError("probability must be within 0..1")
        chosen = frozenset(range(1, self.count + 1) if doors is None else doors)
        for n in chosen:
            self.compartment(n)
        self._bounce_probability = probability
        self._bounce_doors = chosen if probability else frozenset()
        self._bounce_rng = random.Random(seed)

    def _door_reading(self, comp: Compartment) -> bool:
        """What door ``comp``'s contact reports now, bounce included."""
        closed = comp.door_closed
        if not (self._bounce_owed or self._bounce_doors):
            return closed
        flip = False
        if owed := self._bounce_owed.get(comp.number):
            flip = True
            if owed == 1:
                del self._bounce_owed[comp.number]
            else:
                self._bounce_owed[comp.number] = owed - 1
        elif comp.number in self._bounce_doors:
            flip = self._bounce_rng.random() < self._bounce_probability
        if flip:
            self.door_bounces += 1
            return not closed
        return closed

    # -- register tables at the reference addresses --------------------------

    def read_coils(self, address: int, count: int) -> list[bool]:
        """Read coils; addresses past the wall read 0 so one read may span gaps."""
        check_range(address, count, MAX_READ_BITS)
        n = self.count
        return [
            self.compartments[a].coil if a < n else False
            for a in range(address, address + count)
        ]

    def read_discrete_inputs(self, address: int, count: int) -> list[bool]:
        """Read door, latch and presence inputs; other addresses read 0."""
        self._refuse_lacking(self._lacking_discrete(), address, count, MAX_READ_BITS)
        return [bool(self._discrete_at(a)) for a in range(address, address + count)]

    def _lacking_discrete(self) -> list[range]:
        n = BANK_SIZE
        return [
            *([] if self.latch else [range(LATCH_BASE, LATCH_BASE + n)]),
            *([] if self.presence else [range(PRESENCE_BASE, PRESENCE_BASE + n)]),
        ]

    def _discrete_at(self, address: int) -> bool:
        n = self.count
        if address < n:
            return self._door_reading(self.compartments[address])
        if self.latch and LATCH_BASE <= address < LATCH_BASE + n:
            return self.compartments[address - LATCH_BASE].latched
        if self.presence and PRESENCE_BASE <= address < PRESENCE_BASE + n:
            return self.compartments[address - PRESENCE_BASE].present
        return False

    def read_input_registers(self, address: int, count: int) -> list[int]:
        """Read temperatures, the keypad and the counters as uint16 wire values."""
        self._refuse_lacking(self._lacking_input(), address, count, MAX_READ_REGISTERS)
        if self.keypad and address <= KEYPAD_SEQUENCE < address + count:
            self.keypad_reads += 1
        return [self._input_at(a) for a in range(address, address + count)]

    def _lacking_input(self) -> list[range]:
        ring = KEYPAD_RING_SLOTS * KEYPAD_RING_SLOT_WIDTH
        return [
            *([] if self.keypad else [range(KEYPAD_SEQUENCE, KEYPAD_DIGITS + 1)]),
            *([] if self.ring else [range(KEYPAD_RING_BASE, KEYPAD_RING_BASE + ring)]),
            *(
                []
                if self.counters
                else [range(DOOR_COUNTER_BASE, DOOR_COUNTER_BASE + BANK_SIZE)]
            ),
        ]

    def _input_at(self, address: int) -> int:
        n = self.count
        if address < n:
            return to_wire(encode_tenths(self.compartments[address].temperature))
        if self.counters and DOOR_COUNTER_BASE <= address < DOOR_COUNTER_BASE + n:
            return self.compartments[address - DOOR_COUNTER_BASE].openings
        if not self.keypad:
            return 0
        keypad = {
            KEYPAD_SEQUENCE: self.keypad_sequence,
            KEYPAD_CODE_HIGH: self.keypad_code >> 16,
            KEYPAD_CODE_LOW: self.keypad_code & 0xFFFF,
            KEYPAD_DIGITS: self.keypad_digits,
        }
        if address in keypad:
            return keypad[address]
        offset = address - KEYPAD_RING_BASE
        if self.ring and 0 <= offset < KEYPAD_RING_SLOTS * KEYPAD_RING_SLOT_WIDTH:
            sequence, code, digits = self.keypad_ring[offset // KEYPAD_RING_SLOT_WIDTH]
            return (sequence, code >> 16, code & 0xFFFF, digits)[
                offset % KEYPAD_RING_SLOT_WIDTH
            ]
        return 0

    def read_holding_registers(self, address: int, count: int) -> list[int]:
        """Read setpoints and the keypad feedback as uint16 wire values."""
        self._refuse_lacking(
            self._lacking_holding(), address, count, MAX_READ_REGISTERS
        )
        return [self._holding_at(a) for a in range(address, address + count)]

    def _lacking_holding(self) -> list[range]:
        return [
            *([] if self.keypad else [range(KEYPAD_FEEDBACK, KEYPAD_FEEDBACK + 1)]),
            *(
                []
                if self.ring
                else [range(KEYPAD_FEEDBACK_SEQUENCE, KEYPAD_FEEDBACK_SEQUENCE + 1)]
            ),
        ]

    @staticmethod
    def _refuse_lacking(
        lacking: list[range], address: int, count: int, limit: int
    ) -> None:
        """Refuse (0x02) a read that asks only for an optional point this wall lacks.

        That is how a controller shows which optional points it has: the
        integration's detection reads each one on its own. Any other address
        reads 0, so one read may span the gaps of the layout.
        """
        check_range(address, count, limit)
        if any(address in bank and address + count <= bank.stop for bank in lacking):
            raise illegal_address(f"no such point at {address}+{count}")

    def _holding_at(self, address: int) -> int:
        if address < self.count:
            return to_wire(encode_tenths(self.compartments[address].setpoint))
        if self.keypad and address == KEYPAD_FEEDBACK:
            return int(self.keypad_feedback)
        if self.ring and address == KEYPAD_FEEDBACK_SEQUENCE:
            return self.keypad_feedback_sequence
        return 0

    def write_coils(self, address: int, values: Sequence[bool]) -> None:
        """Write release outputs; a write past the wall is refused as a whole."""
        check_range(address, len(values), MAX_WRITE_BITS)
        if address + len(values) > self.count:
            raise illegal_address(f"coils {address}+{len(values)} past the wall")
        for offset, value in enumerate(values):
            self._write_coil(self.compartments[address + offset], bool(value))
        self._notify()

    def write_holding_registers(self, address: int, values: Sequence[int]) -> None:
        """Write setpoints and keypad feedback; checked in full before applying."""
        check_range(address, len(values), MAX_WRITE_REGISTERS)
        updates = [
            self._check_holding_write(address + offset, register)
            for offset, register in enumerate(values)
        ]
        for target, register in updates:
            if target == KEYPAD_FEEDBACK:
                self.keypad_feedback = KeypadFeedback(register)
            elif target == KEYPAD_FEEDBACK_SEQUENCE:
                self.keypad_feedback_sequence = register
            else:
                self.compartments[target].setpoint = from_wire(register) / 10
        self._notify()

    def _check_holding_write(self, target: int, register: int) -> tuple[int, int]:
        """Refuse a value the register cannot take (ModbusError), else pass it on."""
        if not 0 <= register <= 0xFFFF:
            raise illegal_value(f"register value {register} is not uint16")
        if target < self.count:
            if from_wire(register) == NO_SENSOR:
                raise illegal_value("-32768 is not a setpoint")
        elif self.keypad and target == KEYPAD_FEEDBACK:
            if register > max(KeypadFeedback):
                raise illegal_value(f"keypad feedback {register} is not 0..3")
        elif not (self.ring and target == KEYPAD_FEEDBACK_SEQUENCE):
            raise illegal_address(f"holding register {target} is not writable")
        return target, register


def reference_wall(
    sizes: str = "S*12,M*8,L*4",
    *,
    cooled: Iterable[int] | None = None,
    **kwargs: Unpack[WallOptions],
) -> SimulatedWall:
    """Build a wall from a compact size spec, as an installer would describe it.

    ``cooled=None`` means the reference wall's cooled pair, 21 and 22, where the
    wall is that big, so ``reference_wall("S*4")`` works without extra options.
    """
    expanded = parse_sizes(sizes)
    if cooled is None:
        cooled = [n for n in (21, 22) if n <= len(expanded)]
    return SimulatedWall(len(expanded), cooled=cooled, sizes=expanded, **kwargs)
