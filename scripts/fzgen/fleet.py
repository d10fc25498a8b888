"""The captures of the fleet test (issue 21, docs/fleet.md): two appliances,
A and B, see network lan (10.1.0.0/16) on two links; dmz (192.0.2.0/24) is
quiet. Bins of 10 s, the settings, networks and model of `alerts.py`.

Each appliance alternates from bin to bin between three big conversations
(from outside into lan, two datagrams in and a reply out each) and one small
one, A and B in opposite phase: each appliance's series swing widely, the
merged series are flat. In bins 14-16 each appliance also sees one extra
conversation (two datagrams in, no reply): far under each appliance's own
threshold (mean + 3 sigma of a wide swing), far above the flat merged one.
So the appliances write no baseline alert and zooagg writes one start, one
update and one end for each of flows, packets in and bytes in of lan.

The truth holds the expected fleet alert records (alerts.model over the
merged figures) and checks that each appliance alone has none.
"""
import json
import os

from . import alerts
from . import packet as P
from .capture import Capture, Flow

SPIKE = (14, 15, 16)


def _conversations(cap, who, b):
    out = []
    big = (b % 2 == 0) == (who == "A")
    host = "10.1.0.%d" if who == "A" else "10.1.1.%d"
    ext = "203.0.113.%d" if who == "A" else "198.51.100.%d"
    for i in range(3 if big else 1):
        a, z = ext % (10 + i), host % (5 + i)
        f = Flow(cap, a, z, P.PROTO_UDP, 20000 + 10 * b + i, 9000, (), None)
        cap.flows.append(f)
        size = (1000 if big else 200) + 10 * i
        t = b * alerts.S + 1.0 + i
        f.udp(t, True, b"x" * size)
        f.udp(t + 0.1, True, b"y" * size)
        f.udp(t + 0.2, False, b"z" * 100)
        f.end("idle")
        out.append((a, z, f))
    if b in SPIKE:
        a, z = ext % 99, host % 99
        f = Flow(cap, a, z, P.PROTO_UDP, 30000 + b, 9001, (), None)
        cap.flows.append(f)
        f.udp(b * alerts.S + 5.0, True, b"s" * 1000)
        f.udp(b * alerts.S + 5.1, True, b"s" * 1000)
        f.end("idle")
        out.append((a, z, f))
    return out


def _merge(fa, fb):
    out = []
    for x, y in zip(fa, fb):
        nets = {}
        for net in x:
            s = {k: x[net]["series"][k] + y[net]["series"][k] for k in alerts.SERIES}
            tops = {}
            for key in ("src", "dst"):
                d = {h: list(v) for h, v in x[net][key].items()}
                for h, v in y[net][key].items():
                    e = d.setdefault(h, [0, 0, 0])
                    for i in range(3):
                        e[i] += v[i]
                tops[key] = d
            nets[net] = {"series": s, "src": tops["src"], "dst": tops["dst"]}
        out.append(nets)
    return out


def generate(outdir, seed=1):
    """Write fleet_a.pcap, fleet_b.pcap, fleet.networks.json and fleet.truth.json."""
    del seed  # the captures are fixed
    figs, paths, truth = {}, [], {"args": alerts.ARGS, "packets": {}}
    from . import pcap
    for who in ("A", "B"):
        cap = Capture(alerts.ARGS)
        convs = [_conversations(cap, who, b) for b in range(alerts.BINS)]
        name = "fleet_%s" % who.lower()
        path = os.path.join(outdir, name + ".pcap")
        pcap.write(path, cap.packets())
        paths.append(path)
        truth["packets"][name] = len(cap.frames)
        figs[who] = alerts.figures(convs, [])
        own, _ = alerts.model(figs[who])
        if own:
            raise AssertionError("appliance %s alone would alert: %r" % (who, own[0]))
    recs, counters = alerts.model(_merge(figs["A"], figs["B"]))
    truth["alerts"], truth["counters"] = recs, counters
    truth["bins"] = alerts.BINS
    with open(os.path.join(outdir, "fleet.networks.json"), "w") as f:
        json.dump({"networks": alerts.NETWORKS}, f, indent=1)
        f.write("\n")
    with open(os.path.join(outdir, "fleet.truth.json"), "w") as f:
        json.dump(truth, f, indent=1, sort_keys=True)
        f.write("\n")
    return paths
