#!/usr/bin/env python3
"""Tests of scripts/fzgen.py: the same seed gives the same bytes, and every
truth file agrees with the capture beside it (re-read independently; for
the traffic captures also packets and bytes in and out per network and
bin)."""
import glob
import hashlib
import json
import os
import subprocess
import sys
import ipaddress
import struct
import tempfile

SRC = os.environ.get("FZ_SRC", os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GEN = os.path.join(SRC, "scripts", "fzgen.py")
SMALL_BENCH = ["--flows", "300", "--packets-per-flow", "4", "--flood-packets", "2000"]
failures = []

# --- an independent reader: shares no code with scripts/fzgen ---------------
def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    magic, vmaj, vmin, _, _, _, link = struct.unpack_from("<IHHiIII", data, 0)
    assert (magic, vmaj, vmin, link) == (0xA1B2C3D4, 2, 4, 1), "%s: bad pcap header" % path
    off, out = 24, []
    while off < len(data):
        sec, usec, incl, orig = struct.unpack_from("<IIII", data, off)
        off += 16
        assert off + incl <= len(data), "%s: truncated record" % path
        out.append((sec * 1000000 + usec, data[off:off + incl], orig))
        off += incl
    return out


FRAG_TIMEOUT_US = 30000000  # docs/parser.md: a first fragment is remembered 30 s


def _link(frame):
    """(vlans, ethertype, offset of the IP header) or None for a frame that
    carries no IP packet or is malformed at the link layer."""
    if len(frame) < 14:
        return None
    off, vlans = 12, []
    etype = struct.unpack_from("!H", frame, off)[0]
    while etype in (0x8100, 0x88A8, 0x9100):
        if len(frame) < off + 6 or len(vlans) == 2:
            return None
        vlans.append(struct.unpack_from("!H", frame, off + 2)[0] & 0xFFF)
        off += 4
        etype = struct.unpack_from("!H", frame, off)[0]
    off += 2
    if etype == 0x8864:  # PPPoE session: 6-byte header, 2-byte PPP protocol
        if len(frame) < off + 8:
            return None
        ppp = struct.unpack_from("!H", frame, off + 6)[0]
        etype = {0x0021: 0x0800, 0x0057: 0x86DD}.get(ppp)
        off += 8
    elif etype == 0x8847:  # MPLS: labels until the bottom-of-stack bit
        while True:
            if len(frame) < off + 4:
                return None
            bos = frame[off + 2] & 1
            off += 4
            if bos:
                break
        if len(frame) <= off:
            return None
        etype = {4: 0x0800, 6: 0x86DD}.get(frame[off] >> 4)
    if etype not in (0x0800, 0x86DD):
        return None
    return vlans + [0, 0], etype, off


def parse(frame, first_frags, ts=0):
    """Return (key, ip_len, tcp_flags) of a flow packet, or None for a frame
    that is not one. key = (vlan, vlan_inner, proto, ip_version, (addr, port),
    (addr, port)) with the sender first. first_frags maps (src, dst, proto,
    id) of first fragments seen to (ports, time). The frame may be cut by a
    snap length: lengths come from the IP header."""
    link = _link(frame)
    if link is None:
        return None
    vlans, etype, off = link
    frag_first = frag_later = False
    ident = None
    if etype == 0x0800:
        if len(frame) < off + 20 or frame[off] >> 4 != 4:
            return None
        ihl = (frame[off] & 15) * 4
        total = struct.unpack_from("!H", frame, off + 2)[0]
        if total == 0:  # segmentation offload on the capturing sender: what was captured
            total = len(frame) - off
        if ihl < 20 or total < ihl or len(frame) < off + ihl:
            return None
        ident, fl = struct.unpack_from("!HH", frame, off + 4)
        frag_later = (fl & 0x1FFF) != 0
        frag_first = not frag_later and (fl & 0x2000) != 0
        proto = frame[off + 9]
        src = str(ipaddress.IPv4Address(frame[off + 12:off + 16]))
        dst = str(ipaddress.IPv4Address(frame[off + 16:off + 20]))
        ip_len, ver, l4, end = total, 4, off + ihl, off + total
    else:
        if len(frame) < off + 40 or frame[off] >> 4 != 6:
            return None
        plen = struct.unpack_from("!H", frame, off + 4)[0]
        if plen == 0 and frame[off + 6] != 59:  # segmentation offload, as for IPv4
            plen = len(frame) - off - 40
        proto = frame[off + 6]
        src = str(ipaddress.IPv6Address(frame[off + 8:off + 24]))
        dst = str(ipaddress.IPv6Address(frame[off + 24:off + 40]))
        ip_len, ver, l4, end = 40 + plen, 6, off + 40, off + 40 + plen
        seen_frag, first = False, True
        while proto in (0, 43, 44, 60):
            if proto == 0 and not first:
                return None
            size = 8 if proto == 44 else None
            if len(frame) < l4 + 8 or l4 + 8 > end:
                return None
            if size is None:
                size = (frame[l4 + 1] + 1) * 8
            if l4 + size > end or l4 + size > len(frame):
                return None
            if proto == 44:
                if seen_frag:
                    return None
                seen_frag = True
                fo, ident = struct.unpack_from("!HI", frame, l4 + 2)
                frag_later = (fo & 0xFFF8) != 0
                frag_first = not frag_later and (fo & 1) != 0
            proto, l4, first = frame[l4], l4 + size, False
            if frag_later:
                break  # the rest is data: the headers are in the first fragment
    ports, flags = (0, 0), 0
    # IPv6 fragments are matched without the protocol: a later fragment
    # names the first header of the fragmentable part, not the L4 protocol.
    fkey = (src, dst, proto if ver == 4 else None, ident, tuple(vlans))
    frag = "first" if frag_first else None
    if frag_later:
        seen = first_frags.get(fkey)
        frag = "unmatched"
        if seen is not None and ts - seen[1] <= FRAG_TIMEOUT_US:
            ports, frag, proto = seen[0], "later", seen[2]
    elif proto in (6, 17, 136, 1, 58):
        need = {6: 20, 17: 8, 136: 8, 1: 4, 58: 4}[proto]
        if min(end, len(frame)) < l4 + need:
            return None
        if proto in (6, 17, 136):
            ports = struct.unpack_from("!HH", frame, l4)
        if proto == 6:
            doff = frame[l4 + 12] >> 4
            if doff < 5 or l4 + doff * 4 > min(end, len(frame)):
                return None
            flags = frame[l4 + 13]
        if frag_first:
            first_frags[fkey] = (ports, ts, proto)
    return ((vlans[0], vlans[1], proto, ver, (src, ports[0]), (dst, ports[1])), ip_len, flags, frag)


def flow_key(rec):
    return (rec["vlan"], rec["vlan_inner"], rec["ip_proto"], rec["ip_version"],
            (rec["src_ip"], rec["src_port"]), (rec["dst_ip"], rec["dst_port"]))


def canonical(key):
    return key[:4] + tuple(sorted(key[4:]))


# --- the checks ----------------------------------------------------------------


def fail(msg):
    failures.append(msg)
    print("FAIL:", msg)


def gen(kind, outdir, seed, extra=()):
    cmd = [sys.executable, GEN, kind, outdir, "--seed", str(seed)] + list(extra)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    if r.returncode != 0:
        fail("%s exited %d: %s" % (" ".join(cmd), r.returncode, r.stderr.strip()[-2000:]))
    return r.returncode == 0


def digests(outdir):
    out = {}
    for p in sorted(glob.glob(os.path.join(outdir, "**"), recursive=True)):
        if os.path.isfile(p):
            with open(p, "rb") as f:
                out[os.path.relpath(p, outdir)] = hashlib.sha256(f.read()).hexdigest()
    return out


def check_determinism(kind, tmp, extra=()):
    a, b, c = (os.path.join(tmp, "%s-%s" % (kind, x)) for x in "abc")
    if not (gen(kind, a, 7, extra) and gen(kind, b, 7, extra) and gen(kind, c, 8, extra)):
        return
    da, db, dc = digests(a), digests(b), digests(c)
    if not da:
        fail("%s: no files written" % kind)
    if da != db:
        fail("%s: seed 7 twice gave different files: %s" %
             (kind, sorted(k for k in set(da) | set(db) if da.get(k) != db.get(k))))
    if sorted(da) != sorted(dc):
        fail("%s: seed 8 wrote other file names" % kind)
    if all(da[k] == dc.get(k) for k in da):
        fail("%s: seed 7 and seed 8 gave identical files" % kind)
    print("%s: %d files, deterministic" % (kind, len(da)))


def check_truth(pcap_path):
    """Recount the capture and compare with its truth file."""
    name = os.path.basename(pcap_path)
    with open(pcap_path[:-len(".pcap")] + ".truth.json") as f:
        truth = json.load(f)
    frames = read_pcap(pcap_path)
    if truth["packets"] != len(frames):
        fail("%s: truth packets %d, capture has %d" % (name, truth["packets"], len(frames)))
    first_frags, per_key, not_flow = {}, {}, 0
    frags = {"fragments": 0, "fragments_unmatched": 0}
    t_min = min(ts for ts, _, _ in frames) // 1000
    t_max = max(ts for ts, _, _ in frames) // 1000
    for ts, frame, _ in frames:
        p = parse(frame, first_frags, ts)
        if p is None:
            not_flow += 1
            continue
        key, ip_len, flags, frag = p
        if frag is not None:
            frags["fragments"] += 1
            frags["fragments_unmatched"] += frag == "unmatched"
        c = per_key.get(canonical(key))
        if c is None:
            c = per_key[canonical(key)] = {"packets": 0, "bytes": 0, "first": ts, "last": ts, "gap": 0,
                                           "fin_from": set(), "closed_at": None, "after_close": 0}
        c["packets"] += 1
        c["bytes"] += ip_len
        c["gap"] = max(c["gap"], ts - c["last"])
        c["last"] = ts
        if c["closed_at"] is not None:
            c["after_close"] = ts - c["closed_at"]
        if flags & 0x01:
            c["fin_from"].add(key[4])
        if c["closed_at"] is None and (len(c["fin_from"]) == 2 or flags & 0x04):
            c["closed_at"] = ts
    if not isinstance(truth.get("flows"), list):
        # A flow count without records claims one record per key under the
        # default timeouts: no gap of 15 s, no flow of 1800 s, and nothing
        # later than 1 s after a TCP close (the linger).
        n = truth.get("flow_count")
        if n is not None and n != len(per_key):
            fail("%s: truth flow_count %d, capture has %d distinct keys" % (name, n, len(per_key)))
        for k, c in per_key.items():
            if c["gap"] > 15000000 or c["last"] - c["first"] >= 1800000000 or c["after_close"] > 1000000:
                fail("%s: key %s would not be one record: largest gap %d us, duration %d us, "
                     "last packet %d us after its close" % (name, k, c["gap"], c["last"] - c["first"],
                                                             c["after_close"]))
                break
        if truth.get("packets") != sum(c["packets"] for c in per_key.values()) + not_flow:
            fail("%s: packets do not add up" % name)
        total = sum(c["bytes"] for c in per_key.values())
        if "bytes" in truth and truth["bytes"] != total:
            fail("%s: truth bytes %d, capture %d" % (name, truth["bytes"], total))
        if not_flow != sum(truth["drops"].values()):
            fail("%s: %d frames are not flow packets, truth drops %s" % (name, not_flow, truth["drops"]))
        return
    if not_flow != sum(truth["drops"].values()):
        fail("%s: %d frames are not flow packets, truth drops %s" % (name, not_flow, truth["drops"]))
    if "counters" in truth and truth["counters"] != frags:
        fail("%s: truth counters %s, capture %s" % (name, truth["counters"], frags))
    want = {}
    for r in truth["flows"]:
        if not (t_min <= r["first_ms"] <= r["last_ms"] <= t_max):
            fail("%s: record times outside the capture: %s" % (name, r))
        if r["end_reason"] not in ("idle", "active", "tcp_end", "evicted", "eof"):
            fail("%s: bad end_reason in %s" % (name, r))
        c = want.setdefault(canonical(flow_key(r)), [0, 0])
        c[0] += r["packets_fwd"] + r["packets_rev"]
        c[1] += r["bytes_fwd"] + r["bytes_rev"]
    have = {k: [c["packets"], c["bytes"]] for k, c in per_key.items()}
    for k in sorted(set(want) | set(have), key=str):
        if want.get(k) != have.get(k):
            fail("%s: key %s: truth (packets, bytes) %s, capture %s" % (name, k, want.get(k), have.get(k)))


def check_traffic_bins(pcap_path):
    """Recount packets and bytes in and out per network and bin from the
    capture, with a lookup of its own, and compare with the truth's traffic
    records (flows, apps and top lists are test_traffic.py's to check)."""
    name = os.path.basename(pcap_path)
    base = pcap_path[:-len(".pcap")]
    with open(base + ".truth.json") as f:
        truth = json.load(f)
    with open(base + ".networks.json") as f:
        nets = [(ipaddress.ip_network(p), n["name"]) for n in json.load(f)["networks"] for p in n["prefixes"]]

    def net_of(a):
        a = ipaddress.ip_address(a)
        hits = sorted((n.prefixlen, name) for n, name in nets if n.version == a.version and a in n)
        return hits[-1][1] if hits else None

    span = truth["traffic_interval"] * 1000000
    count, bins = {}, set()
    for ts, frame, _ in read_pcap(pcap_path):
        bins.add(ts // span)
        p = parse(frame, {}, ts)
        if p is None:
            continue
        (_, _, _, _, (src, _), (dst, _)), ip_len = p[0], p[1]
        for net, d in ((net_of(dst), "in"), (net_of(src), "out")):
            if net is not None:
                c = count.setdefault((net, ts // span), {"in": [0, 0], "out": [0, 0]})[d]
                c[0] += 1
                c[1] += ip_len
    names = {n for _, n in nets}
    want_keys = {(n, b) for n in names for b in range(min(bins), max(bins) + 1)}
    have_keys = {(r["network"], r["bin_start_ms"] * 1000 // span) for r in truth["traffic"]}
    if want_keys != have_keys or len(truth["traffic"]) != len(want_keys):
        fail("%s: traffic records are not one per network and bin from the first packet's bin to the last's" % name)
    for r in truth["traffic"]:
        c = count.get((r["network"], r["bin_start_ms"] * 1000 // span), {"in": [0, 0], "out": [0, 0]})
        have = [c["in"][0], c["in"][1], c["out"][0], c["out"][1]]
        want = [r["packets_in"], r["bytes_in"], r["packets_out"], r["bytes_out"]]
        if want != have:
            fail("%s: %s bin %d: truth packets/bytes in/out %s, capture %s" %
                 (name, r["network"], r["bin_start_ms"], want, have))


def main():
    with tempfile.TemporaryDirectory(prefix="fzgen-test-") as tmp:
        check_determinism("scenarios", tmp)
        check_determinism("l7", tmp)
        check_determinism("bench", tmp, SMALL_BENCH)
        check_determinism("traffic", tmp)
        for p in sorted(glob.glob(os.path.join(tmp, "traffic-a", "*.pcap"))):
            check_traffic_bins(p)
            print("checked traffic bins of %s" % os.path.basename(p))
        for kind in ("scenarios", "l7", "bench", "traffic"):
            for p in sorted(glob.glob(os.path.join(tmp, kind + "-a", "*.pcap"))):
                check_truth(p)
                print("checked truth of %s/%s" % (kind, os.path.basename(p)))
    if failures:
        print("%d failure(s)" % len(failures))
        return 1
    print("all generator checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
