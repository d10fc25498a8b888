"""flowzoo's command line: option and config errors name the offending item and
exit 2 before EAL starts; live mode on a net_pcap replay stops on SIGINT and on
--duration, flushes every flow (end reason shutdown) and writes the summary."""
import json
import os
import re
import signal
import subprocess
import tempfile
import time

from fzrun import FLOWZOO, NDPI, Checker, run_flowzoo, wait_started

PCAP = os.path.join(NDPI, "gnutella.pcap")


def err_of(args, tmp):
    p = subprocess.run([FLOWZOO] + args, capture_output=True, text=True, timeout=60, cwd=tmp)
    return p.returncode, p.stderr.strip().splitlines()[-1] if p.stderr.strip() else ""


def live_cmd(tmp, name, extra):
    return [FLOWZOO, "--no-huge", "-m", "512", "--no-shconf", "--no-pci", "--no-telemetry",
            "--file-prefix", "fzcli%d%s" % (os.getpid(), name), "-l", "0,1",
            "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1" % PCAP, "--",
            "--clock", "tsc", "--summary", os.path.join(tmp, name + ".json"),
            "--jsonl", os.path.join(tmp, name + ".jsonl"), "--flows-per-worker", "4096",
            "--log-file", os.path.join(tmp, name + ".log")] + extra


def cut_capture(src, dst, keep):
    """Copy src up to the middle of its record number keep (0-based); return
    (dst, keep): the frames before the cut are the readable ones."""
    with open(src, "rb") as f:
        data = f.read()
    off = 24
    for _ in range(keep):
        off += 16 + int.from_bytes(data[off + 8:off + 12], "little")
    with open(dst, "wb") as f:
        f.write(data[:off + 16 + 5])  # the record's header and 5 of its bytes
    return dst, keep


def wait_running(tmp, name):
    """Until the workers run (the log says so), then a little traffic: a signal
    that came before flowzoo set its handlers would just kill it."""
    wait_started(os.path.join(tmp, name + ".log"), 120)
    time.sleep(1.5)


LOSS_COUNTERS = ("ring_full", "imissed", "ierrors", "rx_nombuf", "missing_at_eof", "encode_errors")


def check_live(c, tmp, name, proc_rc):
    with open(os.path.join(tmp, name + ".json")) as f:
        s = json.load(f)
    # 0 when nothing was lost, 3 when the machine was too busy and the summary counts losses.
    lost = sum(s["drops"][k] for k in LOSS_COUNTERS)
    c.eq(3 if lost else 0, proc_rc, "%s: exit status (%d lost)" % (name, lost))
    with open(os.path.join(tmp, name + ".jsonl")) as f:
        recs = [r for r in map(json.loads, f) if r["type"] == "flow"]  # not the stats records
    c.eq(True, s["packets"] > 0, "%s: packets counted" % name)
    c.eq(len(recs), s["flows"], "%s: every record written" % name)
    # A record is exported or, when the ring to the stats loop stayed full, counted.
    ring_full = s["drops"]["ring_full"]
    c.eq(s["flows_created"], s["flows"] + ring_full, "%s: every flow exported or counted" % name)
    c.eq(s["flows_ended"]["shutdown"], sum(1 for r in recs if r["end_reason"] == "shutdown"),
         "%s: shutdown records all written" % name)
    c.eq(True, s["flows_ended"]["shutdown"] > 0, "%s: flows flushed at shutdown" % name)
    if ring_full == 0:
        in_flows = sum(r["packets"] for r in recs)
        not_flow = sum(v for k, v in s["drops"].items()
                       if k not in ("imissed", "ierrors", "rx_nombuf", "ring_full",
                                    "encode_errors"))
        c.eq(s["packets"] - not_flow, in_flows, "%s: every IP packet in a record" % name)
    else:
        print("%s: %d records dropped on a full ring (machine busy); packet sum not checked"
              % (name, ring_full))
    with open(os.path.join(tmp, name + ".log")) as f:
        log = f.read()
    c.eq(True, " flowzoo: done: " in log, "%s: log has the final line" % name)
    c.eq(True, log.startswith("20"), "%s: log lines start with a timestamp" % name)


