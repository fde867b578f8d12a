#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
#
# model.py OSU_JSON OUTDIR CPUS - a LogGP-style model of a collective's
# latency, fitted to bench/osu.sh's measurements and extrapolated to
# N = 1,024 ranks.
#
# Both rcode's tree (a binary heap: ⌊log2 N⌋ hops up and as many down)
# and MPI's small-message algorithms (Open MPI's recursive doubling for
# allreduce, its barrier's log2 N rounds; MPICH's likewise) take a
# number of sequential steps that grows as log2 N; each step costs the
# per-hop overheads o (send, handler or receive) and the wire's latency L
# (here a veth and a bridge), and g, G vanish for 8-byte messages.  On
# the measuring machine N ranks share CPUS CPUs, so from N > CPUS on a
# step also waits for the rank it needs to be scheduled, a cost that
# grows with the ranks per CPU:
#
#   T(N) = a + b log2 N + c max(0, N / CPUS - 1)
#
# a: the call's fixed cost (the leaf's send, the wait, reading the
# result), b: one level of the tree up and down (2 (L + o)), c: the
# time-slicing of the oversubscribed machine.  Fitted by least squares to
# the p50 of each way at N = 2, 4, 8, 16; the prediction for a cluster,
# where every rank has a CPU (and a NIC) of its own, drops c:
# T(N) = a + b log2 N.  Where it breaks: (1) four points fit three
# parameters, so b and c trade off and the prediction is rough; (2) a
# real wire adds its latency (1-2 µs a hop on 10-100 GbE, more through
# switches) to b for both rcode and MPI, which shrinks rcode's relative
# advantage; (3) MPI switches algorithms with N and message size; (4)
# a rank that spins only wins while it has a CPU: with one rank per node
# rcode's auto wait spins, but at N = 2 on this machine it may not.
# Writes OUTDIR/model.md and OUTDIR/model.dat (for bench/osu/model.gp).
import json
import math
import sys

src, out, cpus = sys.argv[1], sys.argv[2], int(sys.argv[3])
doc = json.load(open(src))
WAYS = ["rcode-auto", "rcode-sleep", "ompi-tcp", "mpich-tcp"]
OPS = [("allreduce", 8), ("barrier", 0)]


def solve(A, y):
    """least squares by the normal equations (3 unknowns)"""
    n = len(A[0])
    M = [[sum(r[i] * r[j] for r in A) for j in range(n)] for i in range(n)]
    v = [sum(r[i] * yy for r, yy in zip(A, y)) for i in range(n)]
    for i in range(n):  # Gauss-Jordan with partial pivoting
        p = max(range(i, n), key=lambda k: abs(M[k][i]))
        M[i], M[p], v[i], v[p] = M[p], M[i], v[p], v[i]
        if abs(M[i][i]) < 1e-12:
            return None
        for k in range(n):
            if k != i:
                f = M[k][i] / M[i][i]
                M[k] = [a - f * b for a, b in zip(M[k], M[i])]
                v[k] -= f * v[i]
    return [v[i] / M[i][i] for i in range(n)]


def feat(n):
    return [1.0, math.log2(n), max(0.0, n / cpus - 1)]


fits = {}
for w in WAYS:
    for op, b in OPS:
        pts = sorted((r["n"], r["p50"]) for r in doc["results"]
                     if r["way"] == w and r["op"] == op and r["bytes"] == b)
        if len(pts) < 3:
            continue
        x = solve([feat(n) for n, _ in pts], [t for _, t in pts])
        if x:
            fits[(w, op)] = {"a": x[0], "b": x[1], "c": x[2], "points": pts}

ns = [2 ** k for k in range(1, 11)]
md = ["## A model of scale (LogGP-style)\n",
      f"T(N) = a + b·log2 N + c·max(0, N/{cpus} − 1), fitted to the p50 at "
      f"N = 2..16 on {cpus} CPUs (bench/osu/model.py says why and where it "
      "breaks); the prediction for a cluster, one CPU and NIC per rank, "
      "drops the oversubscription term c.\n",
      "| way | op | a µs | b µs per level | c µs per rank/CPU | "
      "predicted N=64 | N=256 | N=1024 |",
      "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
for (w, op), f in fits.items():
    pred = [f["a"] + f["b"] * math.log2(n) for n in (64, 256, 1024)]
    md.append(f"| {w} | {op} | {f['a']:.1f} | {f['b']:.1f} | {f['c']:.1f} | "
              + " | ".join(f"{p:.0f}" for p in pred) + " |")
pr = {}
for op, _ in OPS:
    r, m = fits.get(("rcode-auto", op)), fits.get(("ompi-tcp", op))
    if r and m:
        pr[op] = (r["a"] + r["b"] * 10) / (m["a"] + m["b"] * 10)
if pr:
    md.append("\nPredicted rcode (default) ÷ Open MPI TCP at N = 1,024: " +
              ", ".join(f"{op} {v:.2f}" for op, v in pr.items()) + ".\n")
md.append("![model](model.png)\n")
open(f"{out}/model.md", "w").write("\n".join(md) + "\n")
# model.dat: N, then for each (way, op) of WAYS x OPS, in that order:
# the fit (N <= 16), the cluster prediction, the measured p50 (-1: none)
with open(f"{out}/model.dat", "w") as f:
    keys = [(w, op) for w in WAYS for op, _ in OPS]
    f.write("# n " + " ".join(f"{w}-{op}-fit {w}-{op}-cluster {w}-{op}-measured"
                              for w, op in keys) + "\n")
    for n in ns:
        row = [str(n)]
        for k in keys:
            fi = fits.get(k)
            if not fi:
                row += ["-1"] * 3
                continue
            fit = fi["a"] + fi["b"] * math.log2(n) + fi["c"] * max(0, n / cpus - 1)
            clu = fi["a"] + fi["b"] * math.log2(n)
            meas = dict(fi["points"]).get(n, -1)
            row += [f"{fit:.3f}" if n <= 16 else "-1", f"{clu:.3f}", f"{meas:.3f}"]
        f.write(" ".join(row) + "\n")
