// ttx serve: the pages' script. Every page lives at /t/TOKEN/ and talks to the server
// by paths relative to it. Text from the server is set as text, never as markup.
"use strict";

const seat = document.body.dataset.seat;
let version = -1;
let last = null;

function $(id) { return document.getElementById(id); }

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v;
    else if (k.startsWith("data-")) e.setAttribute(k, v);
    else e[k] = v;
  }
  for (const c of children) e.append(c instanceof Node ? c : c === null || c === undefined ? "" : String(c));
  return e;
}

function rows(tbody, items, cells) {
  tbody.replaceChildren(...items.map((item) => {
    const tr = document.createElement("tr");
    for (const c of cells(item)) {
      const td = document.createElement("td");
      if (c instanceof Node) td.append(c); else td.textContent = c === null || c === undefined ? "" : String(c);
      tr.append(td);
    }
    return tr;
  }));
}

function number(x) {
  if (x === null || x === undefined) return "–";
  if (x >= 1e6) return (x / 1e6).toFixed(2) + " M";
  if (x >= 1e4) return (x / 1e3).toFixed(1) + " k";
  return Math.round(x).toLocaleString("en");
}

function say(text, ok) {
  const a = $("answer");
  if (!a) return;
  a.textContent = text;
  a.className = "answer " + (ok ? "accepted" : "refused");
}

async function post(path, body) {
  try {
    const r = await fetch(path, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
    const type = r.headers.get("Content-Type") || "";
    const answer = type.includes("json") ? await r.json() : { accepted: false, message: await r.text() };
    say(answer.message, answer.accepted);
    return answer;
  } catch (e) {
    say("the server cannot be reached: " + e, false);
    return null;
  }
}

function decide(text) { return post("decide", { text }); }

function renderCommon(v) {
  document.title = "ttx · " + (v.role ? v.role.name : v.seat) + " · " + v.clock;
  if ($("title")) $("title").textContent = v.title;
  if ($("variant")) $("variant").textContent = "variant " + v.variant;
  $("clock").textContent = v.clock;
  $("status").textContent = v.ended ? (v.debrief ? "session ended: debrief ready" : "session ended: computing the debrief…")
    : v.finished ? "the horizon is reached" : v.running ? "clock running" : "paused";
  $("status").className = "status " + (v.ended ? "ended" : v.running ? "running" : "paused");
  const protocols = $("protocols");
  if (protocols) protocols.replaceChildren(...v.protocols.map((p) => el("li", { class: p.phase.startsWith("active") ? "active" : "" }, p.id + ": " + p.phase)));
  const headline = $("headline");
  if (headline && v.headline) {
    const h = v.headline;
    const pairs = [["live copies", number(h.live)], ["exposure (views)", number(h.exposure)], ["published", number(h.published)],
      ["removed", number(h.removed)], ["blocked at upload", number(h.blocked)], ["variants", number(h.variants)], ["hashes pending", number(h.pending_hashes)]];
    headline.replaceChildren(...pairs.map(([k, x]) => el("div", {}, el("dt", {}, k), el("dd", {}, x))));
  }
  const platforms = $("platforms");
  if (platforms) rows(platforms.tBodies[0], v.platforms, (p) => [p.id, number(p.live), number(p.published), number(p.removed),
    number(p.blocked), number(p.waiting), p.reviewers === null ? "–" : p.reviewers, p.posture, number(p.found)]);
  const feed = $("feed");
  if (feed) rows(feed.tBodies[0], v.feed.slice().reverse(), (f) => [f.at, f.who, f.text,
    el("span", { class: f.accepted ? "accepted" : "refused" }, (f.accepted ? "" : "refused: ") + f.answer)]);
  const messages = $("messages");
  if (messages) messages.replaceChildren(...v.messages.slice().reverse().map((m) => el("li", {}, m.text)));
  for (const img of document.querySelectorAll("img[data-chart]")) {
    const src = "chart/" + img.dataset.chart + ".svg?v=" + v.version;
    if (img.getAttribute("src") !== src) img.setAttribute("src", src);
  }
  for (const input of document.querySelectorAll("button, input, select")) {
    input.disabled = v.ended && input.id !== "close";
  }
}

function renderFacilitator(v) {
  rows($("injects").tBodies[0], v.injects, (j) => {
    const actions = el("span", {});
    if (j.state !== "delivered" && !v.ended) {
      const d = el("button", { type: "button", "data-deliver": j.number }, "Deliver now");
      d.addEventListener("click", () => decide("deliver " + j.number));
      actions.append(d);
      if (j.state === "scheduled") {
        const h = el("button", { type: "button", "data-hold": j.number }, "Hold");
        h.addEventListener("click", () => decide("hold " + j.number));
        actions.append(h);
      }
    }
    return [j.number, j.at, j.what, j.note, j.to, j.state + (v.next_inject === j.number ? " (next)" : ""), actions];
  });
  const section = $("debrief-section");
  if (v.debrief) {
    section.hidden = false;
    $("debrief").textContent = v.debrief;
    $("files").replaceChildren(...v.files.map((f) => el("li", {}, f)));
    $("close").hidden = false;
    $("close").disabled = false;
  }
  if (v.failure) say(v.failure, false);
}

let formFilled = false;
function fillRoleForm(v) {
  const r = v.role;
  $("role-name").textContent = r.name;
  $("may").textContent = "You may: " + r.decisions.join(", ") + (r.platforms.length ? ". Your platforms: " + r.platforms.join(", ") : "");
  if (formFilled) return;
  formFilled = true;
  const options = (select, values) => select.replaceChildren(...values.map((x) => el("option", { value: x }, x)));
  options($("kind"), r.decisions);
  options($("protocol"), v.protocol_ids.length ? v.protocol_ids : [""]);
  options($("target"), ["all"].concat(r.platforms));
  options($("platform"), r.platforms);
  const kind = $("kind");
  const show = () => {
    const k = kind.value;
    const need = { activate: ["protocol"], notify: ["protocol", "target"], refer: ["platform", "count"], order: ["platform", "count"],
      surge: ["platform", "count"], note: ["note"], "push-hashes": [] }[k] || [];
    for (const f of document.querySelectorAll(".field")) f.hidden = !need.includes(f.dataset.for);
    if (v.protocol_ids.length === 0) document.querySelector('.field[data-for="protocol"]').hidden = true;
    options($("platform"), k === "order" ? r.eu_platforms : r.platforms);
    $("count-label").textContent = k === "surge" ? "Reviewers" : "How many copies";
  };
  kind.addEventListener("change", show);
  show();
  $("role-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const k = kind.value;
    const protocol = v.protocol_ids.length ? $("protocol").value : "";
    let text = k;
    if (k === "activate") text = ("activate " + protocol).trim();
    else if (k === "notify") text = protocol ? "notify " + protocol + " " + $("target").value : "notify " + $("target").value;
    else if (k === "refer" || k === "order" || k === "surge") text = k + " " + $("platform").value + " " + $("count").value;
    else if (k === "note") text = "note " + $("note").value;
    decide(text);
  });
}

