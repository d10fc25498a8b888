// The flowzoo dashboard: follows the appliance's event stream /api/events
// (rates every second, closed bins, alerts, health) and reads the JSON API
// when an event says something changed (docs/dashboard.md); while the stream
// is down it polls the API every two seconds instead. Draws with Chart.js.
// Served by zooagg (its /api/status says "program":"zooagg"), the same page
// shows the fleet: fleet.js reads zooagg's history and draws it with the
// show* functions below. Plain JS, no build step.
"use strict";

const REFRESH_MS = 2000;
const COLORS = {in: "#1f77b4", out: "#ff7f0e", a: "#2a9d8f", b: "#e9c46a", c: "#adb5bd"};
const charts = {};
const PLURAL = {elephant: "elephants", mouse: "mice", tortoise: "tortoises", dragonfly: "dragonflies",
	cheetah: "cheetahs", snail: "snails", rate_null: "no rate (duration 0)"};
let networks = [];
let previous = null; // the last /api/status, for the rates
let previousWorkers = null; // the last /api/summary's workers, for their rates
const LIVE_POINTS = 300; // 5 minutes of 1-second rates (150 of 2-second polls)
const live = {labels: [], packets: [], bits: [], netIn: [], netOut: []};
let streaming = false; // the event stream is open: rates and health come from it
let poller = null; // the 2-second poll while the stream is down
let rateEvents = 0;
// The filtered view of the address or port of a top-N row: {network, what: "host"|"port", key}.
let filter = null;
// A point of the bins' charts was clicked: fleet.js picks that bin (the appliance keeps none).
let onBinClick = null;

const $ = (id) => document.getElementById(id);
const fmt = (n) => (n === null || n === undefined) ? "–" : Number(n).toLocaleString("en-US");
const pct = (x) => (x === null || x === undefined) ? "–" : (100 * x).toFixed(1) + " %";
const utc = (ms) => new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, "");

function si(x) {
	const units = ["", "k", "M", "G", "T", "P"];
	let i = 0;
	while (Math.abs(x) >= 1000 && i < units.length - 1) { x /= 1000; i++; }
	return x.toFixed(i ? 2 : 0) + " " + units[i];
}

async function get(path) {
	const r = await fetch(path, {cache: "no-store"});
	if (!r.ok && r.status !== 503) // /health answers 503 with its reasons
		throw new Error(path + ": HTTP " + r.status);
	return r.json();
}

// A table body from rows of cells; a cell is text or {text, value} (value: the raw number,
// kept in data-value so that tools can read exact figures from the page).
function fill(tbody, rows) {
	tbody.replaceChildren(...rows.map((cells) => {
		const tr = document.createElement("tr");
		for (const c of cells) {
			const td = document.createElement("td");
			if (c !== null && typeof c === "object" && c.href) {
				const a = document.createElement("a");
				a.href = c.href;
				a.textContent = c.text;
				td.appendChild(a);
			} else if (c !== null && typeof c === "object") {
				td.textContent = c.text;
				if (c.value !== undefined) td.dataset.value = c.value;
				if (c.cls) td.className = c.cls;
			} else {
				td.textContent = c;
			}
			tr.appendChild(td);
		}
		return tr;
	}));
}
const num = (v) => ({text: fmt(v), value: v, cls: "num"});

function chart(id, type, options) {
	if (charts[id]) return charts[id];
	charts[id] = new Chart($(id), {
		type: type,
		data: {labels: [], datasets: []},
		options: Object.assign({animation: false, responsive: true, maintainAspectRatio: false}, options),
	});
	return charts[id];
}

async function overview() {
	// /health only while polling: the stream's health events say the same since start, and a
	// 503 (the answer while losing) is an error in the browser's console.
	const [st, health] = await Promise.all([get("api/status"), poller ? get("health") : null]);
	const now = performance.now();
	$("collector").textContent = st.collector ? "· " + st.collector : "";
	$("total-packets").textContent = fmt(st.packets);
	$("total-bytes").textContent = fmt(st.bytes);
	$("total-flows").textContent = fmt(st.flows);
	$("flows-active").textContent = fmt(st.flows_active);
	$("state").textContent = st.state || "–";
	$("uptime").textContent = st.uptime_s !== undefined ? Math.round(st.uptime_s) + " s" : "–";
	const drops = st.drops || {};
	const lost = Object.values(drops).reduce((a, b) => a + b, 0);
	$("total-drops").textContent = fmt(lost);
	$("total-drops").className = lost ? "bad" : "";
	const reasons = Object.entries(drops).filter(([, v]) => v > 0);
	$("drops-table").hidden = reasons.length === 0;
	fill($("drops-table").tBodies[0], reasons.map(([k, v]) => [k, num(v)]));
	if (previous && !streaming) {
		const s = (now - previous.t) / 1000;
		showRates((st.packets - previous.st.packets) / s, (st.bytes - previous.st.bytes) / s,
			(st.flows - previous.st.flows) / s, null);
	}
	previous = {st: st, t: now};
	if (health) showHealth(health.status === "ok",
		(health.reasons || []).map((r) => r.message || r.reason).join("; "));
}

