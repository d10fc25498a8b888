"""The capture of the baseline-alert test (issue 17, docs/alerts.md).

Bins of 10 s; two networks with the same steady traffic in every bin (three
UDP conversations from outside, two datagrams in and one out each, payload
sizes alternating from bin to bin so that the baseline has a spread):

  lan  10.1.0.0/16   bin 8: a one-bin blip of bytes in (nothing with
                     --alert-bins 2); bins 11-13: a spike of bytes in (one
                     start at bin 12, updates at bins 13 and 14, one end at
                     bin 15); bins 18-19: the same spike again inside the
                     suppression window (suppressed, counted once).
  dmz  192.0.2.0/24  bins 16-18: a heavy transfer from the partner
                     198.51.100.0/24, an ignored pair: no alert (without
                     the ignore list, one start).

The spikes change bytes only (the same packets and flows), so one series
alerts. The expected alert records are computed here by a model of the
documented rules (exact integer sums, population sigma), from the packets
written; the test compares mean, sigma and threshold to 1e-9 relative and
every other field exactly.
"""
import ipaddress
import json
import math
import os

from . import packet as P
from .capture import Capture, Flow

S = 10
BINS = 23  # bins 0..22; the last is cut short (partial) and never fed
ARGS = ["--idle-timeout", "15", "--traffic-interval", str(S), "--alert-history", "12",
        "--alert-min-history", "6", "--alert-bins", "2", "--alert-k", "3",
        "--alert-suppress", "150", "--top-n", "3"]
HISTORY, MIN_HISTORY, NBINS, K, SUPPRESS_MS = 12, 6, 2, 3.0, 150000
TOP = 3

NETWORKS = [
    {"name": "lan", "prefixes": ["10.1.0.0/16"]},
    {"name": "dmz", "prefixes": ["192.0.2.0/24"]},
]
IGNORE = [{"src": "198.51.100.0/24", "dst": "192.0.2.0/24"}]
BLIP, SPIKE, AGAIN, BACKUP = (8,), (11, 12, 13), (18, 19), (16, 17, 18)
SERIES = ["flows", "packets_in", "packets_out", "bytes_in", "bytes_out"]
METRIC = {"flows": ("flows", "both"), "packets_in": ("packets", "in"),
          "packets_out": ("packets", "out"), "bytes_in": ("bytes", "in"),
          "bytes_out": ("bytes", "out")}
T0_MS = 1700000000000


def _conversations(cap, b):
    """Bin b's packets: (src, dst, flow) triples for the model."""
    out = []
    for net, hosts, ext in (("lan", "10.1.0.%d", "203.0.113.%d"), ("dmz", "192.0.2.%d", "203.0.113.%d")):
        for i in range(3):
            a, z = ext % (10 + i + (0 if net == "lan" else 10)), hosts % (5 + i)
            f = Flow(cap, a, z, P.PROTO_UDP, 20000 + 10 * b + i, 9000, (), None)
            cap.flows.append(f)
            big = net == "lan" and (b in BLIP or b in SPIKE or b in AGAIN)
            size = (1300 if big else 200 + 40 * (b % 2)) + 10 * i
            t = b * S + 1.0 + i + (0.5 if net == "dmz" else 0)
            f.udp(t, True, b"x" * size)
            f.udp(t + 0.1, True, b"y" * size)
            f.udp(t + 0.2, False, b"z" * 100)
            f.end("idle")
            out.append((a, z, f))
    if b in BACKUP:
        f = Flow(cap, "198.51.100.7", "192.0.2.5", P.PROTO_UDP, 30000 + b, 873, (), None)
        cap.flows.append(f)
        for j in range(20):
            f.udp(b * S + 5.0 + 0.1 * j, True, b"b" * 1400)
        f.end("idle")
        out.append(("198.51.100.7", "192.0.2.5", f))
    return out


def _net_of(addr):
    ip = ipaddress.ip_address(addr)
    for n in NETWORKS:
        if any(ip in ipaddress.ip_network(p) for p in n["prefixes"]):
            return n["name"]
    return None


def _ignored(src, dst, ignore):
    return any(ipaddress.ip_address(src) in ipaddress.ip_network(p["src"]) and
               ipaddress.ip_address(dst) in ipaddress.ip_network(p["dst"]) for p in ignore)