function render(v) {
  last = v;
  renderCommon(v);
  if (seat === "facilitator") renderFacilitator(v);
  if (seat === "role" && v.role) fillRoleForm(v);
}

async function refresh() {
  try {
    const r = await fetch("state");
    if (!r.ok) { say(await r.text(), false); return; }
    const v = await r.json();
    version = v.version;
    render(v);
  } catch (e) {
    $("status").textContent = "the server cannot be reached";
  }
}

function listen() {
  const events = new EventSource("events");
  events.addEventListener("version", (e) => { if (Number(e.data) !== version) refresh(); });
  events.addEventListener("open", () => refresh());
  events.addEventListener("error", () => {
    $("status").textContent = "reconnecting to the server…";
    $("status").className = "status paused";
  });
}

document.addEventListener("DOMContentLoaded", () => {
  for (const b of document.querySelectorAll("button[data-clock]")) {
    b.addEventListener("click", () => post("clock", { action: b.dataset.clock }));
  }
  const form = $("decide-form");
  if (form) form.addEventListener("submit", (e) => {
    e.preventDefault();
    const t = $("text");
    if (t.value.trim()) decide(t.value).then((a) => { if (a && a.accepted) t.value = ""; });
  });
  if (seat === "facilitator") {
    fetch("links").then((r) => r.json()).then((links) => {
      $("seats").replaceChildren(...links.map((l) => {
        const url = new URL(l.path, location.href).href;
        return el("li", {}, el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, l.name), " " + url);
      }));
    }).catch(() => {});
  }
  refresh();
  listen();
});
