"""Faults a controller can show, switched on and off while the simulator runs.

A parcel locker must lose nothing when its controller misbehaves, so tests,
benchmarks and installers need a controller that misbehaves on demand, the
way real ones do:

* **drop**: the TCP connection is cut (a gateway reboots, a cable is pulled);
  the controller keeps listening, so the client can reconnect at once.
* **silence**: for N seconds requests get no answer at all and are *not*
  carried out (a hung controller); the socket stays open.
* **latency**: every request is carried out and answered only after a delay
  (a busy controller, a slow RTU gateway). A write answered after the client
  gave up has still been carried out, as on real hardware.
* **exceptions**: requests touching chosen addresses are answered with a Modbus
  exception (a failing input board, a relay module that is not fitted).
* **door bounce** and **power cycle** belong to the wall model
  (:meth:`SimulatedWall.set_door_bounce`, :meth:`SimulatedWall.power_cycle`).

This module is the bookkeeping only; ``server.py`` applies it to requests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
import math
from typing import Any

# Modbus exception codes a server may answer with (Modbus Application Protocol
# v1.1b3, section 7); 0x07 is not listed there and 0x09 does not exist.
EXCEPTION_CODES = frozenset({0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x08, 0x0A, 0x0B})
DEVICE_FAILURE = 0x04


class Table(StrEnum):
    """The four Modbus tables, as fault targets name them."""

    COIL = "coil"
    DISCRETE_INPUT = "discrete_input"
    INPUT_REGISTER = "input_register"
    HOLDING_REGISTER = "holding_register"


@dataclass
class Faults:
    """The faults switched on now, and what they did so far.

    Times are in the event loop's clock (``loop.time()``), the clock the server
    and pymodbus's timeouts use.
    """

    latency: float = 0.0
    """Seconds every request waits before it is carried out and answered."""
    silent_until: float = -math.inf
    """Requests that arrive before this time are neither carried out nor answered."""
    exceptions: dict[tuple[int, Table, int], tuple[int, bool]] = field(
        default_factory=dict
    )
    """(unit id, table, address) -> (exception code, for writes only)."""
    swallowed: int = 0
    """Requests dropped unanswered because the controller was silent."""
    refused: int = 0
    """Requests answered with an injected exception."""
    dropped: int = 0
    """Client connections cut by ``drop``."""

    def set_latency(self, seconds: float) -> None:
        """Delay every request by ``seconds`` (0 to answer at once again)."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("latency must be a finite number of seconds >= 0")
        self.latency = seconds

    def silence(self, seconds: float, now: float) -> None:
        """Answer nothing from ``now`` for ``seconds`` (0 ends a silence)."""
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError("silence must be a finite number of seconds >= 0")
        self.silent_until = now + seconds if seconds else -math.inf

    def silent(self, now: float) -> bool:
        """Whether a request arriving at ``now`` goes unanswered."""
        return now < self.silent_until

    def fail(
        self,
        unit: int,
        table: Table | str,
        address: int,
        code: int = DEVICE_FAILURE,
        *,
        writes_only: bool = False,
    ) -> None:
        """Answer requests touching one address of a table on a unit with ``code``.

        With ``writes_only`` reads still work (a relay whose status reads fine
        but that refuses to switch).
        """
        if code not in EXCEPTION_CODES:
            raise ValueError(f"{code} is not a Modbus exception code")
        if not 0 <= address <= 0xFFFF:
            raise ValueError(f"address {address} is outside 0..65535")
        self.exceptions[unit, Table(table), address] = (code, writes_only)

    def heal(
        self,
        unit: int | None = None,
        table: Table | str | None = None,
        address: int | None = None,
    ) -> None:
        """Stop failing the addresses that match (all of them without arguments)."""
        wanted = Table(table) if table is not None else None
        for key in list(self.exceptions):
            key_unit, key_table, key_address = key
            if (
                (unit is None or key_unit == unit)
                and (wanted is None or key_table is wanted)
                and (address is None or key_address == address)
            ):
                del self.exceptions[key]

    def exception_for(
        self, unit: int, table: Table, address: int, count: int, *, write: bool
    ) -> int | None:
        """The injected exception for a request on ``address``..``address+count-1``."""
        if not self.exceptions:
            return None
        for key, (code, writes_only) in self.exceptions.items():
            key_unit, key_table, key_address = key
            if (
                key_unit == unit
                and key_table is table
                and address <= key_address < address + count
                and (write or not writes_only)
            ):
                self.refused += 1
                return code
        return None

    def clear(self) -> None:
        """Switch every fault off (the counters stay)."""
        self.latency = 0.0
        self.silent_until = -math.inf
        self.exceptions.clear()

    def describe(self, now: float) -> dict[str, Any]:
        """The faults as JSON-safe data, for the web page and scripts."""
        return {
            "latency": self.latency,
            "silent_for": max(self.silent_until - now, 0.0),
            "exceptions": [
                {
                    "unit": unit,
                    "table": str(table),
                    "address": address,
                    "code": code,
                    "writes_only": writes_only,
                }
                for (unit, table, address), (code, writes_only) in sorted(
                    self.exceptions.items()
                )
            ],
            "swallowed": self.swallowed,
            "refused": self.refused,
            "dropped": self.dropped,
        }
