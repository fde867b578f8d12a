#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
#
# osu_report.py JSONL OUTDIR MACHINE [OMPI_VERSION [MPICH_VERSION]]
#
# Reduces bench/osu.sh's lines (one per rank, way, N, round, op and
# size) as OMB 7.2 does: a run's latency is the average over ranks of
# each rank's mean call (OMB's "Avg Latency"), with the minimum and
# maximum over ranks; here also the median over ranks of each rank's
# median call (p50), and the CPU time per collective call (user +
# system, averaged over ranks).  Over rounds: the median of each.  The
# goal of issue 15 (rcode's 8-byte allreduce and barrier, default
# settings, at most 0.5x Open MPI over TCP at N = 2, 4 and 0.3x at
# N = 8, 16) is judged on the ratio within each round (the same run),
# reported as the median and range over rounds.  Writes OUTDIR/osu.json,
# OUTDIR/osu.md and OUTDIR/osu.dat (for bench/osu/osu.gp).
import json
import statistics as st
import sys
from collections import defaultdict

src, out, machine = sys.argv[1], sys.argv[2], sys.argv[3]
ompi_v = sys.argv[4] if len(sys.argv) > 4 else ""
mpich_v = sys.argv[5] if len(sys.argv) > 5 else ""
TITLES = {
    "rcode-auto": "rcode kernel, default (spin auto, socket wake)",
    "rcode-spin": "rcode kernel, spin 1 ms",
    "rcode-sleep": "rcode kernel, sleep",
    "rcode-upcall": "rcode kernel, sleep, up-call wake",
    "rcode-user": "rcode user level",
    "ompi-tcp": "Open MPI TCP",
    "ompi-shm": "Open MPI shared memory",
    "mpich-tcp": "MPICH TCP (UCX)",
}
ORDER = list(TITLES)

runs = defaultdict(list)  # (way, n, op, bytes, round) -> rank lines
for line in open(src):
    try:
        r = json.loads(line)
    except ValueError:
        continue
    runs[(r["way"], r["n"], r["op"], r["bytes"], r["round"])].append(r)

per_round = {}  # complete runs only: every rank reported
for key, rows in runs.items():
    if len(rows) != key[1]:
        continue
    per_round[key] = {
        "avg": st.mean(x["avg_us"] for x in rows),
        "min": min(x["avg_us"] for x in rows),
        "max": max(x["avg_us"] for x in rows),
        "p50": st.median(x["p50_us"] for x in rows),
        "cpu": st.mean(x["cpu_us_per_call"] for x in rows),
        "iters": min(x.get("iters", 1000) for x in rows),
    }

cells = defaultdict(list)
for (w, n, op, b, k), v in per_round.items():
    cells[(w, n, op, b)].append((k, v))
summary = {}
for key, lst in cells.items():
    summary[key] = {f: st.median(v[f] for _, v in lst)
                    for f in ("avg", "min", "max", "p50", "cpu")}
    summary[key]["rounds"] = len(lst)
    summary[key]["iters"] = min(v["iters"] for _, v in lst)

ways = [w for w in ORDER if any(k[0] == w for k in summary)]
ns = sorted({k[1] for k in summary})


def ratio(n, op, b, f):
    """rcode-auto / ompi-tcp within each round: median, min, max."""
    rs = []
    for (k, v) in cells.get(("rcode-auto", n, op, b), []):
        m = per_round.get(("ompi-tcp", n, op, b, k))
        if m and m[f] > 0:
            rs.append(v[f] / m[f])
    return (st.median(rs), min(rs), max(rs), len(rs)) if rs else None


goal = []
for n in ns:
    lim = 0.5 if n <= 4 else 0.3
    for op, b in (("allreduce", 8), ("barrier", 0)):
        for f, fname in (("p50", "p50"), ("avg", "OSU avg")):
            r = ratio(n, op, b, f)
            if r:
                goal.append({"n": n, "op": op, "bytes": b, "stat": fname,
                             "limit": lim, "ratio": r[0], "ratio_min": r[1],
                             "ratio_max": r[2], "rounds": r[3],
                             "met": r[0] <= lim})

doc = {
    "method": "OSU Micro-Benchmarks 7.2 (osu_allreduce, osu_barrier): "
              "1000 timed iterations after 100 warm-up, an untimed barrier "
              "after each; avg/min/max over ranks",
    "machine": machine, "open_mpi": ompi_v, "mpich": mpich_v,
    "ways": {w: TITLES[w] for w in ways},
    "results": [dict(zip(("way", "n", "op", "bytes"), k), **v)
                for k, v in sorted(summary.items())],
    "goal": goal,
}
json.dump(doc, open(f"{out}/osu.json", "w"), indent=1)

