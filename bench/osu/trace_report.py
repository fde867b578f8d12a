#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
#
# trace_report.py TRACE ID - bench/trace_coll.sh's report: the leaf's
# sendto() calls that carried a whole allreduce (its UP to the root and
# the DOWN back, 8 frame events), each step's time from the sendto's
# entry, the mean over those calls (tracefs prints whole µs).
import re
import statistics as st
import sys

path, tid = sys.argv[1], sys.argv[2]
ev = re.compile(r"\s(\d+\.\d+):\s+(.*)$")
calls, cur = [], None
for line in open(path):
    m = ev.search(line)
    if not m:
        continue
    t, rest = float(m.group(1)) * 1e6, m.group(2)
    if rest.startswith("sys_sendto("):
        cur = [(t, "sendto enter")]
    elif rest.startswith("sys_sendto ->"):
        if cur is not None:
            cur.append((t, "sendto exit"))
            calls.append(cur)
        cur = None
    elif cur is not None and rest.startswith(("net_dev_queue:", "netif_receive_skb:")):
        dev = re.search(r"dev=(\S+)", rest).group(1)
        role = {"c": "rank", "b": "bridge port"}[dev[3]]
        rank = dev.split("n")[-1]
        what = "xmit" if rest.startswith("net_dev_queue") else "rx"
        cur.append((t, f"{what} {role} {rank}"))
full = [c for c in calls if len(c) == 10]
print(f"# {len(calls)} sendto calls of the leaf traced, {len(full)} carried "
      f"the whole allreduce (UP and DOWN: 8 frame events)")
if full:
    # tracefs prints whole µs: the mean over many calls resolves less
    steps = [name for _, name in full[0]]
    prev = 0.0
    for i, name in enumerate(steps):
        d = [c[i][0] - c[0][0] for c in full if c[i][1] == name]
        if len(d) < len(full) // 2:
            continue
        mean = st.mean(d)
        print(f"{name:<22} at {mean:5.2f} µs (mean), +{mean - prev:4.2f}")
        prev = mean
