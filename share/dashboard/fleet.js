// The dashboard over the fleet (docs/dashboard.md, "Served by zooagg"): dashboard.js loads this
// file when /api/status says zooagg serves the page. It reads zooagg's history, the
// /api/fleet/ endpoints (docs/fleet.md, "HTTP API"), every FLEET_REFRESH_MS (zooagg has no
// event stream: polling) and draws it with dashboard.js's show* functions.
"use strict";

const FLEET_REFRESH_MS = 5000;
const FLEET_BINS = 288; // the bins of the network shown in its charts and the bin picker
const FLEET_ALERTS = 32;
const FLEET_HOSTS = 10; // hosts per day
const fleet = {
	nets: [], // /api/fleet/networks: one row per network and collector
	bins: [], // the bins of the network shown, oldest first
	picked: null, // the bin_start_ms picked, null for the latest
	status: null,
	queue: Promise.resolve(), // the refreshes, one after the other
};

// The query of the network and appliance chosen ("" appliance: the merged fleet).
function fleetQuery() {
	const coll = $("appliance").value;
	return "network=" + encodeURIComponent($("fleet-network").value) +
		(coll ? "&collector=" + encodeURIComponent(coll) : "");
}

// A <select>'s options, keeping what was chosen when it is still there.
function setOptions(sel, options) {
	const was = sel.value;
	sel.replaceChildren(...options.map(([value, text]) => new Option(text, value)));
	if (options.some(([value]) => value === was)) sel.value = was;
}

function figure(id, v) {
	$(id).textContent = fmt(v);
	$(id).dataset.value = v === null || v === undefined ? "" : v;
}

async function fleetSelectors() {
	const [st, n] = await Promise.all([get("api/status"), get("api/fleet/networks")]);
	fleet.status = st;
	fleet.nets = n.networks;
	const names = [...new Set(fleet.nets.map((x) => x.network))];
	const colls = [...new Set(fleet.nets.map((x) => x.collector))].sort();
	setOptions($("fleet-network"), names.map((x) => [x, x]));
	setOptions($("appliance"), [["", "fleet (merged)"]].concat(colls.map((x) => [x, x])));
	figure("fleet-messages", st.counters.messages);
	figure("fleet-malformed", st.counters.malformed);
	$("health").textContent = colls.length + " appliance" + (colls.length === 1 ? "" : "s") +
		", " + names.length + " network" + (names.length === 1 ? "" : "s");
	$("health").className = "badge " + (st.counters.db_errors ? "fail" : "ok");
}

// The networks table (each network's latest bin of the appliance chosen), the bins' charts,
// the bin picker and the figures of the bin picked.
async function fleetTraffic() {
	const names = [...new Set(fleet.nets.map((x) => x.network))];
	const sel = $("fleet-network").value;
	const coll = $("appliance").value;
	const [latest, mine] = await Promise.all([
		get("api/fleet/latest" + (coll ? "?collector=" + encodeURIComponent(coll) : "")),
		sel ? get("api/fleet/bins?" + fleetQuery() + "&bins=" + FLEET_BINS) : null]);
	const byName = new Map(latest.bins.map((b) => [b.network, b]));
	showNetworks(names.map((x) => ({name: x, bin: byName.get(x) || null, none: "no bin"})));
	fleet.bins = mine ? mine.bins.slice().reverse() : [];
	showBins(fleet.bins);
	setOptions($("bin"), [["", "latest"]].concat(fleet.bins.slice().reverse().map((b) =>
		[String(b.bin_start_ms), utc(b.bin_start_ms) + (b.partial ? " (partial)" : "")])));
	if (fleet.picked !== null && $("bin").value !== String(fleet.picked)) fleet.picked = null;
	const who = $("appliance").value || "fleet";
	$("fleet-what").textContent = sel ? sel + ", " + who : "no bins yet";
	const b = fleetBin();
	$("fleet-bin").textContent = b ? utc(b.bin_start_ms) + (b.partial ? " (partial)" : "") : "–";
	$("fleet-bin").dataset.value = b ? b.bin_start_ms : "";
	for (const k of ["bytes_in", "bytes_out", "packets_in", "packets_out", "flows", "flows_new"])
		figure("fleet-" + k.replace("_", "-"), b ? b[k] : null);
	figure("fleet-collectors", b ? (b.collectors !== undefined ? b.collectors : 1) : null);
}

// The bin shown: the one picked, or the latest.
function fleetBin() {
	if (fleet.picked === null) return fleet.bins.length ? fleet.bins[fleet.bins.length - 1] : null;
	return fleet.bins.find((b) => b.bin_start_ms === fleet.picked) || null;
}

// The top lists of the bin shown: any past bin's from /api/fleet/top.
async function fleetTops() {
	const sel = $("fleet-network").value;
	let b = fleetBin();
	if (b && fleet.picked !== null)
		b = (await get("api/fleet/top?" + fleetQuery() + "&bin_start_ms=" + b.bin_start_ms)).bin;
	showTops(b, b ? sel + ", " + ($("appliance").value || "fleet") + ", " + utc(b.bin_start_ms) +
		" UTC" + (fleet.picked === null ? ", latest" : "") : "", null);
}

