"""A small web page to play the people in front of the wall.

Couriers, residents and burglars are the simulator's other side: they open
doors, drop parcels and type codes. The page lets a person do that by hand
while Home Assistant drives the Modbus side, and the JSON API lets tests and
scripts do the same.

``POST /api/faults`` switches controller faults on and off (see
``simulator.faults``), and ``POST /api/restart`` power-cycles the controller,
so a person can watch Home Assistant ride out a misbehaving wall.

POST bodies must be JSON (``Content-Type: application/json``). Browsers refuse
to send that cross-site without a CORS preflight we never answer, so a page on
another site cannot open compartments through a visitor's browser.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
import json
import math
from typing import Any

from aiohttp import web

from .faults import Table
from .layout import KeypadFeedback
from .page import PAGE
from .server import LockerSimulator
from .wall import Compartment, SimulatedWall

_SIM_KEY = web.AppKey("simulator", LockerSimulator)
_ACTIONS = ("open", "force_open", "close", "put", "take", "temperature")
_FAULT_KEYS = {
    "latency",
    "silence",
    "drop",
    "fail",
    "heal",
    "bounce",
    "quick_doors",
    "clear",
}
# Faults are for watching a recovery, not for wedging a test for good.
_MAX_FAULT_SECONDS = 3600

type _Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _compartment_state(comp: Compartment, wall: SimulatedWall) -> dict[str, Any]:
    return {
        "number": comp.number,
        "size": comp.size,
        "cooled": comp.cooled,
        "coil": comp.coil,
        "door_closed": comp.door_closed,
        "latched": comp.latched,
        "forced": comp.forced,
        "present": comp.present,
        "temperature": comp.temperature,
        "setpoint": comp.setpoint if comp.cooled else None,
        "openings": comp.openings if wall.counters else None,
        "release_count": wall.release_count(comp.number),
    }


def wall_state(unit: int, wall: SimulatedWall) -> dict[str, Any]:
    """Describe one wall as the page shows it."""
    return {
        "unit": unit,
        "layout": wall.layout,
        "latch_sensor": wall.latch,
        "presence_sensor": wall.presence,
        "controller_timed_pulse": wall.controller_timed_pulse,
        "pulse_seconds": wall.pulse_seconds,
        "keypad": {
            "enabled": wall.keypad,
            "sequence": wall.keypad_sequence,
            "entry": wall.keypad_entry,
            "feedback": int(wall.keypad_feedback),
            "feedback_text": KeypadFeedback(wall.keypad_feedback).name.lower(),
            "reads": wall.keypad_reads,
        },
        "compartments": [_compartment_state(c, wall) for c in wall.compartments],
    }


def _wall_from(request: web.Request) -> tuple[int, SimulatedWall]:
    sim = request.app[_SIM_KEY]
    text = request.match_info["unit"]
    unit = int(text) if text.isdecimal() else -1
    if unit not in sim.walls:
        raise web.HTTPNotFound(reason=f"no wall with unit id {text}")
    return unit, sim.walls[unit]


async def _json_body(request: web.Request) -> dict[str, Any]:
    if request.content_type != "application/json":
        raise web.HTTPUnsupportedMediaType(reason="send application/json")
    try:
        body = await request.json() if request.can_read_body else {}
    except json.JSONDecodeError as err:
        raise web.HTTPBadRequest(reason="the body is not valid JSON") from err
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(reason="the body must be a JSON object")
    return body


def _celsius(body: dict[str, Any]) -> float | None:
    if "celsius" not in body:
        raise web.HTTPBadRequest(reason='missing "celsius" (a number or null)')
    value = body["celsius"]
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise web.HTTPBadRequest(reason='"celsius" must be a number or null')
    if not math.isfinite(value) or not -3276.7 <= value <= 3276.7:
        raise web.HTTPBadRequest(reason='"celsius" is out of range')
    return float(value)


async def _index(_request: web.Request) -> web.Response:
    return web.Response(text=PAGE, content_type="text/html")


def _faults_state(sim: LockerSimulator) -> dict[str, Any]:
    return sim.faults.describe(sim.clock.time()) | {
        "door_bounce": {
            str(unit): wall.door_bounces for unit, wall in sorted(sim.walls.items())
        },
        "quick_doors": {
            str(unit): wall.quick_doors for unit, wall in sorted(sim.walls.items())
        },
    }


async def _state(request: web.Request) -> web.Response:
    sim = request.app[_SIM_KEY]
    return web.json_response(
        {
            "modbus": {"host": sim.host, "port": sim.port, "running": sim.running},
            "walls": [wall_state(u, w) for u, w in sorted(sim.walls.items())],
            "faults": _faults_state(sim),
        }
    )


def _seconds(body: dict[str, Any], key: str) -> float | None:
    if key not in body:
        return None
    value = body[key]
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 <= value <= _MAX_FAULT_SECONDS
    ):
        raise web.HTTPBadRequest(
            reason=f'"{key}" must be seconds within 0..{_MAX_FAULT_SECONDS}'
        )
    return float(value)


def _integer(body: dict[str, Any], key: str, default: int | None = None) -> int:
    value = body.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int):
        raise web.HTTPBadRequest(reason=f'"{key}" must be an integer')
    return value


def _address_fault(sim: LockerSimulator, body: Any) -> None:
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(reason='"fail" must be an object')
    table = body.get("table")
    if table not in set(Table):
        raise web.HTTPBadRequest(reason=f'"table" must be one of {[*Table]}')
    writes_only = body.get("writes_only", False)
    if not isinstance(writes_only, bool):
        raise web.HTTPBadRequest(reason='"writes_only" must be true or false')
    sim.fail(
        _integer(body, "unit"),
        Table(table),
        _integer(body, "address"),
        _integer(body, "code", 0x04),
        writes_only=writes_only,
    )


def _bounce(sim: LockerSimulator, body: Any) -> None:
    if not isinstance(body, dict):
        raise web.HTTPBadRequest(reason='"bounce" must be an object')
    unit = _integer(body, "unit")
    if unit not in sim.walls:
        raise web.HTTPNotFound(reason=f"no wall with unit id {unit}")
    probability = body.get("probability", 0.0)
    doors = body.get("doors")
    seed = body.get("seed")
    if (
        isinstance(probability, bool)
        or not isinstance(probability, int | float)
        or (
            doors is not None
            and (
                not isinstance(doors, list)
                or any(isinstance(n, bool) or not isinstance(n, int) for n in doors)
            )
        )
        or (seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)))
    ):
        raise web.HTTPBadRequest(
            reason='"bounce" takes "probability", optional "doors" and "seed"'
        )
    sim.wall(unit).set_door_bounce(float(probability), seed=seed, doors=doors)


def _set_quick_doors(sim: LockerSimulator, seconds: float | None) -> None:
    if seconds is not None:
        for wall in sim.walls.values():
            wall.set_quick_doors(seconds)


def _apply_faults(sim: LockerSimulator, body: dict[str, Any]) -> None:
    latency = _seconds(body, "latency")
    silence = _seconds(body, "silence")
    quick_doors = _seconds(body, "quick_doors")
    if body.get("clear"):
        sim.faults.clear()
        for wall in sim.walls.values():
            wall.set_door_bounce(0.0)
            wall.set_quick_doors(0.0)
    _set_quick_doors(sim, quick_doors)
    if body.get("heal"):
        sim.heal()
    if latency is not None:
        sim.set_latency(latency)
    if silence is not None:
        sim.silence(silence)
    if "fail" in body:
        _address_fault(sim, body["fail"])
    if "bounce" in body:
        _bounce(sim, body["bounce"])
    if body.get("drop"):
        sim.drop_connections()


async def _faults(request: web.Request) -> web.Response:
    """Apply the faults the body names; every key is optional.

    ``{"latency": s, "silence": s, "drop": true, "fail": {"unit", "table",
    "address", "code", "writes_only"}, "heal": true, "bounce": {"unit", "probability",
    "doors", "seed"}, "quick_doors": s, "clear": true}``
    """
    sim = request.app[_SIM_KEY]
    body = await _json_body(request)
    if unknown := set(body) - _FAULT_KEYS:
        raise web.HTTPBadRequest(reason=f"unknown keys {sorted(unknown)}")
    try:
        _apply_faults(sim, body)
    except ValueError as err:
        raise web.HTTPBadRequest(reason=str(err)) from err
    return web.json_response(_faults_state(sim))


async def _restart(request: web.Request) -> web.Response:
    """Power-cycle the controller, offline for ``downtime`` seconds (default 0)."""
    sim = request.app[_SIM_KEY]
    downtime = _seconds(await _json_body(request), "downtime") or 0.0
    await sim.restart(downtime)
    return web.json_response({"running": sim.running, "port": sim.port})


async def _compartment_action(request: web.Request) -> web.Response:
    unit, wall = _wall_from(request)
    text, action = request.match_info["n"], request.match_info["action"]
    n = int(text) if text.isdecimal() else 0
    if not 1 <= n <= wall.count:
        raise web.HTTPNotFound(reason=f"wall {unit} has no compartment {text}")
    if action not in _ACTIONS:
        raise web.HTTPNotFound(reason=f"unknown action {action!r}")
    body = await _json_body(request)
    if action == "open" and not wall.open_door(n):
        return _error(409, "the door is latched; release it first or force it")
    if action == "force_open":
        wall.open_door(n, force=True)
    elif action == "close":
        wall.close_door(n)
    elif action == "put":
        wall.put_parcel(n)
    elif action == "take":
        wall.take_parcel(n)
    elif action == "temperature":
        wall.set_temperature(n, _celsius(body))
    return web.json_response(_compartment_state(wall.compartment(n), wall))


async def _keypad(request: web.Request) -> web.Response:
    unit, wall = _wall_from(request)
    if not wall.keypad:
        raise web.HTTPNotFound(reason=f"wall {unit} has no keypad")
    code = (await _json_body(request)).get("code")
    if not isinstance(code, str):
        raise web.HTTPBadRequest(reason='"code" must be a string of digits')
    try:
        wall.enter_code(code)
    except ValueError as err:
        raise web.HTTPBadRequest(reason=str(err)) from err
    return web.json_response(wall_state(unit, wall)["keypad"])


@web.middleware
async def _json_errors(request: web.Request, handler: _Handler) -> web.StreamResponse:
    """Answer every API error as JSON, so scripts never parse an HTML page."""
    try:
        return await handler(request)
    except web.HTTPException as err:
        if err.status < 400:
            raise
        return _error(err.status, err.reason)


def _listening_host(request: web.Request) -> str | None:
    """``host:port`` of the socket this request came in on."""
    transport = request.transport
    sockname = transport.get_extra_info("sockname") if transport else None
    if not sockname:
        return None
    host, port = sockname[0], sockname[1]
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


@web.middleware
async def _own_host_only(request: web.Request, handler: _Handler) -> web.StreamResponse:
    """Refuse requests addressed to another host name (DNS rebinding).

    A web page elsewhere could point a name of its own at 127.0.0.1 and drive the
    simulator from a browser; such requests carry that name in ``Host``.
    """
    if request.headers.get("Host") != _listening_host(request):
        return _error(421, "requests must be addressed to the simulator's address")
    return await handler(request)


def build_app(sim: LockerSimulator) -> web.Application:
    """Build the page and API for ``sim`` (tests serve it with a test client)."""
    app = web.Application(middlewares=[_own_host_only, _json_errors])
    app[_SIM_KEY] = sim
    app.router.add_get("/", _index)
    app.router.add_get("/api/state", _state)
    app.router.add_post(
        "/api/wall/{unit}/compartment/{n}/{action}", _compartment_action
    )
    app.router.add_post("/api/wall/{unit}/keypad", _keypad)
    app.router.add_post("/api/faults", _faults)
    app.router.add_post("/api/restart", _restart)
    return app


async def start_web(
    sim: LockerSimulator, host: str = "127.0.0.1", port: int = 8124
) -> web.AppRunner:
    """Serve the page; stop it with ``await runner.cleanup()``."""
    runner = web.AppRunner(build_app(sim), access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port, reuse_address=True)
    try:
        await site.start()
    except BaseException:
        await runner.cleanup()
        raise
    return runner
