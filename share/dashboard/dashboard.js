// The flowzoo dashboard: polls the appliance's JSON API (docs/dashboard.md)
// every two seconds and draws it with Chart.js. Plain JS, no build step.
"use strict";

const REFRESH_MS = 2000;
const COLORS = {in: "#1f77b4", out: "#ff7f0e", a: "#2a9d8f", b: "#e9c46a", c: "#adb5bd"};
const charts = {};
const PLURAL = {elephant: "elephants", mouse: "mice", tortoise: "tortoises", dragonfly: "dragonflies",
	cheetah: "cheetahs", snail: "snails", rate_null: "no rate (duration 0)"};
let networks = [];
let previous = null; // the last /api/status, for the rates
let previousWorkers = null; // the last /api/summary's workers, for their rates
const LIVE_POINTS = 150; // 5 minutes of 2-second refreshes
const live = {labels: [], packets: [], bits: []};

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
			if (c !== null && typeof c === "object") {
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
	const [st, health] = await Promise.all([get("api/status"), get("health")]);
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
	if (previous) {
		const s = (now - previous.t) / 1000;
		$("rate-packets").textContent = si((st.packets - previous.st.packets) / s);
		$("rate-bits").textContent = si(8 * (st.bytes - previous.st.bytes) / s);
		$("rate-flows").textContent = si((st.flows - previous.st.flows) / s);
		live.labels.push(new Date().toISOString().slice(11, 19));
		live.packets.push((st.packets - previous.st.packets) / s);
		live.bits.push(8 * (st.bytes - previous.st.bytes) / s);
		for (const k of ["labels", "packets", "bits"])
			if (live[k].length > LIVE_POINTS) live[k].shift();
	}
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
	previous = {st: st, t: now};
	const ok = health.status === "ok";
	$("health").textContent = ok ? "healthy" :
		"NOT HEALTHY: " + (health.reasons || []).map((r) => r.message || r.reason).join("; ");
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
	fill($("networks-table").tBodies[0], networks.map((n, i) => {
		const b = all[i] && all[i].bins.length ? all[i].bins[all[i].bins.length - 1] : null;
		if (!b) return [n.name, n.history ? "no bin yet" : "not kept", "", "", "", "", "", ""];
		return [n.name, {text: utc(b.bin_start_ms) + (b.partial ? " (partial)" : ""), value: b.bin_start_ms},
			num(b.packets_in),
			num(b.bytes_in), num(b.packets_out), num(b.bytes_out), num(b.flows), num(b.flows_new)];
	}));
	const rows = $("networks-table").tBodies[0].rows;
	networks.forEach((n, i) => { rows[i].dataset.network = n.name; });
	const t = all[networks.findIndex((n) => n.name === sel)];
	if (!t) return;
	const labels = t.bins.map((b) => utc(b.bin_start_ms).slice(11));
	for (const [id, what] of [["chart-bytes", "bytes"], ["chart-packets", "packets"]]) {
		const c = chart(id, "line", {scales: {y: {beginAtZero: true}}});
		c.data.labels = labels;
		c.data.datasets = [
			{label: what + " in", data: t.bins.map((b) => b[what + "_in"]), borderColor: COLORS.in,
			 backgroundColor: COLORS.in, pointRadius: 1},
			{label: what + " out", data: t.bins.map((b) => b[what + "_out"]), borderColor: COLORS.out,
			 backgroundColor: COLORS.out, pointRadius: 1},
		];
		c.update("none");
	}
	$("charts").dataset.charts = Object.keys(charts).length;
	const latest = t.latest;
	$("top-bin").dataset.bin = latest ? latest.bin_start_ms : "";
	$("top-bin").textContent = latest ? "(" + sel + ", " + utc(latest.bin_start_ms) + " UTC" +
		(latest.top_exact === false ? ", approximate" : "") + ")" : "(none yet)";
	for (const list of ["src_ip", "dst_ip", "dst_port"]) {
		const rowsTop = latest && latest.top ? latest.top[list] || [] : [];
		fill($("top-" + list).tBodies[0], rowsTop.map((e) =>
			[String(e.key), num(e.bytes), num(e.packets), num(e.flows)]));
	}
}

function zooShares(app, scope, by, pairs) {
	const cl = (app[scope] || {}).classes || {};
	return pairs.map((k) => (cl[k] && cl[k][by] !== null) ? cl[k][by] : 0);
}

async function zoo() {
	const z = await get("api/zoo");
	const s = z.stats;
	if (!s) return;
	const scope = document.querySelector("input[name=zoo-scope]:checked").value;
	const by = document.querySelector("input[name=zoo-by]:checked").value;
	const apps = (s.apps || []).filter((a) => a[scope] && a[scope].flows > 0);
	const m = s.means;
	$("zoo-means").textContent = m ? "Means now: size " + si(m.size_mean) + "B, duration " +
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

async function alerts() {
	const a = await get("api/alerts");
	$("alerts-total").textContent = a.total + " raised since start; the last " + a.kept + " are kept.";
	const list = a.alerts.slice().reverse();
	fill($("alerts-table").tBodies[0], list.map((x) =>
		[utc(x.time_ms), x.alert, x.severity, x.counter, num(x.delta), num(x.total), x.message]));
	const rows = $("alerts-table").tBodies[0].rows;
	list.forEach((x, i) => { rows[i].className = x.severity === "error" ? "bad" : ""; });
	if (a.alerts.length === 0)
		fill($("alerts-table").tBodies[0], [["none", "", "", "", "", "", ""]]);
}

async function refresh() {
	try {
		await Promise.all([overview(), workers(), traffic(), zoo(), alerts()]);
		$("fetch-error").hidden = true;
		$("updated").textContent = "updated " + new Date().toLocaleTimeString();
		document.body.dataset.refreshes = (Number(document.body.dataset.refreshes) || 0) + 1;
	} catch (e) {
		$("fetch-error").hidden = false;
		$("fetch-error").textContent = "cannot reach the appliance: " + e.message;
	}
}

async function start() {
	const n = await get("api/networks");
	networks = n.networks;
	$("network").replaceChildren(...networks.filter((x) => x.history).map((x) => new Option(x.name, x.name)));
	$("network").addEventListener("change", refresh);
	for (const r of document.querySelectorAll("input[type=radio]")) r.addEventListener("change", refresh);
	await refresh();
	setInterval(refresh, REFRESH_MS);
}

start().catch((e) => window.onerror(e.message, "dashboard.js", 0));