// Per day: the network's in and out and its hosts, of the appliance chosen.
async function fleetDays() {
	const sel = $("fleet-network").value;
	if (!sel) return;
	const [d, h] = await Promise.all([get("api/fleet/daily?" + fleetQuery()),
		get("api/fleet/daily_hosts?" + fleetQuery() + "&limit=" + FLEET_HOSTS)]);
	showDays(d.days.map((x) => Object.assign({day: utc(x.day_ms).slice(0, 10), day_start_ms: x.day_ms}, x)));
	const rows = [];
	for (const day of h.days.slice().reverse())
		for (const x of day.hosts)
			rows.push([{text: utc(day.day_ms).slice(0, 10), value: day.day_ms}, x.host, num(x.src_bytes),
				num(x.dst_bytes), num(x.src_flows), num(x.dst_flows), day.lists_exact ? "yes" : "no"]);
	fill($("hosts-table").tBodies[0], rows.length ? rows : [["none", "", "", "", "", "", ""]]);
}

async function fleetZoo() {
	showZoo((await get("api/fleet/zoo")).zoo);
}

async function fleetAlerts() {
	const a = await get("api/fleet/alerts?limit=" + FLEET_ALERTS);
	showAlerts(a.alerts.slice().reverse(), "The latest " + FLEET_ALERTS +
		" alerts of the fleet: the appliances' and zooagg's own (collector zooagg:GROUP).", true);
}

// Read everything again, or only the parts named: "traffic" (the networks, charts and bin
// picker) first, then the others at once. One refresh at a time, in order, so that what the
// page shows is all of one choice; body's data-shown says which ("network|appliance|bin").
function fleetRefresh(parts) {
	fleet.queue = fleet.queue.then(() => fleetRead(parts));
	return fleet.queue;
}

async function fleetRead(parts) {
	const shown = () => [$("fleet-network").value, $("appliance").value || "fleet",
		fleet.picked === null ? "latest" : fleet.picked].join("|");
	try {
		if (!parts) await fleetSelectors();
		if (!parts || parts.includes("traffic")) await fleetTraffic();
		const rest = parts ? parts.filter((k) => k !== "traffic") : ["tops", "days", "zoo", "alerts"];
		await Promise.all(rest.map((k) =>
			({tops: fleetTops, days: fleetDays, zoo: fleetZoo, alerts: fleetAlerts})[k]()));
		$("fetch-error").hidden = true;
		$("updated").textContent = "polling every " + FLEET_REFRESH_MS / 1000 + " s · updated " +
			new Date().toLocaleTimeString();
		document.body.dataset.shown = shown();
		document.body.dataset.refreshes = (Number(document.body.dataset.refreshes) || 0) + 1;
	} catch (e) {
		$("fetch-error").hidden = false;
		$("fetch-error").textContent = "cannot reach zooagg: " + e.message;
	}
}

function pickBin(ms) {
	fleet.picked = ms;
	$("bin").value = ms === null ? "" : String(ms);
	fleetRefresh(["traffic", "tops"]);
}

async function startFleet(st) {
	document.title = "flowzoo fleet · " + st.collector;
	document.body.dataset.mode = "fleet";
	$("collector").textContent = "· " + st.collector;
	for (const e of document.querySelectorAll(".fleet-only")) e.hidden = false;
	for (const e of document.querySelectorAll(".appliance-only")) e.hidden = true;
	$("fleet-period").textContent = FLEET_REFRESH_MS / 1000;
	$("traffic-note").textContent = "Each row is the network's latest bin of the appliance chosen " +
		"above (the fleet: the merge of every appliance's). In: to addresses of the network; out: from them.";
	$("days-caption").textContent = "Bytes per day (UTC), in and out, of the appliance chosen: " +
		"every day in zooagg's database";
	$("days-table-caption").textContent = "Per day (UTC), newest first; sums of the bins that " +
		"start in the day";
	$("footer").replaceChildren("Served by zooagg. The data: ", ...["networks", "latest", "bins", "top",
		"daily", "daily_hosts", "zoo", "alerts"].flatMap((x, i) => {
		const a = document.createElement("a");
		a.href = "api/fleet/" + x;
		a.textContent = "/api/fleet/" + x;
		return i ? [", ", a] : [a];
	}), ", /api/status (docs/fleet.md).");
	onBinClick = (i) => pickBin(fleet.bins[i].bin_start_ms);
	$("bin").addEventListener("change", () => pickBin($("bin").value ? Number($("bin").value) : null));
	for (const id of ["fleet-network", "appliance"])
		$(id).addEventListener("change", () => { fleet.picked = null; fleetRefresh(); });
	for (const r of document.querySelectorAll("input[name^=zoo-]"))
		r.addEventListener("change", () => fleetRefresh(["zoo"]));
	await fleetRefresh();
	setInterval(() => fleetRefresh(), FLEET_REFRESH_MS);
}
