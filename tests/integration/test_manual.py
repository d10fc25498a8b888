#!/usr/bin/env python3
"""One option table, many outputs (issue 24):
- `flowzoo --help-man` and `zooctl --help-man` equal docs/man/*.8 and the pages meson
  builds to install; `--help-markdown` equals docs/flowzoo-options.md and
  docs/zooctl-options.md (scripts/gen-docs.sh rewrites them);
- `man --warnings -l` and `groff -ww` render each page without a warning; meson installs
  both in man8;
- --help lists exactly the options of the Markdown reference (same table);
- the exit-status tables of docs/operator-guide.md and docs/zooctl.md are the generated ones,
  and every option a table row of docs/*.md names exists (zooctl's pages: in zooctl);
- every option but --config is a config-file key (from the same table);
- each exit status is provoked once: flowzoo 0, 1, 2, 3 and zooctl 0, 1, 2."""
import glob
import json
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(__file__))
from fzrun import BUILD, FLOWZOO, NDPI, SRC, Checker  # noqa: E402

ZOOCTL = os.path.join(BUILD, "app", "zooctl")
ZOOAGG = os.path.join(BUILD, "app", "zooagg")  # built with the Kafka feature
PROGS = {"flowzoo": FLOWZOO, "zooctl": ZOOCTL}
if os.path.exists(ZOOAGG):
    PROGS["zooagg"] = ZOOAGG
SSH = os.path.join(NDPI, "ssh.pcap")