// The live figures and charts: from a rates event, or from two polls of /api/status.
function showRates(packets, bytes, flows, nets) {
	$("rate-packets").textContent = si(packets);
	$("rate-bits").textContent = si(8 * bytes);
	$("rate-flows").textContent = si(flows);
	const sel = $("network").value;
	const mine = (nets || []).find((n) => n.network === sel);
	live.labels.push(new Date().toISOString().slice(11, 19));
	live.packets.push(packets);
	live.bits.push(8 * bytes);
	live.netIn.push(mine ? 8 * mine.bytes_in_per_s : null);
	live.netOut.push(mine ? 8 * mine.bytes_out_per_s : null);
	for (const k of Object.keys(live))
		if (live[k].length > LIVE_POINTS) live[k].shift();
	const lc = chart("chart-live", "line", {scales: {
		packets: {type: "linear", position: "left", beginAtZero: true, title: {display: true, text: "packets/s"}},
		bits: {type: "linear", position: "right", beginAtZero: true, title: {display: true, text: "bits/s"},
			grid: {drawOnChartArea: false}}}});
	lc.data.labels = live.labels;
	lc.data.datasets = [
		{label: "packets/s", data: live.packets, yAxisID: "packets", borderColor: COLORS.in,
		 backgroundColor: COLORS.in, pointRadius: 0},
		{label: "bits/s", data: live.bits, yAxisID: "bits", borderColor: COLORS.out,
		 backgroundColor: COLORS.out, pointRadius: 0},
	];
	lc.update("none");
	if (networks.length) {
		const nc = chart("chart-live-net", "line", {scales: {y: {beginAtZero: true,
			title: {display: true, text: "bits/s"}}}});
		nc.data.labels = live.labels;
		nc.data.datasets = [
			{label: sel + " in", data: live.netIn, borderColor: COLORS.in, backgroundColor: COLORS.in,
			 pointRadius: 0},
			{label: sel + " out", data: live.netOut, borderColor: COLORS.out, backgroundColor: COLORS.out,
			 pointRadius: 0},
		];
		nc.update("none");
	}
	$("charts").dataset.charts = Object.keys(charts).length;
	fill($("live-networks-table").tBodies[0], (nets || []).map((n) => [n.network,
		rate(n.packets_in_per_s), rate(8 * n.bytes_in_per_s), rate(n.packets_out_per_s),
		rate(8 * n.bytes_out_per_s), rate(n.flows_new_per_s)]));
	$("live-networks").hidden = !nets || nets.length === 0;
}
const rate = (v) => ({text: si(v), value: v, cls: "num"});

function showHealth(ok, why) {
	$("health").textContent = ok ? "healthy" : "NOT HEALTHY: " + why;
	$("health").className = "badge " + (ok ? "ok" : "fail");
}

// Per-worker load and the exporters' state, from /api/summary.
const EXPORTER_KEYS = new Set(["jsonl", "kafka", "ipfix"]);
async function workers() {
	const s = await get("api/summary");
	const now = performance.now();
	const ws = s.workers || [];
	fill($("workers-table").tBodies[0], ws.map((w, i) => {
		const p = previousWorkers && previousWorkers.ws[i];
		const rate = p ? si((w.packets - p.packets) / ((now - previousWorkers.t) / 1000)) : "–";
		return [String(w.worker), String(w.lcore), {text: rate, cls: "num"}, num(w.packets),
			num(w.records), Object.assign(num(w.ring_full), {cls: w.ring_full ? "num bad" : "num"})];
	}));
	previousWorkers = {ws: ws, t: now};
	const ex = Object.keys(s).filter((k) => EXPORTER_KEYS.has(k) && s[k] && typeof s[k] === "object");
	fill($("exporters-table").tBodies[0], ex.map((k) => {
		const o = s[k];
		const lost = o.lost || 0;
		const parts = Object.entries(o).filter(([, v]) => typeof v !== "object")
			.map(([f, v]) => f + " " + (typeof v === "number" ? fmt(v) : v));
		return [k, {text: (lost ? "LOSING RECORDS · " : "") + parts.join(", "), cls: lost ? "bad" : ""}];
	}));
	if (ex.length === 0) fill($("exporters-table").tBodies[0], [["none", ""]]);
}