def figures(convs, ignore):
    """Per bin and network: the alert series and the top lists (all flows)."""
    out = []
    for b, cs in enumerate(convs):
        nets = {}
        for n in NETWORKS:
            nets[n["name"]] = {"series": dict.fromkeys(SERIES, 0), "src": {}, "dst": {}}
        for a, z, f in cs:
            rec = f.done[0]
            p, by = rec.packets, rec.bytes  # [from a, from z]
            for end, addr in ((0, a), (1, z)):
                net = _net_of(addr)
                if net is None:
                    continue
                fig = nets[net]
                for key, host in (("src", a), ("dst", z)):
                    e = fig[key].setdefault(host, [0, 0, 0])
                    e[0] += p[0] + p[1]
                    e[1] += by[0] + by[1]
                    e[2] += 1
                if _ignored(a, z, ignore):
                    continue
                s = fig["series"]
                s["flows"] += 1
                out_d, in_d = (0, 1) if end == 0 else (1, 0)
                s["packets_out"] += p[out_d]
                s["bytes_out"] += by[out_d]
                s["packets_in"] += p[in_d]
                s["bytes_in"] += by[in_d]
        out.append(nets)
    return out


def _top(d):
    key = lambda kv: (-kv[1][1], ipaddress.ip_address(kv[0]).packed)  # noqa: E731
    return [{"key": k, "packets": v[0], "bytes": v[1], "flows": v[2]}
            for k, v in sorted(d.items(), key=key)[:TOP]]


def model(figs):
    """The alert records and counters the documented rules give."""
    recs, counters = [], {"started": 0, "updates": 0, "ended": 0, "suppressed": 0, "active": 0}
    state = {}
    for b in range(BINS - 1):  # the last bin is partial
        for n in NETWORKS:
            net = n["name"]
            fig = figs[b][net]
            for s in SERIES:
                st = state.setdefault((net, s), {"hist": [], "state": "idle", "over": 0, "under": 0,
                                                 "over_start": 0, "under_start": 0, "start": 0,
                                                 "last_end": None})
                v = fig["series"][s]
                h = st["hist"]
                start_ms, end_ms = T0_MS + b * S * 1000, T0_MS + (b + 1) * S * 1000
                if len(h) < MIN_HISTORY:
                    h.append(v)
                    del h[:-HISTORY]
                    continue
                n_, sm, sq = len(h), sum(h), sum(x * x for x in h)
                mean = sm / n_
                sigma = math.sqrt(n_ * sq - sm * sm) / n_
                thr = mean + K * sigma
                over = v > thr
                if over:
                    if st["over"] == 0:
                        st["over_start"] = start_ms
                    st["over"] += 1
                    st["under"] = 0
                else:
                    if st["under"] == 0:
                        st["under_start"] = start_ms
                    st["under"] += 1
                    st["over"] = 0
                    h.append(v)
                    del h[:-HISTORY]
                metric, direction = METRIC[s]
                rec = {"type": "alert", "alert": "baseline", "severity": "warning", "network": net,
                       "time_ms": end_ms, "metric": metric, "direction": direction, "value": v,
                       "mean": mean, "sigma": sigma, "threshold": thr,
                       "top": {"src_ip": _top(fig["src"]), "dst_ip": _top(fig["dst"])}}
                if st["state"] == "idle":
                    if st["over"] < NBINS:
                        continue
                    st["start"] = st["over_start"]
                    if st["last_end"] is not None and st["start"] < st["last_end"] + SUPPRESS_MS:
                        st["state"] = "suppressed"
                        counters["suppressed"] += 1
                        continue
                    st["state"] = "active"
                    counters["started"] += 1
                    counters["active"] += 1
                    recs.append(dict(rec, state="start", start_ms=st["start"]))
                    continue
                if st["under"] < NBINS:
                    if st["state"] == "active":
                        counters["updates"] += 1
                        recs.append(dict(rec, state="update", start_ms=st["start"]))
                    continue
                if st["state"] == "suppressed":
                    st["state"] = "idle"
                    continue
                st["state"] = "idle"
                st["last_end"] = st["under_start"]
                counters["ended"] += 1
                counters["active"] -= 1
                recs.append(dict(rec, state="end", start_ms=st["start"], end_ms=st["under_start"]))
    return recs, counters


def generate(outdir, seed=1):
    """Write alerts.pcap, alerts.networks.json (with the ignore list),
    alerts_noignore.networks.json and alerts.truth.json."""
    del seed  # the capture is fixed
    cap = Capture(ARGS)
    convs = [_conversations(cap, b) for b in range(BINS)]
    path = os.path.join(outdir, "alerts.pcap")
    from . import pcap
    pcap.write(path, cap.packets())
    truth = {"args": ARGS, "packets": len(cap.frames)}
    for name, ignore in (("alerts", IGNORE), ("alerts_noignore", [])):
        with open(os.path.join(outdir, name + ".networks.json"), "w") as f:
            json.dump({"networks": NETWORKS, "ignore": ignore}, f, indent=1)
            f.write("\n")
        recs, counters = model(figures(convs, ignore))
        truth[name] = {"networks": name + ".networks.json", "alerts": recs, "counters": counters}
    with open(os.path.join(outdir, "alerts.truth.json"), "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
        f.write("\n")
    return [path]