def out(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout


def read(path):
    with open(path) as f:
        return f.read()


def status_table(markdown):
    start = markdown.index("## Exit status\n\n") + len("## Exit status\n\n")
    return markdown[start:markdown.index("\n## See also")]


def main():
    c = Checker()
    for name, exe in PROGS.items():
        man = out([exe, "--help-man"])
        md = out([exe, "--help-markdown"])
        c.eq(read(os.path.join(SRC, "docs", "man", name + ".8")), man,
             "%s --help-man equals docs/man/%s.8 (run scripts/gen-docs.sh)" % (name, name))
        c.eq(read(os.path.join(BUILD, "app", name + ".8")), man,
             "%s: the page meson installs" % name)
        c.eq(read(os.path.join(SRC, "docs", name + "-options.md")), md,
             "%s --help-markdown equals docs/%s-options.md (run scripts/gen-docs.sh)"
             % (name, name))
        page = os.path.join(SRC, "docs", "man", name + ".8")
        env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
        r = subprocess.run(["man", "--warnings", "-l", page], capture_output=True, text=True,
                           env=env, timeout=60)
        c.eq((0, ""), (r.returncode, r.stderr), "man --warnings -l %s" % page)
        c.eq(True, ("%s - " % name) in r.stdout, "%s: man renders the NAME line" % name)
        r = subprocess.run(["groff", "-man", "-ww", "-z", page], capture_output=True,
                           text=True, timeout=60)
        c.eq((0, ""), (r.returncode, r.stderr), "groff -ww %s" % page)
        # --help and the reference list the same options, in the same order.
        help_opts = re.findall(r"^  (--[a-z0-9-]+)", out([exe, "--help"]), re.M)
        md_opts = re.findall(r"^\| `(--[a-z0-9-]+)", md, re.M)
        c.eq(md_opts, help_opts, "%s: --help lists the reference's options" % name)
        c.eq(True, len(md_opts) > 10, "%s: options found" % name)

    # meson install puts both pages in man8.
    plan = json.loads(out(["meson", "introspect", BUILD, "--installed"]))
    c.eq(sorted("man8/%s.8" % p for p in PROGS),
         sorted("/".join(v.split("/")[-2:]) for k, v in plan.items() if k.endswith(".8")),
         "meson install: the man pages")
    fz_md = out([FLOWZOO, "--help-markdown"])
    guide = read(os.path.join(SRC, "docs", "operator-guide.md"))
    c.eq(True, status_table(fz_md) in guide, "operator guide: the generated exit-status table")
    c.eq(True, status_table(out([ZOOCTL, "--help-markdown"])) in
         read(os.path.join(SRC, "docs", "zooctl.md")), "zooctl.md: the exit-status table")
    known = set(re.findall(r"^\| `--([a-z0-9-]+)", fz_md, re.M))
    # Every option table in docs/ names real options (zooctl's pages: zooctl's).
    for path in sorted(glob.glob(os.path.join(SRC, "docs", "*.md"))):
        if os.path.basename(path).startswith(("zooctl", "zooagg")):
            continue
        named = set(re.findall(r"^\| `--([a-z0-9-]+)", read(path), re.M))
        c.eq(set(), named - known, "%s: option table rows flowzoo does not have"
             % os.path.basename(path))
    zooctl_md = out([ZOOCTL, "--help-markdown"])
    zknown = set(re.findall(r"^\| `--([a-z0-9-]+)", zooctl_md, re.M))
    znamed = set(re.findall(r"^\| `--([a-z0-9-]+)", read(os.path.join(SRC, "docs", "zooctl.md")),
                            re.M))
    c.eq(set(), znamed - zknown, "zooctl.md's option table: options zooctl does not have")
    if "zooagg" in PROGS:
        zaknown = set(re.findall(r"^\| `--([a-z0-9-]+)", out([ZOOAGG, "--help-markdown"]), re.M))
        c.eq(True, {"kafka", "db", "group", "help-man"} <= zaknown, "zooagg: its options")
        c.eq(["0", "2"], re.findall(r"^\.B (\d)$", out([ZOOAGG, "--help-man"]), re.M),
             "zooagg(8): EXIT STATUS lists 0 and 2")
    man = out([FLOWZOO, "--help-man"])
    c.eq(["0", "1", "2", "3"], re.findall(r"^\.B (\d)$", man, re.M),
         "flowzoo(8): EXIT STATUS lists 0 to 3")

    with tempfile.TemporaryDirectory() as tmp:
        # Every option but config is a config-file key (the same table): a value of the
        # wrong type is refused by its own row, never as an unknown key.
        conf = os.path.join(tmp, "c.json")
        unknown = []
        for name in sorted(known):
            with open(conf, "w") as f:
                f.write('{"%s": {}}' % name)
            r = subprocess.run([FLOWZOO, "--config", conf], capture_output=True, text=True,
                               timeout=60)
            if r.returncode != 2 or "unknown key" in r.stderr:
                unknown.append(name)
        c.eq(["config"], unknown, "config keys: the options that are not keys")
    with tempfile.TemporaryDirectory() as tmp:
        def fz(*args):
            return subprocess.run([FLOWZOO, "--progress", "off"] + list(args),
                                  capture_output=True, text=True, timeout=120).returncode
        c.eq(0, fz("--pcap", SSH, "--summary", os.path.join(tmp, "s.json")), "flowzoo: exit 0")
        c.eq(1, fz("--pcap", SSH, "--summary", "/dev/full"),
             "flowzoo: exit 1 (the summary cannot be written)")
        c.eq(2, fz("--pcap", SSH, "--bogus"), "flowzoo: exit 2 (an unknown option)")
        c.eq(3, fz("--pcap", SSH, "--jsonl", "/dev/full"), "flowzoo: exit 3 (records lost)")
        key = os.path.join(tmp, "k")

        def zc(*args):
            return subprocess.run([ZOOCTL] + list(args), capture_output=True, text=True,
                                  timeout=60).returncode
        c.eq(0, zc("keygen", "-o", key), "zooctl: exit 0 (keygen)")
        c.eq(1, zc("--key-file", key, "--target", "127.0.0.1:1", "--timeout", "0.2",
                   "status"), "zooctl: exit 1 (no answer)")
        c.eq(2, zc("--key-file", key, "bogus"), "zooctl: exit 2 (unknown command)")
    c.done()


if __name__ == "__main__":
    main()