async function traffic() {
	if (networks.length === 0) {
		$("traffic-note").textContent = "No networks: start flowzoo with --networks FILE to see traffic bins.";
		return;
	}
	// Every bin kept of the network shown, the latest bin of the others.
	const sel = $("network").value;
	const all = await Promise.all(networks.map((n) => n.history ?
		get("api/traffic?network=" + encodeURIComponent(n.name) + (n.name === sel ? "" : "&bins=1")) : null));
	showNetworks(networks.map((n, i) => ({name: n.name,
		bin: all[i] && all[i].bins.length ? all[i].bins[all[i].bins.length - 1] : null,
		none: n.history ? "no bin yet" : "not kept"})));
	const t = all[networks.findIndex((n) => n.name === sel)];
	if (t) showBins(t.bins);
}

// The networks table: per network {name, bin (its latest, or null), none (why there is none)}.
function showNetworks(list) {
	fill($("networks-table").tBodies[0], list.map((n) => {
		const b = n.bin;
		if (!b) return [n.name, n.none, "", "", "", "", "", ""];
		return [n.name, {text: utc(b.bin_start_ms) + (b.partial ? " (partial)" : ""), value: b.bin_start_ms},
			num(b.packets_in),
			num(b.bytes_in), num(b.packets_out), num(b.bytes_out), num(b.flows), num(b.flows_new)];
	}));
	const rows = $("networks-table").tBodies[0].rows;
	list.forEach((n, i) => { rows[i].dataset.network = n.name; });
}

// The bytes and packets charts of the network shown: its bins, oldest first.
function showBins(bins) {
	const labels = bins.map((b) => utc(b.bin_start_ms).slice(11));
	const click = (e, els) => { if (onBinClick && els.length) onBinClick(els[0].index); };
	for (const [id, what] of [["chart-bytes", "bytes"], ["chart-packets", "packets"]]) {
		const c = chart(id, "line", {scales: {y: {beginAtZero: true}}, onClick: click});
		c.data.labels = labels;
		c.data.datasets = [
			{label: what + " in", data: bins.map((b) => b[what + "_in"]), borderColor: COLORS.in,
			 backgroundColor: COLORS.in, pointRadius: 1},
			{label: what + " out", data: bins.map((b) => b[what + "_out"]), borderColor: COLORS.out,
			 backgroundColor: COLORS.out, pointRadius: 1},
		];
		c.update("none");
	}
	$("charts").dataset.charts = Object.keys(charts).length;
}

// Bytes in and out per UTC day of the network shown (/api/days: the last 90 days).
async function days() {
	const sel = $("network").value;
	if (!sel) return;
	const d = await get("api/days?network=" + encodeURIComponent(sel));
	showDays(d.days);
}

// The per-day chart and table: days oldest first, each {day, day_start_ms, packets_in, bytes_in,
// packets_out, bytes_out, bins}.
function showDays(days) {
	const c = chart("chart-days", "bar", {scales: {y: {beginAtZero: true, title: {display: true, text: "bytes"}}}});
	c.data.labels = days.map((x) => x.day);
	c.data.datasets = [
		{label: "bytes in", data: days.map((x) => x.bytes_in), backgroundColor: COLORS.in},
		{label: "bytes out", data: days.map((x) => x.bytes_out), backgroundColor: COLORS.out},
	];
	c.update("none");
	$("charts").dataset.charts = Object.keys(charts).length;
	fill($("days-table").tBodies[0], days.slice().reverse().map((x) => [{text: x.day, value: x.day_start_ms},
		num(x.packets_in), num(x.bytes_in), num(x.packets_out), num(x.bytes_out), num(x.bins)]));
}

