#!/usr/bin/env python3
"""Start-up cost of an amlauth binary: median wall time and median CPU time (user + system) of
RUNS runs (default 11) of one command, in milliseconds. CPU time is the steadier number on a busy
machine. The README's numbers come from here.

Usage: scripts/startup-time.py BINARY [ARGS...]     e.g. scripts/startup-time.py dist/amlauth --version
"""
import os
import resource
import statistics
import subprocess
import sys
import time

binary, arguments = sys.argv[1], sys.argv[2:]
runs = int(os.environ.get("RUNS", "11"))
walls, cpus = [], []
for _ in range(runs):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run([binary, *arguments], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    walls.append((time.perf_counter() - start) * 1000)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpus.append((after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000)
print(
    f"{os.path.basename(binary)} {' '.join(arguments)}: wall median {statistics.median(walls):.1f} ms "
    f"(first {walls[0]:.1f}), CPU median {statistics.median(cpus):.1f} ms, {runs} runs, "
    f"load {os.getloadavg()[0]:.1f}"
)
