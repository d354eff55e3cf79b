"""Run the simulator from a shell: ``python -m simulator``.

For installers who want to try the integration before wiring hardware, and for
``scripts/develop``. It binds to loopback unless told otherwise, because a
Modbus server has no authentication: anyone who reaches it can open lockers.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence
import contextlib
import ipaddress
import logging
import signal

from .advertise import Advertisement, advertise
from .layout import parse_sizes
from .server import LockerSimulator
from .wall import reference_wall
from .web import start_web


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _int_list(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",") if part.strip()]
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from err


def _sizes(text: str) -> str:
    try:
        parse_sizes(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(str(err)) from err
    return text


def _positive(text: str) -> float:
    value = float(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def _non_negative(text: str) -> float:
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a finite number >= 0")
    return value


def _baud(text: str) -> int:
    try:
        value = int(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError("must be a whole number") from err
    if value <= 0:
        raise argparse.ArgumentTypeError("must be positive")
    return value


def _probability(text: str) -> float:
    value = float(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError("must be within 0..1")
    return value


def build_parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m simulator",
        description="Simulate parcel locker walls behind a Modbus TCP controller.",
    )
    add = parser.add_argument
    add("--host", default="127.0.0.1", help="Modbus bind address")
    add("--port", type=int, default=5020, help="Modbus TCP port (0: any free)")
    add("--web-host", default="127.0.0.1", help="web page bind address")
    add("--web-port", type=int, default=8124, help="web page port (0: any free)")
    add("--no-web", action="store_true", help="do not serve the web page")
    add("--unit", type=_int_list, default=[1], help="unit id(s), e.g. 1 or 1,2")
    add("--sizes", type=_sizes, default="S*12,M*8,L*4", help="compartment sizes")
    add("--cooled", type=_int_list, default=None, help="cooled compartments")
    add("--no-keypad", action="store_true", help="wall without keypad")
    add("--no-latch", action="store_true", help="wall without latch sensors")
    add("--no-presence", action="store_true", help="wall without parcel sensors")
    add(
        "--layout",
        choices=("1.0", "1.1"),
        default="1.1",
        help="register layout: 1.1 has door-open counters and the keypad ring",
    )
    add(
        "--relay-board",
        action="store_true",
        help="the hub must drop the coil (no controller-timed pulse)",
    )
    add("--pulse", type=_positive, default=0.5, help="pulse length in seconds")
    add(
        "--latency",
        type=_non_negative,
        default=0.0,
        help="answer every request this many seconds late (a slow controller)",
    )
    add(
        "--baud",
        type=_baud,
        default=None,
        help="answer as slowly as a serial line at this speed (e.g. 9600)",
    )
    add(
        "--quick-doors",
        type=_non_negative,
        default=0.0,
        help="every door opened closes by itself this many seconds later",
    )
    add(
        "--door-bounce",
        type=_probability,
        default=0.0,
        help="chance that a door contact reads wrong on each read (0..1)",
    )
    add("--zeroconf", action="store_true", help="advertise over mDNS (loopback)")
    add(
        "--allow-remote",
        action="store_true",
        help="allow binding to non-loopback addresses (no authentication!)",
    )
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """Parse and check the command line; refuse unsafe or impossible setups."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if not args.allow_remote:
        for option, host in (("--host", args.host), ("--web-host", args.web_host)):
            if not _is_loopback(host):
                parser.error(f"{option} {host} is not loopback; add --allow-remote")
    if not args.unit or any(not 0 <= unit <= 247 for unit in args.unit):
        parser.error("--unit must be unit ids in 0..247")
    count = len(parse_sizes(args.sizes))
    if args.cooled is not None and any(not 1 <= n <= count for n in args.cooled):
        parser.error(f"--cooled must be compartment numbers in 1..{count}")
    return args


def build_simulator(args: argparse.Namespace) -> LockerSimulator:
    """Build the walls the command line describes (one per unit id, alike)."""
    walls = {
        unit: reference_wall(
            args.sizes,
            cooled=args.cooled,
            keypad=not args.no_keypad,
            latch=not args.no_latch,
            presence=not args.no_presence,
            controller_timed_pulse=not args.relay_board,
            pulse_seconds=args.pulse,
            layout=args.layout,
        )
        for unit in args.unit
    }
    sim = LockerSimulator(walls, host=args.host, port=args.port, baud=args.baud)
    sim.set_latency(args.latency)
    for wall in walls.values():
        wall.set_door_bounce(args.door_bounce)
        wall.set_quick_doors(args.quick_doors)
    return sim


async def serve(args: argparse.Namespace, stop: asyncio.Event | None = None) -> None:
    """Serve until ``stop`` is set (or the task is cancelled by Ctrl-C)."""
    stop = stop or asyncio.Event()
    sim = build_simulator(args)
    runner = None
    advertisement: Advertisement | None = None
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError):  # not on Windows
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await sim.start()
        units = ",".join(str(u) for u in sorted(sim.walls))
        print(f"Modbus TCP: {sim.host}:{sim.port} (unit ids {units})")
        if not args.no_web:
            runner = await start_web(sim, args.web_host, args.web_port)
            for host, port in (a[:2] for a in runner.addresses):
                print(f"Web page:   http://{host}:{port}/")
        if args.zeroconf:
            try:
                advertisement = await advertise(sim.port, sim.walls)
            except OSError as err:
                print(f"mDNS advertisement failed: {err}")
            else:
                print(f"mDNS:       {advertisement.info.name}")
        print("Ctrl-C to stop.", flush=True)
        await stop.wait()
    finally:
        with contextlib.suppress(NotImplementedError):
            loop.remove_signal_handler(signal.SIGTERM)
        if advertisement is not None:
            await advertisement.close()
        if runner is not None:
            await runner.cleanup()
        await sim.stop()


def configure_logging() -> None:
    """Show our messages; pymodbus is chatty below warnings."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s")
    logging.getLogger("pymodbus").setLevel(logging.WARNING)


def main(argv: Sequence[str] | None = None) -> int:
    """Run until Ctrl-C or SIGTERM."""
    args = parse_args(argv)
    configure_logging()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))
    print("Stopped.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