// The top lists of the network shown: the latest closed bin's or the open one's (/api/top),
// each row linking to the filtered view of its address or port.
async function tops() {
	const sel = $("network").value;
	if (!sel) return;
	const open = document.querySelector("input[name=top-bin]:checked").value === "open";
	const q = "api/top?network=" + encodeURIComponent(sel);
	const [a, f] = await Promise.all([get(q), filter && filter.network === sel ?
		get(q + "&" + filter.what + "=" + encodeURIComponent(filter.key)) : null]);
	const b = open ? a.open : (a.top ? a : null);
	$("top-bin").dataset.open = open ? "1" : "0";
	showTops(b, b ? sel + ", " + utc(b.bin_start_ms) + " UTC" + (open ? ", open: so far" : "") : "",
		sel);
	if (f) showFilter(f);
}

// The top tables of bin b ({bin_start_ms, top, top_exact}, or null), described by label; with
// linkTo (a network), each row links to the filtered view of its address or port.
function showTops(b, label, linkTo) {
	$("top-bin").dataset.bin = b ? b.bin_start_ms : "";
	$("top-bin").textContent = b ? "(" + label + (b.top_exact === false ? ", approximate" : "") + ")" :
		"(none yet)";
	for (const list of ["src_ip", "dst_ip", "dst_port"]) {
		const what = list === "dst_port" ? "port" : "host";
		const rowsTop = b && b.top ? b.top[list] || [] : [];
		fill($("top-" + list).tBodies[0], rowsTop.map((e) => [linkTo ? {text: String(e.key),
			href: "?network=" + encodeURIComponent(linkTo) + "&" + what + "=" + encodeURIComponent(e.key)} :
			String(e.key), num(e.bytes), num(e.packets), num(e.flows)]));
		const rows = $("top-" + list).tBodies[0].rows;
		rowsTop.forEach((e, i) => {
			const marked = filter && filter.what === what && String(e.key) === filter.key;
			rows[i].className = marked ? "marked" : "";
			if (marked) rows[i].dataset.marked = "1";
		});
	}
}

// The filtered view (?network=N&host=ADDR or &port=P): the address's or port's entries in
// the top lists of every bin kept, newest first.
function showFilter(f) {
	const lists = filter.what === "host" ? ["src_ip", "dst_ip"] : ["dst_port"];
	const cell = (e) => e ? [num(e.bytes), num(e.packets), num(e.flows), String(e.rank)] :
		["–", "–", "–", "not in the top " + TOP_KEPT];
	const bins = f.bins.slice().reverse();
	fill($("filter-table").tBodies[0], bins.map((b) => [{text: utc(b.bin_start_ms), value: b.bin_start_ms}]
		.concat(...lists.map((l) => cell(b.top[l][0])))));
	if (f.open && f.open.top) {
		const row = [{text: utc(f.open.bin_start_ms) + " (open)", value: f.open.bin_start_ms}]
			.concat(...lists.map((l) => cell(f.open.top[l][0])));
		fill($("filter-open").tBodies[0], [row]);
	}
}
const TOP_KEPT = 10;

function zooShares(app, scope, by, pairs) {
	const cl = (app[scope] || {}).classes || {};
	return pairs.map((k) => (cl[k] && cl[k][by] !== null) ? cl[k][by] : 0);
}

async function zoo() {
	showZoo((await get("api/zoo")).stats);
}

// The zoo charts and table of a stats record (the appliance's, or zooagg's fleet_stats).
function showZoo(s) {
	if (!s) return;
	const scope = document.querySelector("input[name=zoo-scope]:checked").value;
	const by = document.querySelector("input[name=zoo-by]:checked").value;
	const apps = (s.apps || []).filter((a) => a[scope] && a[scope].flows > 0);
	const m = s.means;
	$("zoo-means").textContent = m && m.size_mean !== null && m.duration_mean !== null &&
		m.rate_mean !== null ? "Means now: size " + si(m.size_mean) + "B, duration " +
		m.duration_mean.toPrecision(3) + " s, rate " + si(m.rate_mean) + "B/s." : "";
	const dims = [
		["chart-size", ["elephant", "mouse"], [COLORS.a, COLORS.b]],
		["chart-duration", ["tortoise", "dragonfly"], [COLORS.a, COLORS.b]],
		["chart-rate", ["cheetah", "snail", "rate_null"], [COLORS.a, COLORS.b, COLORS.c]],
	];
	for (const [id, classes, colors] of dims) {
		const c = chart(id, "bar", {indexAxis: "y", scales: {x: {stacked: true, max: 100,
			title: {display: true, text: "%"}}, y: {stacked: true}}});
		c.data.labels = apps.map((a) => a.app);
		c.data.datasets = classes.map((k, i) => ({label: PLURAL[k],
			data: apps.map((a) => 100 * zooShares(a, scope, by, [k])[0]), backgroundColor: colors[i]}));
		c.update("none");
	}
	$("charts").dataset.charts = Object.keys(charts).length;
	fill($("zoo-table").tBodies[0], apps.map((a) => {
		const cl = a[scope].classes;
		return [a.app, num(a[scope].flows), num(a[scope].bytes)].concat(
			["elephant", "mouse", "tortoise", "dragonfly", "cheetah", "snail"].map((k) =>
				({text: pct(cl[k][by]), value: cl[k][by], cls: "num"})));
	}));
	$("zoo-table").dataset.intervalEnd = s.interval_end_ms;
	const rows = $("zoo-table").tBodies[0].rows;
	apps.forEach((a, i) => { rows[i].dataset.app = a.app; });
}

