/*
 * The Thunderpush dashboard: signs in with an application's public key and secret (kept in this
 * tab's sessionStorage, sent only in the X-Thunder-Secret-Key header), then polls
 * `../api/1.0.0/{key}/stats/` (relative, so it works behind a proxy's path prefix), scheduling
 * each poll after the previous answer, and draws the figures: numbers, two SVG charts, the
 * busiest channels and the nodes. No dependencies, no inline script (the page's CSP forbids it).
 */
"use strict";

(function () {
  const POLL_MS = 1500;
  const RETRY_MS = 3000;
  const WINDOW_S = 300; // the charts' time span
  const STORE_KEY = "thunderpush.dashboard.key";
  const STORE_SECRET = "thunderpush.dashboard.secret";
  const SVG = "http://www.w3.org/2000/svg";
  const STATS = [
    "connections",
    "users",
    "channels",
    "published_per_second",
    "delivered_per_second",
  ];

  const $ = (id) => document.getElementById(id);
  let generation = 0; // bumped on sign-in and sign-out: answers of older polls are dropped
  let timer;

  function stored() {
    const key = sessionStorage.getItem(STORE_KEY);
    const secret = sessionStorage.getItem(STORE_SECRET);
    return key !== null && secret !== null ? { key, secret } : null;
  }

  function showLogin(message) {
    $("dashboard").hidden = true;
    $("signout").hidden = true;
    $("login").hidden = false;
    $("app").textContent = "";
    $("status").textContent = "";
    $("error").hidden = !message;
    $("error").textContent = message || "";
    clearFigures();
  }

  function clearFigures() {
    for (const name of STATS) document.querySelector(`[data-stat="${name}"]`).textContent = "-";
    for (const id of ["chart-connections", "chart-messages", "channels", "nodes"]) {
      $(id).replaceChildren();
    }
    $("node-count").textContent = "";
  }

  function signOut(message) {
    generation++;
    clearTimeout(timer);
    sessionStorage.removeItem(STORE_KEY);
    sessionStorage.removeItem(STORE_SECRET);
    showLogin(message);
  }

  function start() {
    generation++;
    clearTimeout(timer);
    poll(generation);
  }

  async function poll(gen) {
    const creds = stored();
    if (!creds) return showLogin("");
    const url = `../api/1.0.0/${encodeURIComponent(creds.key)}/stats/`;
    let res;
    let body;
    try {
      res = await fetch(url, {
        headers: { "X-Thunder-Secret-Key": creds.secret },
        cache: "no-store",
        credentials: "omit",
      });
      body = await res.json().catch(() => null);
    } catch {
      if (gen !== generation) return;
      $("status").textContent = "Server unreachable; retrying...";
      timer = setTimeout(() => poll(gen), RETRY_MS);
      return;
    }
    if (gen !== generation) return;
    if (res.status === 401 || res.status === 404) {
      const reason = body && typeof body.message === "string" ? body.message : `HTTP ${res.status}`;
      return signOut(res.status === 404 ? "No stats here (is this a Thunderpush server?)" : reason);
    }
    if (!res.ok || body === null) {
      $("status").textContent = `${
        body && body.message ? body.message : "HTTP " + res.status
      }; retrying...`;
      timer = setTimeout(() => poll(gen), RETRY_MS);
      return;
    }
    $("login").hidden = true;
    $("error").hidden = true;
    $("dashboard").hidden = false;
    $("signout").hidden = false;
    $("app").textContent = `app ${creds.key}`;
    $("status").textContent = `updated ${new Date(body.time).toLocaleTimeString()}`;
    render(body);
    timer = setTimeout(() => poll(gen), POLL_MS);
  }

  function render(data) {
    for (const name of STATS) {
      const value = data[name];
      document.querySelector(`[data-stat="${name}"]`).textContent = name.endsWith("_second")
        ? formatRate(value)
        : String(value);
    }
    const h = data.history;
    const times = h.time.concat([data.time]);
    drawChart($("chart-connections"), times, data.time, [
      { values: h.connections.concat([data.connections]), cls: "published", area: true },
    ]);
    drawChart($("chart-messages"), times, data.time, [
      { values: h.published.concat([data.published_per_second]), cls: "published" },
      { values: h.delivered.concat([data.delivered_per_second]), cls: "delivered" },
    ]);
    fillTable($("channels"), data.top_channels, (c) => [c.channel, c.connections], "No channels");
    fillTable(
      $("nodes"),
      data.nodes,
      (n) => [
        n.id === data.node ? `${shortId(n.id)} (this one)` : shortId(n.id),
        n.connections,
        n.users,
        n.channels,
        formatRate(n.published_per_second),
        formatRate(n.delivered_per_second),
        formatDuration((data.time - n.started) / 1000),
        formatDuration(Math.max(0, (data.time - n.seen) / 1000)) + " ago",
      ],
      "No nodes",
      (n) => n.id,
    );
    $("node-count").textContent = `(${data.nodes.length})`;
  }

  /** A node id as shown: a UUID's first group (the whole id is the cell's tooltip). */
  function shortId(id) {
    return /^[0-9a-f]{8}-[0-9a-f-]{27}$/.test(id) ? id.slice(0, 8) : id;
  }

  function formatRate(value) {
    return value >= 100 ? String(Math.round(value)) : value.toFixed(1);
  }

  function formatDuration(seconds) {
    if (seconds < 60) return `${Math.round(seconds)} s`;
    if (seconds < 3600) return `${Math.floor(seconds / 60)} min`;
    if (seconds < 86400) return `${Math.floor(seconds / 3600)} h`;
    return `${Math.floor(seconds / 86400)} d`;
  }

  /** Fills a table body with a row per item (`cells` of it; `title` of it on the first cell). */
  function fillTable(tbody, rows, cells, empty, title = (row) => String(cells(row)[0])) {
    tbody.replaceChildren();
    if (rows.length === 0) {
      const tr = tbody.insertRow();
      const td = tr.insertCell();
      td.colSpan = tbody.parentElement.tHead.rows[0].cells.length;
      td.className = "empty";
      td.textContent = empty;
      return;
    }
    for (const row of rows) {
      const tr = tbody.insertRow();
      cells(row).forEach((value, i) => {
        const td = tr.insertCell();
        td.textContent = String(value);
        if (i > 0) td.className = "num";
        if (i === 0) td.title = title(row);
      });
    }
  }

  function svg(name, attrs, parent) {
    const el = document.createElementNS(SVG, name);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    parent.appendChild(el);
    return el;
  }

  /** Draws lines of `series` over the last WINDOW_S seconds up to `now`, with a grid. */
  function drawChart(el, times, now, series) {
    const W = 600, H = 180, LEFT = 44, TOP = 8, BOTTOM = 20;
    const plotW = W - LEFT - 4, plotH = H - TOP - BOTTOM;
    const from = now - WINDOW_S * 1000;
    let max = 0;
    for (const s of series) {
      s.values.forEach((v, i) => {
        if (times[i] >= from) max = Math.max(max, v);
      });
    }
    max = niceMax(max);
    el.replaceChildren();
    for (let i = 0; i <= 4; i++) {
      const y = TOP + plotH * (1 - i / 4);
      svg("line", { class: "grid", x1: LEFT, x2: W - 4, y1: y, y2: y }, el);
      const label = svg("text", { class: "axis", x: LEFT - 6, y: y + 4, "text-anchor": "end" }, el);
      label.textContent = formatTick((max * i) / 4);
    }
    for (const [text, x, anchor] of [["-5 min", LEFT, "start"], ["now", W - 4, "end"]]) {
      svg("text", { class: "axis", x, y: H - 4, "text-anchor": anchor }, el).textContent = text;
    }
    const xOf = (t) => LEFT + (plotW * (t - from)) / (WINDOW_S * 1000);
    const yOf = (v) => TOP + plotH * (1 - v / max);
    for (const s of series) {
      const points = [];
      s.values.forEach((v, i) => {
        if (times[i] >= from) points.push(`${xOf(times[i]).toFixed(1)},${yOf(v).toFixed(1)}`);
      });
      if (points.length === 0) continue;
      if (points.length === 1) points.push(`${xOf(now).toFixed(1)},${points[0].split(",")[1]}`);
      if (s.area) {
        const first = points[0].split(",")[0], last = points[points.length - 1].split(",")[0];
        svg("polygon", {
          class: "area",
          points: `${first},${TOP + plotH} ${points.join(" ")} ${last},${TOP + plotH}`,
        }, el);
      }
      svg("polyline", { class: `line ${s.cls}`, points: points.join(" ") }, el);
    }
  }

  function niceMax(value) {
    if (value <= 4) return 4;
    const power = 10 ** Math.floor(Math.log10(value));
    for (const m of [1, 2, 4, 6, 8, 10]) if (m * power >= value) return m * power;
    return 10 * power;
  }

  function formatTick(value) {
    if (value >= 1e6) return `${+(value / 1e6).toFixed(1)}M`;
    if (value >= 1e3) return `${+(value / 1e3).toFixed(1)}k`;
    return String(+value.toFixed(1));
  }

  $("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    sessionStorage.setItem(STORE_KEY, form.elements.key.value.trim());
    sessionStorage.setItem(STORE_SECRET, form.elements.secret.value);
    form.elements.secret.value = "";
    start();
  });
  $("signout").addEventListener("click", () => signOut(""));
  if (stored()) start();
  else showLogin("");
})();
