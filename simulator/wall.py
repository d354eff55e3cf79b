"""A pure model of one locker wall, with no networking.

The model behaves like the hardware the integration is written against (a latch
that stays released until its door closes, a controller-timed coil pulse, a
keypad that counts codes), so the integration can be tested against the wire
contract rather than against our own assumptions. The register methods raise
``ModbusError`` with the exception code a real device would answer with, so the
server layer only has to translate.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
import logging
import random
from typing import TypedDict, Unpack

from .layout import (
    KEYPAD_CODE_HIGH,
    KEYPAD_CODE_LOW,
    KEYPAD_DIGITS,
    KEYPAD_FEEDBACK,
    KEYPAD_SEQUENCE,
    LATCH_BASE,
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


class WallOptions(TypedDict, total=False):
    """The keyword options of :class:`SimulatedWall`, for helpers that pass them on."""

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
    ) -> None:
        """Build a wall of closed, latched, empty compartments."""
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
        self.keypad_sequence = 0
        self.keypad_code = 0
        self.keypad_digits = 0
        self.keypad_entry = ""
        self.keypad_feedback = KeypadFeedback.IDLE
        self._listeners: list[Callable[[], None]] = []
        self._pulse_scheduler: Callable[[int], None] | None = None
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

    def set_pulse_scheduler(self, scheduler: Callable[[int], None] | None) -> None:
        """Let the server time pulses; it must call :meth:`pulse_elapsed` later.

        Without a scheduler (the pure model in tests) nothing drops the coil
        until someone calls :meth:`pulse_elapsed`.
        """
        self._pulse_scheduler = scheduler

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
            if self.controller_timed_pulse and self._pulse_scheduler is not None:
                self._pulse_scheduler(comp.number)
        else:
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
        0 (sequence, code, digits, feedback). Doors, latches, parcels, probes and
        setpoints are physical or kept by the controller, and stay.
        """
        for comp in self.compartments:
            if comp.coil:
                self._drop_coil(comp)
        self.keypad_sequence = 0
        self.keypad_code = 0
        self.keypad_digits = 0
        self.keypad_entry = ""
        self.keypad_feedback = KeypadFeedback.IDLE
        self._notify()

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
        """Read door, latch and presence inputs; undefined addresses read 0."""
        check_range(address, count, MAX_READ_BITS)
        return [self._discrete_at(a) for a in range(address, address + count)]

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
        """Read temperatures and the keypad as uint16 wire values."""
        check_range(address, count, MAX_READ_REGISTERS)
        return [self._input_at(a) for a in range(address, address + count)]

    def _input_at(self, address: int) -> int:
        if address < self.count:
            return to_wire(encode_tenths(self.compartments[address].temperature))
        if not self.keypad:
            return 0
        keypad = {
            KEYPAD_SEQUENCE: self.keypad_sequence,
            KEYPAD_CODE_HIGH: self.keypad_code >> 16,
            KEYPAD_CODE_LOW: self.keypad_code & 0xFFFF,
            KEYPAD_DIGITS: self.keypad_digits,
        }
        return keypad.get(address, 0)

    def read_holding_registers(self, address: int, count: int) -> list[int]:
        """Read setpoints and keypad feedback as uint16 wire values."""
        check_range(address, count, MAX_READ_REGISTERS)
        return [self._holding_at(a) for a in range(address, address + count)]

    def _holding_at(self, address: int) -> int:
        if address < self.count:
            return to_wire(encode_tenths(self.compartments[address].setpoint))
        if self.keypad and address == KEYPAD_FEEDBACK:
            return int(self.keypad_feedback)
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
        updates: list[tuple[int, int]] = []
        for offset, register in enumerate(values):
            target = address + offset
            if not 0 <= register <= 0xFFFF:
                raise illegal_value(f"register value {register} is not uint16")
            if target < self.count:
                if from_wire(register) == NO_SENSOR:
                    raise illegal_value("-32768 is not a setpoint")
            elif self.keypad and target == KEYPAD_FEEDBACK:
                if register > max(KeypadFeedback):
                    raise illegal_value(f"keypad feedback {register} is not 0..3")
            else:
                raise illegal_address(f"holding register {target} is not writable")
            updates.append((target, register))
        for target, register in updates:
            if target == KEYPAD_FEEDBACK:
                self.keypad_feedback = KeypadFeedback(register)
            else:
                self.compartments[target].setpoint = from_wire(register) / 10
        self._notify()


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