// An alert record's row (docs/alerts.md): a baseline alert is keyed by network, metric and
// direction, an attack by its host (and scanner) and metric, each with its value against the
// threshold, its start and end; a health alert by its counter, with the growth and the total.
function alertKey(x) {
	if (x.alert === "baseline") return [x.network, x.metric, x.direction].join(" ");
	if (x.host) return (x.scanner ? x.scanner + " → " : "") + x.host + " " + (x.metric || "");
	return x.counter || "";
}
function alertRow(x, withCollector) {
	const measured = x.threshold !== undefined && x.value !== undefined;
	return [utc(x.time_ms), x.alert + (x.state ? " " + x.state : ""), x.severity,
		(withCollector ? x.collector + ": " : "") + alertKey(x),
		measured ? {text: fmt(x.value) + " (threshold " + fmt(Math.round(x.threshold)) + ")", value: x.value, cls: "num"} :
			{text: "+" + fmt(x.delta) + " (" + fmt(x.total) + " in all)", value: x.delta, cls: "num"},
		x.start_ms ? utc(x.start_ms) : "", x.end_ms ? utc(x.end_ms) : "", x.message];
}

async function alerts() {
	const a = await get("api/alerts");
	showAlerts(a.alerts, a.total + " raised since start; the last " + a.kept + " are kept.", false);
}

// The alert tables from alert records, oldest first; withCollector: each key names its
// collector (the fleet's alerts come from many).
function showAlerts(alertList, total, withCollector) {
	const row = (x) => alertRow(x, withCollector);
	$("alerts-total").textContent = total;
	const list = alertList.slice().reverse();
	fill($("alerts-table").tBodies[0], list.map(row));
	const rows = $("alerts-table").tBodies[0].rows;
	list.forEach((x, i) => { rows[i].className = x.severity === "error" ? "bad" : ""; });
	if (alertList.length === 0)
		fill($("alerts-table").tBodies[0], [["none", "", "", "", "", "", "", ""]]);
	// Active: baseline and attack alerts whose latest record (of those kept) is not an end.
	const latest = new Map();
	for (const x of alertList)
		if (x.state) latest.set((withCollector ? x.collector + " " : "") + x.alert + " " + alertKey(x), x);
	const active = [...latest.values()].filter((x) => x.state !== "end").reverse();
	fill($("active-table").tBodies[0], active.length ? active.map(row) :
		[["none", "", "", "", "", "", "", ""]]);
}

// Read the parts of the API named (all of them by default) and show them.
async function refresh(parts) {
	const all = {overview, workers, traffic, days, tops, zoo, alerts};
	try {
		await Promise.all((parts || Object.keys(all)).map((k) => all[k]()));
		$("fetch-error").hidden = true;
		$("updated").textContent = (streaming ? "live · " : "polling · ") + "updated " +
			new Date().toLocaleTimeString();
		document.body.dataset.refreshes = (Number(document.body.dataset.refreshes) || 0) + 1;
	} catch (e) {
		$("fetch-error").hidden = false;
		$("fetch-error").textContent = "cannot reach the appliance: " + e.message;
	}
}

function healthEvent(h) {
	if (!h) return;
	const why = [];
	if (h.lost) why.push(fmt(h.lost) + " records or packets lost since start");
	if (h.workers_running < h.workers) why.push(h.workers_running + " of " + h.workers + " workers running");
	showHealth(h.status === "ok", why.join("; "));
}