def main():
    c = Checker()
    with tempfile.TemporaryDirectory() as tmp:
        cases = [
            (["--pcap", PCAP, "--bogus"], "flowzoo: '--bogus': unknown option (see --help)"),
            (["--pcap", PCAP, "--idle-timeout", "x"],
             "flowzoo: --idle-timeout: 'x' is not a number of seconds from 0 to 1000000000"),
            (["--pcap", PCAP, "--clock", "gps"],
             "flowzoo: --clock: 'gps' is not one of auto|pcap|tsc"),
            (["--pcap", PCAP, "--flows-per-worker", "0"],
             "flowzoo: --flows-per-worker: '0' is not an integer from 1 to 1073741824"),
            (["--pcap", PCAP, "--jsonl"], "flowzoo: --jsonl: option needs a value (PATH)"),
            (["--pcap", "/nonexistent.pcap"],
             "flowzoo: --pcap /nonexistent.pcap: /nonexistent.pcap: No such file or directory"),
            # Read without EAL, any path is a path; through net_pcap (--pcap-eal) it is
            # an EAL device argument.
            (["--pcap", "a,b.pcap"], "flowzoo: --pcap a,b.pcap: a,b.pcap: No such file or directory"),
            (["--pcap-eal", "--pcap", "a,b.pcap"],
             "flowzoo: --pcap a,b.pcap: the path may not contain ',', ';' or '=' (EAL device "
             "arguments); rename or link the file"),
            ([], "flowzoo: nothing to read: give EAL options and a port before '--', or --pcap "
                 "FILE (see --help)"),
        ]
        junk = os.path.join(tmp, "junk.pcap")
        with open(junk, "wb") as f:
            f.write(b"not a capture at all, just some bytes")
        cases.append((["--pcap", junk], "flowzoo: --pcap %s: unknown file format" % junk))
        cfg = os.path.join(tmp, "bad.json")
        with open(cfg, "w") as f:
            json.dump({"idle-timeout": 3, "idle-timeot": 4}, f)
        cases.append((["--config", cfg], "flowzoo: config %s: key 'idle-timeot': unknown key"
                      % cfg))
        cfg2 = os.path.join(tmp, "bad2.json")
        with open(cfg2, "w") as f:
            f.write('{"jsonl": ')
        cases.append((["--config", cfg2],
                      "flowzoo: config %s:1: unexpected token near end of file" % cfg2))
        for args, msg in cases:
            rc, last = err_of(args, tmp)
            c.eq(2, rc, "exit status of %s" % args)
            c.eq(msg, last, "message of %s" % args)

        # A good config file plus the command line: the command line wins.
        good = os.path.join(tmp, "good.json")
        with open(good, "w") as f:
            json.dump({"collector-id": "from-config", "idle-timeout": 1, "pcap": [PCAP]}, f)
        subprocess.run([FLOWZOO, "--config", good, "--collector-id", "from-cli", "--jsonl",
                        os.path.join(tmp, "cfg.jsonl"), "--progress", "off"], check=True,
                       capture_output=True, timeout=120)
        with open(os.path.join(tmp, "cfg.jsonl")) as f:
            first = json.loads(f.readline())
        c.eq("from-cli", first["collector"], "command line beats config")

                # A table too small for the capture: evictions raise one table_full alert,
        # written before the final stats record, with the exact count.
        recs, summ, _ = run_flowzoo([PCAP], tmp, ["--flows-per-worker", "64"], name="small")
        alerts = [r for r in recs if r["type"] == "alert"]
        ev = summ["flows_ended"]["evicted"]
        c.eq([("table_full", "warning", "evicted", ev, ev)],
             [(a["alert"], a["severity"], a["counter"], a["delta"], a["total"]) for a in alerts],
             "alerts of a full table")
        c.eq(1, summ["alerts"], "summary counts the alert")
        c.eq("stats", recs[-1]["type"], "the stats record comes last")

        # Offline end of capture: without the progress line nothing counts the
        # frames first and the worker sees the end itself; with it the capture is
        # counted for the percentage. The records are the same either way.
        recs_off, summ_off, _ = run_flowzoo([PCAP], tmp, [], name="eof_off")
        recs_on, summ_on, err_on = run_flowzoo([PCAP], tmp, ["--progress", "on"], name="eof_on")
        flows_off = [r for r in recs_off if r["type"] == "flow"]
        c.eq(flows_off, [r for r in recs_on if r["type"] == "flow"],
             "records with and without the progress line")
        c.eq(summ_off["packets"], summ_on["packets"], "packets with and without the progress line")
        c.eq(0, summ_off["drops"]["missing_at_eof"], "nothing missing at the end")
        # L7 on this capture with the shipped signatures: payloads scanned, and
        # payloads no signature can begin with (charged to the budget unscanned).
        c.eq((281, 1613), (summ_off["workers"][0]["l7_scanned"],
                           summ_off["workers"][0]["l7_skipped"]), "L7 scanned and skipped")
        lines = re.findall(r"\d+ packets \([\d.]+%\), \d+ flows", err_on)
        c.eq("%d packets (100.0%%), %d flows" % (summ_on["packets"], len(flows_off)),
             lines[-1] if lines else None, "final progress line")

        # A capture cut short inside a record: the frames before it are read,
        # the worker sees the end there by itself, nothing is counted missing;
        # with the progress line the count says how many frames are readable.
        # The cut record is a lost packet: net_pcap counts it in ierrors, the
        # log names the capture and the frames read, and the exit status is 3.
        cut, frames = cut_capture(PCAP, os.path.join(tmp, "cut.pcap"), 1000)
        for extra in ([], ["--progress", "on"]):
            _, summ_cut, err_cut = run_flowzoo([cut], tmp, extra, name="cut", expect_rc=3)
            c.eq(frames, summ_cut["packets"], "frames read from a cut capture %s" % extra)
            c.eq(0, summ_cut["drops"]["missing_at_eof"], "nothing missing, cut %s" % extra)
            c.eq(1, summ_cut["drops"]["ierrors"], "the cut record counted, %s" % extra)
            c.eq(True, "flowzoo: --pcap %s: the capture is truncated: %d frames read, then a "
                 "record cut short (counted in ierrors)" % (cut, frames) in err_cut,
                 "the log names the cut capture %s" % extra)
        c.eq(True, "(reading the first %d frames)" % frames in err_cut,
             "the count names the readable frames of a cut capture")

        # Live: --duration.
        p = subprocess.run(live_cmd(tmp, "dur", ["--duration", "2"]), capture_output=True,
                           text=True, timeout=120)
        check_live(c, tmp, "dur", p.returncode)
        # Live: SIGINT.
        p = subprocess.Popen(live_cmd(tmp, "int", []), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        wait_running(tmp, "int")
        p.send_signal(signal.SIGINT)
        check_live(c, tmp, "int", p.wait(timeout=60))
        # SIGTERM.
        p = subprocess.Popen(live_cmd(tmp, "term", []), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        wait_running(tmp, "term")
        p.send_signal(signal.SIGTERM)
        check_live(c, tmp, "term", p.wait(timeout=60))
    c.done()


if __name__ == "__main__":
    main()
