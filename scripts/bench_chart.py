#!/usr/bin/env python3
"""Draw docs/bench-flood.svg: issue 23's flood path in instructions, from the
callgrind figures docs/benchmarks.md reports (each with its section there).

usage: scripts/bench_chart.py [OUT.svg]

The numbers are copied here by hand from benchmarks.md when a section adds
some; the script only draws them (no dependencies: plain SVG).
"""
import sys

# Worker, instructions per flood64 packet: (benchmarks.md section, before, after).
WORKER_STEPS = [
    ("the ring's element size", 917, 819),
    ("the worker's record path", 835, 731),
    ("the ring without copies", 718, 677),
    ("L7's skip inline, the record window", 679, 623),
]
# This stop's worker by stage, per flood64 packet: (stage, before, after).
WORKER_STAGES = [
    ("parse", 112.0, 105.0),
    ("table's own work", 267.6, 261.8),
    ("key hash", 34.0, 34.0),
    ("L7 and per-packet callback", 126.0, 88.0),
    ("capture reader (offline only)", 62.3, 62.3),
]
WORKER_TOTAL = (678.6, 623.4)
# The export lane (JSON lines), per flood record, whole costs: (label, encode, take, zoo, all).
LANE = [
    ("before (53a1b6e)", 1940, 265, 152, 2615),
    ("numbers in 8-digit words", 1375, 265, 152, 2050),
    ("one-digit integers, padded names", 1203, 265, 152, 1878),
    ("padded texts", 1185, 265, 152, 1860),
]

W = 820
LEFT = 300
WORKER_SCALE = (W - LEFT - 70) / 1000.0  # pixels per instruction
LANE_SCALE = (W - LEFT - 70) / 2700.0
GREY, BLUE = "#9aa5b1", "#2b6cb0"
STACK = ["#2b6cb0", "#4299e1", "#90cdf4", "#f6ad55", "#cbd5e0", "#e2e8f0"]


def text(x, y, s, size=12, anchor="start", weight="normal", fill="#1a202c"):
    s = s.replace("&", "&amp;").replace("<", "&lt;")
    return ('<text x="%.1f" y="%.1f" font-size="%d" text-anchor="%s" font-weight="%s" '
            'fill="%s">%s</text>' % (x, y, size, anchor, weight, fill, s))


def rect(x, y, w, h, fill):
    return '<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"/>' % (x, y, w, h, fill)


def stacked(out, y, label, parts, total, scale):
    """A bar of parts (value, colour) and the rest up to total in the last colour."""
    SCALE = scale
    x = LEFT
    out.append(text(LEFT - 8, y + 13, label, anchor="end"))
    for v, c in parts:
        out.append(rect(x, y, v * SCALE, 18, c))
        x += v * SCALE
    out.append(rect(x, y, (total - sum(v for v, _ in parts)) * SCALE, 18, STACK[-1]))
    out.append(text(LEFT + total * SCALE + 6, y + 13, "%g" % total, weight="bold"))


def legend(out, y, items):
    """items: (name, colour)."""
    x = LEFT
    for i, (n, c) in enumerate(items):
        out.append(rect(x, y, 12, 12, c))
        out.append(text(x + 16, y + 10, n, size=11))
        x += 28 + 6.6 * len(n)
        if x > W - 120 and i + 1 < len(items):
            x = LEFT
            y += 18
    return y


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else "docs/bench-flood.svg"
    out = []
    y = 28
    out.append(text(16, y, "Issue 23: the flood's path in instructions (callgrind; "
                    "docs/benchmarks.md has each step)", size=15, weight="bold"))
    y += 30
    out.append(text(16, y, "Worker, per flood64 packet: each step's before and after",
                    size=13, weight="bold"))
    y += 12
    for label, before, after in WORKER_STEPS:
        out.append(text(LEFT - 8, y + 12, label, anchor="end"))
        out.append(rect(LEFT, y, before * WORKER_SCALE, 14, GREY))
        out.append(text(LEFT + before * WORKER_SCALE + 6, y + 12, "%d" % before, size=11))
        out.append(rect(LEFT, y + 16, after * WORKER_SCALE, 14, BLUE))
        out.append(text(LEFT + after * WORKER_SCALE + 6, y + 28, "%d" % after, size=11,
                        weight="bold"))
        y += 40
    out.append(rect(LEFT, y, 12, 12, GREY))
    out.append(text(LEFT + 16, y + 10, "before", size=11))
    out.append(rect(LEFT + 70, y, 12, 12, BLUE))
    out.append(text(LEFT + 86, y + 10, "after", size=11))
    y += 34
    out.append(text(16, y, "Worker, per flood64 packet, by stage: this stop", size=13,
                    weight="bold"))
    y += 12
    for i, label in enumerate(("before (53a1b6e)", "after")):
        stacked(out, y, label, [(s[1 + i], STACK[k]) for k, s in enumerate(WORKER_STAGES)],
                WORKER_TOTAL[i], WORKER_SCALE)
        y += 24
    y = legend(out, y + 4, [(s[0], STACK[k]) for k, s in enumerate(WORKER_STAGES)] +
               [("the rest (loop, record, ring)", STACK[-1])])
    y += 38
    out.append(text(16, y, "Export lane, JSON lines, per flood record: this stop", size=13,
                    weight="bold"))
    y += 12
    for label, enc, take, zoo, total in LANE:
        stacked(out, y, label, [(enc, STACK[0]), (take, STACK[1]), (zoo, STACK[2])], total,
                LANE_SCALE)
        y += 24
    y = legend(out, y + 4, [("JSON encode", STACK[0]), ("jsonl take", STACK[1]),
                            ("zoo classes", STACK[2]), ("the rest (batch, item)", STACK[-1])])
    y += 30
    svg = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" '
           'font-family="DejaVu Sans, Arial, sans-serif">' % (W, y),
           rect(0, 0, W, y, "#ffffff")] + out + ["</svg>"]
    with open(path, "w") as f:
        f.write("\n".join(svg) + "\n")


if __name__ == "__main__":
    main()
