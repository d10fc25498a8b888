"""flowzoo --pcap on every nDPI capture: per file, the TCP and UDP flows (5-tuple
and VLAN) and their packet counts equal GROUND_TRUTH.tsv, and the IP-level bytes
equal tshark's; other IP flows are checked the same way; summary totals agree."""
import collections
import csv
import ipaddress
import os
import tempfile

from fzrun import NDPI, Checker, run_flowzoo


# Frames that are not flow packets: non-IP, and cut or malformed headers.
PARSE_DROPS = ("non_ip", "truncated_l2", "too_many_vlans", "truncated_ip", "bad_ip_version",
               "bad_ip_header_length", "bad_ip_total_length", "bad_ipv6_extension",
               "truncated_l4", "bad_tcp_header_length")


def norm(addr):
    return str(ipaddress.ip_address(addr))


def flow_key(proto, a, pa, b, pb, vlan):
    ends = sorted([(norm(a), int(pa)), (norm(b), int(pb))])
    return (int(proto), ends[0], ends[1], int(vlan or 0))


def load_truth():
    truth = collections.defaultdict(dict)
    with open(os.path.join(NDPI, "GROUND_TRUTH.tsv")) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            k = flow_key(row["proto"], row["src"], row["sport"], row["dst"], row["dport"],
                         row["vlan"])
            truth[row["file"]][k] = (int(row["packets"]), int(row["ts_ip_bytes"]))
    return truth


def main():
    c = Checker()
    truth = load_truth()
    with tempfile.TemporaryDirectory() as tmp:
        for name in sorted(truth):
            recs, summ, _ = run_flowzoo([os.path.join(NDPI, name)], tmp,
                                        ["--flows-per-worker", "65536"], name=name)
            got = collections.defaultdict(lambda: [0, 0])
            recs = [r for r in recs if r["type"] == "flow"]  # not the stats records
            for r in recs:
                # Flows split by a timeout count together: the truth has one row per key.
                # nDPI names the innermost VLAN of a QinQ frame.
                k = flow_key(r["ip_proto"], r["src_ip"], r["src_port"], r["dst_ip"],
                             r["dst_port"], r["vlan_inner"] or r["vlan"])
                got[k][0] += r["packets"]
                got[k][1] += r["bytes"]
            want = truth[name]
            tcpudp = lambda ks: sorted(k for k in ks if k[0] in (6, 17))
            c.eq(tcpudp(want), tcpudp(got), "%s: TCP/UDP flow keys" % name)
            other = lambda ks: sorted(k for k in ks if k[0] not in (6, 17))
            c.eq(other(want), other(got), "%s: other IP flow keys" % name)
            for k in sorted(set(want) & set(got)):
                c.eq(want[k][0], got[k][0], "%s %s: packets" % (name, k))
                c.eq(want[k][1], got[k][1], "%s %s: IP bytes" % (name, k))
            parse_drops = sum(v for k, v in summ["drops"].items() if k in PARSE_DROPS)
            c.eq(sum(v[0] for v in want.values()), summ["packets"] - parse_drops,
                 "%s: summary packets in flows" % name)
            c.eq(len(recs), summ["flows"], "%s: summary flows" % name)
            c.eq(0, summ["drops"]["missing_at_eof"], "%s: frames not delivered" % name)
    c.done()


if __name__ == "__main__":
    main()
