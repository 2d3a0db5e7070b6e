#!/usr/bin/env python3
"""Benchmark: `amlauth validate` on 20,000 resources vs PyYAML's C loader and libyaml's bare event
parser on the same files.

Every subject runs as its own process under /usr/bin/time, several times, interleaved, in the same
run, so the ratios are meaningful on a noisy machine. Wall time and CPU time (user + system) are
both reported: on a shared 2-core machine the wall clock mostly measures the neighbours, so the
ratios use CPU time. Prints Markdown tables.

    python3 Benchmarks/validate/run.py [--resources N] [--runs K]
    python3 Benchmarks/validate/run.py --memory 5000 20000 80000   # peak RSS by size, one run each
"""
import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def timed(command):
    """Exit code, wall seconds, CPU seconds (user + system), peak RSS (MiB) and stdout of one run."""
    result = subprocess.run(["/usr/bin/time", "-f", "%e %U %S %M"] + command, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    last = result.stderr.strip().splitlines()[-1]
    wall, user, system, kib = last.split()
    return result.returncode, float(wall), float(user) + float(system), int(kib) / 1024, result.stdout


def build():
    """The release amlauth and the libyaml event-parser program; their paths."""
    subprocess.run(["swift", "build", "-c", "release", "--scratch-path", ".build-release", "--product", "amlauth"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    os.makedirs(os.path.join(HERE, "generated"), exist_ok=True)
    events = os.path.join(HERE, "generated", "libyaml_events")
    subprocess.run(["cc", "-O2", "-o", events, os.path.join(HERE, "libyaml_events.c"), "-lyaml"], check=True)
    return os.path.join(ROOT, ".build-release", "release", "amlauth"), events


def generate(resources):
    out = os.path.join(HERE, "generated", str(resources))
    subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), out, str(resources)], check=True)
    files = sorted(os.path.join(out, name) for name in os.listdir(out))
    return out, files, sum(os.path.getsize(f) for f in files) / 1e6


def memory(sizes, binary):
    print("| resources | MB of YAML | amlauth validate: wall (s) | CPU (s) | peak RSS (MiB) | RSS per resource (KiB) |")
    print("|---:|---:|---:|---:|---:|---:|")
    for resources in sizes:
        out, _, size = generate(resources)
        code, wall, cpu, mib, stdout = timed([binary, "validate", out, "--format", "json"])
        if code != 0:
            sys.exit(f"validate failed ({code}):\n{stdout[:2000]}")
        print(f"| {resources:,} | {size:.1f} | {wall:.2f} | {cpu:.2f} | {mib:.0f} | {mib * 1024 / resources:.1f} |")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--memory", type=int, nargs="*", help="sizes for the peak-memory table")
    args = parser.parse_args()

    binary, events = build()
    if args.memory:
        memory(args.memory, binary)
        return
    out, files, size = generate(args.resources)

    loader = ("import sys, yaml\n"
              "n = sum(1 for f in sys.argv[1:] for d in yaml.load_all(open(f, 'rb'), Loader=yaml.CSafeLoader) if d)\n"
              "print(n)")
    keeper = ("import sys, yaml\n"
              "docs = [d for f in sys.argv[1:] for d in yaml.load_all(open(f, 'rb'), Loader=yaml.CSafeLoader) if d]\n"
              "print(len(docs))")
    subjects = {
        "amlauth validate (release): parse, decode, every rule, JSON report": [binary, "validate", out, "--format",
                                                                              "json"],
        "PyYAML CSafeLoader, parse only (documents dropped as read)": [sys.executable, "-c", loader] + files,
        "PyYAML CSafeLoader, all documents kept": [sys.executable, "-c", keeper] + files,
        "libyaml alone: yaml_parser_parse over every event, nothing built (C, -O2)": [events] + files,
    }
    results = {}
    for _ in range(args.runs):  # interleaved, so drift hits every subject alike
        for name, command in subjects.items():
            code, wall, cpu, mib, stdout = timed(command)
            if code != 0:
                sys.exit(f"{name} failed ({code}):\n{stdout[:2000]}")
            results.setdefault(name, []).append((wall, cpu, mib))

    print(f"{args.resources:,} resources, {size:.1f} MB of YAML in {len(files)} files, {args.runs} runs each\n")
    print("| subject | median wall (s) | median CPU (s) | min CPU (s) | MB/s (CPU) | peak RSS (MiB) |")
    print("|---|---:|---:|---:|---:|---:|")
    cpu = {}
    for name, runs in results.items():
        walls = [r[0] for r in runs]
        cpus = [r[1] for r in runs]
        cpu[name] = statistics.median(cpus)
        print(f"| {name} | {statistics.median(walls):.2f} | {cpu[name]:.2f} | {min(cpus):.2f} | "
              f"{size / max(cpu[name], 1e-3):.1f} | {max(r[2] for r in runs):.0f} |")
    amlauth, pyyaml, events_cpu = (cpu[name] for name in list(subjects)[:2] + list(subjects)[3:])
    print(f"\nPyYAML CSafeLoader parse-only CPU / amlauth CPU: {pyyaml / amlauth:.1f}× "
          f"(a 15× goal means amlauth at {pyyaml / 15:.3f} s, {size * 15 / pyyaml:.0f} MB/s)")
    print(f"libyaml alone: {size / max(events_cpu, 1e-3):.0f} MB/s; amlauth CPU / libyaml CPU: {amlauth / events_cpu:.1f}; "
          f"PyYAML CSafeLoader / libyaml: {pyyaml / events_cpu:.1f}")


if __name__ == "__main__":
    main()