md = []
md.append("## rcode against MPI (OSU method)\n")
md.append(
    f"Measured with the OSU Micro-Benchmarks' method, version 7.2 "
    f"(osu_allreduce, osu_barrier; bench/osu/osu_loop.h): per message size "
    f"1,000 timed calls after 100 warm-up, an untimed barrier after each. "
    f"**OSU avg**: each rank's mean call, averaged over ranks (OMB's "
    f"\"Avg Latency\"); **p50**: the median over ranks of each rank's "
    f"median call; **CPU**: user + system time per collective call "
    f"(getrusage, the untimed barriers included), mean over ranks. "
    f"N ranks, each a process in its own network namespace with a veth to a "
    f"bridge (selftests/tools/coll_topo.sh); every way runs once per round, "
    f"in an order that turns by round; medians over "
    f"{max((v['rounds'] for v in summary.values()), default=0)} rounds. "
    f"Machine: {machine}. {ompi_v or 'Open MPI: not installed'}; "
    f"MPICH {mpich_v or 'not installed'}.\n")
for op, b, title in (("allreduce", 8, "allreduce, 8 bytes (1 word)"),
                     ("barrier", 0, "barrier")):
    md.append(f"\n### {title}: p50 / OSU avg µs (CPU µs per call)\n")
    md.append("| way | " + " | ".join(f"N={n}" for n in ns) + " |")
    md.append("| --- |" + " ---: |" * len(ns))
    for w in ways:
        row = []
        for n in ns:
            v = summary.get((w, n, op, b))
            row.append(f"{v['p50']:.1f} / {v['avg']:.1f} ({v['cpu']:.1f})"
                       + ("†" if v["iters"] < 1000 else "") if v else "-")
        md.append(f"| {TITLES[w]} | " + " | ".join(row) + " |")
md.append("\n† fewer timed iterations (bench/osu.sh --slow-iters): a way "
          "that spins without yielding, with more ranks than CPUs.\n")
md.append("\n### Goal: rcode (default settings) ÷ Open MPI TCP, same round\n")
md.append("| N | op | statistic | goal | median ratio | range over rounds | met |")
md.append("| ---: | --- | --- | ---: | ---: | --- | --- |")
for g in goal:
    md.append(f"| {g['n']} | {g['op']} | {g['stat']} | ≤ {g['limit']} | "
              f"{g['ratio']:.2f} | {g['ratio_min']:.2f}-{g['ratio_max']:.2f} "
              f"({g['rounds']}) | {'yes' if g['met'] else '**no**'} |")
md.append("\n### Every size: OSU avg µs (min-max over ranks)\n")
sizes = sorted({k[3] for k in summary if k[2] == "allreduce"})
for n in ns:
    md.append(f"\nN = {n}\n")
    md.append("| way | " + " | ".join(f"{b} B" for b in sizes) + " | barrier |")
    md.append("| --- |" + " ---: |" * (len(sizes) + 1))
    for w in ways:
        row = []
        for op, b in [("allreduce", b) for b in sizes] + [("barrier", 0)]:
            v = summary.get((w, n, op, b))
            row.append(f"{v['avg']:.1f} ({v['min']:.0f}-{v['max']:.0f})"
                       if v else "-")
        md.append(f"| {TITLES[w]} | " + " | ".join(row) + " |")
md.append("\n![rcode against MPI](osu.png)\n")
open(f"{out}/osu.md", "w").write("\n".join(md) + "\n")

# osu.dat: N, then for each way p50 and avg of the 8-byte allreduce and
# the barrier (-1: not measured); the header names the columns.
with open(f"{out}/osu.dat", "w") as f:
    cols = []
    for w in ORDER:
        for op in ("allreduce", "barrier"):
            cols += [f"{w}-{op}-p50", f"{w}-{op}-avg"]
    f.write("# n " + " ".join(cols) + "\n")
    for n in ns:
        vals = []
        for w in ORDER:
            for op, b in (("allreduce", 8), ("barrier", 0)):
                v = summary.get((w, n, op, b))
                vals += [f"{v['p50']:.3f}", f"{v['avg']:.3f}"] if v else ["-1", "-1"]
        f.write(f"{n} " + " ".join(vals) + "\n")
