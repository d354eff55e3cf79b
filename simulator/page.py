"""The simulator's single page: inline HTML, CSS and vanilla JS, no assets.

Kept self-contained so the simulator runs offline and on a bare install. The
page builds its grid once and then only updates text and classes on each poll,
so a half-typed temperature or code is not wiped out every second.
"""

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Parcel Locker Simulator</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 1rem; background: #f4f5f7; }
  h1 { font-size: 1.3rem; margin: 0 0 .3rem; }
  h2 { font-size: 1.1rem; margin: 1.2rem 0 .4rem; }
  #status { color: #555; font-size: .9rem; }
  #status.down { color: #b00020; font-weight: bold; }
  .keypad { display: flex; gap: .5rem; align-items: center; margin: .3rem 0 .6rem; }
  .display { font-family: monospace; background: #1d2b1d; color: #7CFC00;
             padding: .3rem .6rem; border-radius: 4px; min-width: 14rem; }
  .grid { display: grid; gap: .5rem;
          grid-template-columns: repeat(auto-fill, minmax(11rem, 1fr)); }
  .comp { background: #fff; border: 2px solid #ccd; border-radius: 6px;
          padding: .4rem; font-size: .85rem; }
  .comp.open { border-color: #e69500; background: #fff8e6; }
  .comp.forced { border-color: #b00020; background: #ffe8ea; }
  .comp.present .parcel { font-weight: bold; }
  .head { display: flex; justify-content: space-between; font-weight: bold; }
  .cool { color: #0a5bd3; }
  .coil-on { color: #b00020; font-weight: bold; }
  .row { margin: .15rem 0; }
  button { font-size: .75rem; margin: .1rem 0; padding: .15rem .35rem; }
  input { font-size: .8rem; width: 4.5rem; }
  .err { color: #b00020; min-height: 1em; font-size: .75rem; }
</style>
</head>
<body>
<h1>Parcel Locker Simulator</h1>
<div id="status">connecting...</div>
<div id="walls"></div>
<script>
"use strict";
const FIELDS = ["door", "latch", "parcel", "temp", "coil"];
let layout = "";
const cells = {};

async function post(path, body) {
  const r = await fetch(path, {method: "POST",
    headers: {"Content-Type": "application/json"},
    body: JSON.stringify(body || {})});
  const data = await r.json();
  if (!r.ok) { throw new Error(data.error || r.statusText); }
  return data;
}

function el(tag, attrs, text) {
  const e = document.createElement(tag);
  Object.assign(e, attrs || {});
  if (text !== undefined) { e.textContent = text; }
  return e;
}

function button(label, onclick) { return el("button", {onclick: onclick}, label); }

function act(unit, n, action, body, errBox) {
  errBox.textContent = "";
  post(`/api/wall/${unit}/compartment/${n}/${action}`, body)
    .then(refresh).catch(e => { errBox.textContent = e.message; });
}

function buildWall(wall) {
  const box = el("section");
  box.append(el("h2", {}, `Wall - unit id ${wall.unit}`));
  const info = el("div", {className: "row"});
  cells[`info${wall.unit}`] = info;
  box.append(info);
  if (wall.keypad.enabled) {
    const kp = el("div", {className: "keypad"});
    const display = el("span", {className: "display"});
    const input = el("input", {placeholder: "code", inputMode: "numeric"});
    input.style.width = "8rem";
    const err = el("span", {className: "err"});
    const enter = () => {
      err.textContent = "";
      post(`/api/wall/${wall.unit}/keypad`, {code: input.value})
        .then(() => { input.value = ""; refresh(); })
        .catch(e => { err.textContent = e.message; });
    };
    input.onkeydown = ev => { if (ev.key === "Enter") { enter(); } };
    kp.append("Keypad", display, input, button("enter", enter), err);
    cells[`kp${wall.unit}`] = display;
    box.append(kp);
  }
  const grid = el("div", {className: "grid"});
  for (const c of wall.compartments) {
    const card = el("div", {className: "comp"});
    const ref = {card: card};
    const head = el("div", {className: "head"});
    ref.title = el("span");
    head.append(ref.title, el("span", {className: c.cooled ? "cool" : ""},
      c.size + (c.cooled ? " cooled" : "")));
    card.append(head);
    for (const f of FIELDS) {
      ref[f] = el("div", {className: "row"});
      card.append(ref[f]);
    }
    const err = el("div", {className: "err"});
    const go = (action, body) => act(wall.unit, c.number, action, body, err);
    card.append(button("open", () => go("open")), " ",
      button("force open", () => go("force_open")), " ",
      button("close", () => go("close")), el("br"),
      button("put parcel", () => go("put")), " ",
      button("take parcel", () => go("take")), el("br"));
    const temp = el("input", {type: "number", step: "0.1", placeholder: "°C"});
    const celsius = () => temp.value === "" ? null : Number(temp.value);
    card.append(temp, button("set °C", () => go("temperature", {celsius: celsius()})),
      err);
    cells[`${wall.unit}/${c.number}`] = ref;
    grid.append(card);
  }
  box.append(grid);
  return box;
}

function update(wall) {
  cells[`info${wall.unit}`].textContent =
    (wall.controller_timed_pulse ? `controller pulse ${wall.pulse_seconds}s`
                                 : "relay board (hub drops the coil)") +
    (wall.latch_sensor ? "" : " - no latch sensor") +
    (wall.presence_sensor ? "" : " - no presence sensor");
  if (wall.keypad.enabled) {
    const k = wall.keypad;
    cells[`kp${wall.unit}`].textContent =
      `#${k.sequence} ${k.entry || "-"} : ${k.feedback_text}`;
  }
  for (const c of wall.compartments) {
    const r = cells[`${wall.unit}/${c.number}`];
    r.title.textContent = `#${c.number}`;
    r.card.className = "comp" + (c.door_closed ? "" : " open") +
      (c.forced ? " forced" : "") + (c.present ? " present" : "");
    r.door.textContent = "door: " +
      (c.door_closed ? "closed" : (c.forced ? "FORCED OPEN" : "open"));
    r.latch.textContent = "lock: " + (c.latched ? "latched" : "released");
    r.parcel.className = "row parcel";
    r.parcel.textContent = c.present ? "parcel inside" : "empty";
    const t = c.temperature === null ? "no probe" : c.temperature.toFixed(1) + " °C";
    const sp = c.setpoint === null ? "" : ` (set ${c.setpoint.toFixed(1)})`;
    r.temp.textContent = "temp: " + t + sp;
    r.coil.className = "row" + (c.coil ? " coil-on" : "");
    r.coil.textContent =
      `coil: ${c.coil ? "ON" : "off"} - releases: ${c.release_count}`;
  }
}

async function refresh() {
  const status = document.getElementById("status");
  try {
    const r = await fetch("/api/state");
    const s = await r.json();
    const shape = JSON.stringify(
      s.walls.map(w => [w.unit, w.compartments.length, w.keypad.enabled]));
    if (shape !== layout) {
      layout = shape;
      const root = document.getElementById("walls");
      root.replaceChildren(...s.walls.map(buildWall));
    }
    s.walls.forEach(update);
    status.className = s.modbus.running ? "" : "down";
    status.textContent = `Modbus TCP ${s.modbus.host}:${s.modbus.port}` +
      (s.modbus.running ? "" : " - STOPPED");
  } catch (e) {
    status.className = "down";
    status.textContent = "simulator unreachable";
  }
}

refresh();
setInterval(refresh, 1000);
</script>
</body>
</html>
"""