function ratesEvent(r) {
	if (!r) return;
	showRates(r.packets_per_s, r.bytes_per_s, r.flows_per_s, r.networks);
	$("total-packets").textContent = fmt(r.packets);
	$("total-bytes").textContent = fmt(r.bytes);
	$("total-flows").textContent = fmt(r.flows);
	// What the stream does not carry (per-worker load, exporters, the zoo, the uptime): read
	// every third second.
	refresh(rateEvents++ % 3 === 0 ? ["overview", "workers", "zoo"] : []);
}

// Read one part of the API shortly, once for a burst of events.
const due = {};
function soon(part) {
	if (due[part]) return;
	due[part] = setTimeout(() => { delete due[part]; refresh([part]); }, 200);
}

// The event stream (docs/dashboard.md): EventSource reconnects by itself with the last id
// it got, and the appliance replays what it missed; while it is down the page polls.
function follow() {
	const es = new EventSource("api/events");
	const on = (type, fn) => es.addEventListener(type, (m) => {
		try { fn(JSON.parse(m.data)); } catch (e) { window.onerror(e.message, "dashboard.js", 0); }
	});
	es.onopen = () => {
		streaming = true;
		document.body.dataset.stream = "on";
		if (poller) { clearInterval(poller); poller = null; }
	};
	es.onerror = () => {
		streaming = false;
		document.body.dataset.stream = "polling";
		if (!poller) poller = setInterval(refresh, REFRESH_MS);
		if (es.readyState === EventSource.CLOSED) setTimeout(follow, REFRESH_MS); // refused
	};
	on("state", (s) => { healthEvent(s.health); ratesEvent(s.rates); refresh(["traffic", "tops", "alerts"]); });
	on("rates", ratesEvent);
	on("health", healthEvent);
	on("bin", () => { soon("traffic"); soon("tops"); soon("days"); }); // one per network per bin
	on("alert", () => soon("alerts"));
	on("gap", () => refresh());
}

// ?network=N selects a network; with host=ADDR or port=P, the filtered view of it.
function readFilter() {
	const q = new URLSearchParams(location.search);
	const net = q.get("network");
	if (net && networks.some((n) => n.name === net && n.history)) $("network").value = net;
	const what = q.has("host") ? "host" : q.has("port") ? "port" : null;
	if (!net || !what) return;
	filter = {network: net, what: what, key: q.get(what)};
	$("filter").hidden = false;
	$("filter-what").textContent = net + ", " + (what === "host" ? "address " : "port ") + filter.key;
	const head = what === "host" ?
		["bin (UTC)", "bytes as initiator", "packets", "flows", "rank", "bytes as responder",
			"packets", "flows", "rank"] : ["bin (UTC)", "bytes", "packets", "flows", "rank"];
	for (const id of ["filter-table", "filter-open"]) {
		const tr = $(id).tHead.rows[0];
		tr.replaceChildren(...head.map((h) => { const th = document.createElement("th"); th.textContent = h; return th; }));
	}
}

// A script of the page, loaded when needed (fleet.js: only zooagg serves it).
function loadScript(src) {
	return new Promise((resolve, reject) => {
		const el = document.createElement("script");
		el.src = src;
		el.onload = resolve;
		el.onerror = () => reject(new Error(src + ": not loaded"));
		document.head.appendChild(el);
	});
}

async function start() {
	// What serves the page: the appliance, or zooagg over the fleet (docs/dashboard.md).
	const st = await get("api/status");
	if (st.program === "zooagg") {
		await loadScript("fleet.js");
		return startFleet(st); // fleet.js
	}
	const n = await get("api/networks");
	networks = n.networks;
	$("network").replaceChildren(...networks.filter((x) => x.history).map((x) => new Option(x.name, x.name)));
	readFilter();
	$("network").addEventListener("change", () => refresh());
	for (const r of document.querySelectorAll("input[type=radio]")) r.addEventListener("change", () => refresh());
	setInterval(() => { if (streaming && $("top-bin").dataset.open === "1") soon("tops"); }, REFRESH_MS);
	await refresh();
	if (window.EventSource) follow();
	else poller = setInterval(refresh, REFRESH_MS);
}

start().catch((e) => window.onerror(e.message, "dashboard.js", 0));
