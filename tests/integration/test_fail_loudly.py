#!/usr/bin/env python3
"""Runs that lose records, or are stopped early, say so where a supervisor or a
script sees it (issue 15, first table): the exit status (0 clean, 2 usage,
3 finished but lost records), an error line at once, an alert, and the
summary and every produced record written in every case.

- --stats-lcore on an lcore EAL does not run: exit 2 before anything starts;
- --jsonl /dev/full: an error line, a records_lost alert, the loss counted
  in the summary, exit 3;
- --jsonl - | head -1: no death by SIGPIPE; the summary is written, exit 3;
- --kafka 127.0.0.1:1 without a spool: the records dropped are counted and
  said, librdkafka's lines are stamped lines of the log, exit 3;
- no exporter at all: the log says the records are only counted;
- SIGHUP to a live run: the log and JSON-lines files are reopened (logrotate),
  the run goes on and ends normally;
- SIGINT in the first moments of an offline run with --progress on: the same
  clean stop as later (summary, final line, records of every flow).
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fzrun import FLOWZOO, NDPI, Checker, wait_started  # noqa: E402

SSH = os.path.join(NDPI, "ssh.pcap")
GNUTELLA = os.path.join(NDPI, "gnutella.pcap")
ALL = sorted(os.path.join(NDPI, f) for f in os.listdir(NDPI) if f.endswith(".pcap"))


def pcap_args(files):
    args = []
    for f in files:
        args += ["--pcap", f]
    return args


def load(path):
    with open(path) as f:
        return json.load(f)


def lines(path):
    with open(path) as f:
        return [json.loads(x) for x in f if x.strip()]


def stats_lcore(c, tmp):
    summ = os.path.join(tmp, "sl.json")
    p = subprocess.run([FLOWZOO, "--pcap", SSH, "--jsonl", os.path.join(tmp, "sl.jsonl"),
                        "--stats-lcore", "7", "--summary", summ, "--progress", "off"],
                       capture_output=True, text=True, timeout=60)
    c.eq(2, p.returncode, "--stats-lcore 7: exit status")
    last = p.stderr.strip().splitlines()[-1]
    c.eq("flowzoo: --stats-lcore 7: lcore 7 is not enabled (EAL runs 2 lcores; give one of "
         "those, or leave --stats-lcore out to use the main lcore)",
         last[last.find("flowzoo: "):], "--stats-lcore 7: message")
    c.eq(False, os.path.exists(summ), "--stats-lcore 7: nothing ran, no summary")
    # Live, where --duration used to be ignored because the loop never ran.
    cmd = live_cmd(tmp, "sl5", ["--stats-lcore", "5", "--duration", "3"])
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
    c.eq(2, p.returncode, "live --stats-lcore 5: exit status")
    with open(os.path.join(tmp, "sl5.log")) as f:
        last = f.read().strip().splitlines()[-1]
    c.eq("flowzoo: --stats-lcore 5: lcore 5 is not enabled (EAL runs 2 lcores; give one of "
         "those, or leave --stats-lcore out to use the main lcore)",
         last[last.find("flowzoo: "):], "live --stats-lcore 5: message")


def dev_full(c, tmp):
    summ = os.path.join(tmp, "full.json")
    p = subprocess.run([FLOWZOO, "--pcap", SSH, "--jsonl", "/dev/full", "--summary", summ,
                        "--progress", "off"], capture_output=True, text=True, timeout=60)
    c.eq(3, p.returncode, "/dev/full: exit status")
    err = p.stderr
    # The lines wait in a 1 MiB buffer: the flush (every second, and at the end) fails.
    c.eq(True, "flowzoo: jsonl /dev/full: flush failed: No space left on device; records are "
         "lost from here on (counted as lost)" in err, "/dev/full: the error line")
    c.eq(True, "flowzoo: alert records_lost (error): an exporter lost records" in err,
         "/dev/full: the alert")
    s = load(summ)
    # 5 flow records and the stats record: all lost (the alert record too).
    c.eq(5, s["flows"], "/dev/full: flows")
    c.eq({"path": "/dev/full", "flows": 0, "stats": 0, "alerts": 0, "write_errors": 1,
          "lost": 7}, s["jsonl"], "/dev/full: the exporter's counters")
    c.eq(1, s["alerts"], "/dev/full: one alert")
    c.eq(True, "records or packets LOST" in err.strip().splitlines()[-1],
         "/dev/full: the last line says records were lost")


def kafka_unreachable(c, tmp):
    """No broker and no spool: the records are dropped, counted, said, and the status is 3;
    librdkafka's own complaints are stamped lines of the appliance's log."""
    summ = os.path.join(tmp, "kafka.json")
    log = os.path.join(tmp, "kafka.log")
    p = subprocess.run([FLOWZOO, "--pcap", SSH, "--kafka", "127.0.0.1:1",
                        "--kafka-flush-timeout", "1", "--summary", summ, "--progress", "off",
                        "--log-file", log], capture_output=True, text=True, timeout=60)
    c.eq(3, p.returncode, "kafka unreachable: exit status")
    s = load(summ)
    c.eq(7, s["kafka"]["dropped"], "kafka unreachable: 5 flows, the stats record and an alert "
         "dropped")
    with open(log) as f:
        text = f.read().splitlines()
    c.eq(True, any("flowzoo: kafka: " in x and "Connection refused" in x and x.startswith("20")
                   for x in text), "kafka unreachable: librdkafka's line, stamped, in the log")
    c.eq(True, any("kafka: 7 records dropped" in x for x in text),
         "kafka unreachable: the drops said at exit")
    c.eq(True, "records or packets LOST" in text[-1], "kafka unreachable: the last line")


def no_exporter(c, tmp):
    p = subprocess.run([FLOWZOO, "--pcap", SSH, "--progress", "off"], capture_output=True,
                       text=True, timeout=60)
    c.eq(0, p.returncode, "no exporter: exit status")
    c.eq(True, "no exporter (--jsonl, --kafka, --ipfix): flow records are counted in the summary, and "
         "not written anywhere" in p.stderr, "no exporter: said")


def broken_pipe(c, tmp):
    summ = os.path.join(tmp, "pipe.json")
    log = os.path.join(tmp, "pipe.log")
    p = subprocess.Popen([FLOWZOO] + pcap_args(ALL) +
                         ["--jsonl", "-", "--summary", summ, "--progress", "off",
                          "--log-file", log], stdout=subprocess.PIPE)
    first = p.stdout.readline()
    p.stdout.close()  # like head -1
    rc = p.wait(timeout=120)
    c.eq(True, first.startswith(b'{"type":"flow"'), "pipe: the reader got a record")
    c.eq(3, rc, "pipe: exit status (not killed by SIGPIPE)")
    s = load(summ)
    c.eq(1, s["jsonl"]["write_errors"], "pipe: the write error counted")
    c.eq(True, s["jsonl"]["lost"] > 0, "pipe: the lost records counted")
    c.eq(s["flows"] + 1 + s["alerts"], s["jsonl"]["flows"] + s["jsonl"]["stats"] + s["jsonl"]["alerts"] +
         s["jsonl"]["lost"], "pipe: every record (flows, stats, alert) written or counted lost")
    with open(log) as f:
        text = f.read()
    c.eq(True, "flowzoo: jsonl -: write failed: Broken pipe" in text or
         "flowzoo: jsonl -: flush failed: Broken pipe" in text, "pipe: the error line")
    c.eq(True, " flowzoo: done: " in text, "pipe: the final line")


def live_cmd(tmp, name, extra):
    return [FLOWZOO, "--no-huge", "-m", "512", "--no-shconf", "--no-pci", "--no-telemetry",
            "--file-prefix", "fzloud%d%s" % (os.getpid(), name), "-l", "0,1",
            "--vdev", "net_pcap0,rx_pcap=%s,infinite_rx=1" % GNUTELLA, "--",
            "--clock", "tsc", "--summary", os.path.join(tmp, name + ".json"),
            "--jsonl", os.path.join(tmp, name + ".jsonl"), "--flows-per-worker", "4096",
            "--idle-timeout", "0.2", "--status-interval", "0.5",
            "--log-file", os.path.join(tmp, name + ".log")] + extra


def sighup(c, tmp):
    name = "hup"
    log, jsonl = os.path.join(tmp, name + ".log"), os.path.join(tmp, name + ".jsonl")
    p = subprocess.Popen(live_cmd(tmp, name, []), stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    c.eq(True, wait_started(log, 120), "hup: started")
    time.sleep(1.5)
    os.rename(log, log + ".1")
    os.rename(jsonl, jsonl + ".1")
    p.send_signal(signal.SIGHUP)
    time.sleep(1.5)
    c.eq(None, p.poll(), "hup: still running after SIGHUP")
    p.send_signal(signal.SIGINT)
    rc = p.wait(timeout=60)
    s = load(os.path.join(tmp, name + ".json"))
    lost = sum(s["drops"][k] for k in ("ring_full", "imissed", "ierrors", "rx_nombuf"))
    c.eq(3 if lost else 0, rc, "hup: exit status")
    with open(log) as f:
        new_log = f.read()
    c.eq(True, "SIGHUP: log and output files reopened" in new_log, "hup: the new log says so")
    c.eq(True, " flowzoo: done: " in new_log, "hup: the final line in the new log")
    before, after = lines(jsonl + ".1"), lines(jsonl)
    flows = [r for r in before + after if r["type"] == "flow"]
    c.eq(True, len([r for r in after if r["type"] == "flow"]) > 0, "hup: records in the new file")
    c.eq(s["flows"], len(flows), "hup: every record in one file or the other")


def early_sigint(c, tmp):
    summ = os.path.join(tmp, "early.json")
    jsonl = os.path.join(tmp, "early.jsonl")
    p = subprocess.Popen([FLOWZOO] + pcap_args(ALL) +
                         ["--jsonl", jsonl, "--summary", summ, "--progress", "on"],
                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(0.15)
    p.send_signal(signal.SIGINT)
    _, err = p.communicate(timeout=120)
    c.eq(0, p.returncode, "early SIGINT: exit status")
    s = load(summ)
    recs = [r for r in lines(jsonl) if r["type"] == "flow"]
    c.eq(s["flows"], len(recs), "early SIGINT: every record written")
    c.eq(s["flows_created"], s["flows"], "early SIGINT: every flow exported")
    c.eq(True, "flowzoo: done: " in err, "early SIGINT: the final line")


def table_apart(c, tmp):
    """--progress on, not on a terminal: the zoo table, every --stats-interval and at the
    end, starts on a line of its own, also while the progress line is being drawn."""
    p = subprocess.run(live_cmd(tmp, "table", ["--progress", "on", "--stats-interval", "0.1",
                                               "--duration", "1.5"]),
                       capture_output=True, text=True, timeout=60)
    lines = p.stderr.replace("\r", "\n").splitlines()
    header = [x for x in lines if x.startswith("app ") and "flows" in x]
    c.eq(True, len(header) >= 5, "table: shown every interval (%d)" % len(header))
    c.eq([], [x for x in lines if "Mpps" in x and "flows " in x and "eleph" in x],
         "table: not glued to the progress line")


def main():
    c = Checker()
    with tempfile.TemporaryDirectory() as tmp:
        stats_lcore(c, tmp)
        dev_full(c, tmp)
        broken_pipe(c, tmp)
        if os.path.exists(os.path.join(os.path.dirname(FLOWZOO), "..", "tests", "kafka",
                                       "mock_cluster")):  # built with librdkafka
            kafka_unreachable(c, tmp)
        no_exporter(c, tmp)
        table_apart(c, tmp)
        early_sigint(c, tmp)
        sighup(c, tmp)
    c.done()


if __name__ == "__main__":
    main()
