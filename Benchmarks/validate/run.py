#!/usr/bin/env python3
"""Benchmark: `amlauth validate` on 20,000 resources vs PyYAML's C loader parsing the same files.

Both run as separate processes under /usr/bin/time, several times each, in the same run, so the
ratio is meaningful on a noisy machine. Prints a Markdown table.

    python3 Benchmarks/validate/run.py [--resources N] [--runs K]
"""
import argparse
import os
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))


def timed(command):
    """Wall seconds and peak RSS (MiB) of one run of `command`."""
    result = subprocess.run(["/usr/bin/time", "-f", "%e %M"] + command, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    last = result.stderr.strip().splitlines()[-1]
    seconds, kib = last.split()
    return result.returncode, float(seconds), int(kib) / 1024, result.stdout


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--resources", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    out = os.path.join(HERE, "generated")
    subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), out, str(args.resources)], check=True)
    subprocess.run(["swift", "build", "-c", "release", "--product", "amlauth"], cwd=ROOT, check=True,
                   stdout=subprocess.DEVNULL)
    binary = os.path.join(ROOT, ".build", "release", "amlauth")
    files = sorted(os.path.join(out, name) for name in os.listdir(out))
    size = sum(os.path.getsize(f) for f in files) / 1e6

    loader = ("import sys, yaml\n"
              "n = sum(1 for f in sys.argv[1:] for d in yaml.load_all(open(f, 'rb'), Loader=yaml.CLoader) if d)\n"
              "print(n)")
    keeper = ("import sys, yaml\n"
              "docs = [d for f in sys.argv[1:] for d in yaml.load_all(open(f, 'rb'), Loader=yaml.CLoader) if d]\n"
              "print(len(docs))")
    subjects = {
        "amlauth validate (release)": [binary, "validate", out, "--format", "json"],
        "PyYAML CLoader, parse only": [sys.executable, "-c", loader] + files,
        "PyYAML CLoader, all documents kept": [sys.executable, "-c", keeper] + files,
    }
    results = {}
    for _ in range(args.runs):  # interleaved, so drift hits both alike
        for name, command in subjects.items():
            code, seconds, mib, stdout = timed(command)
            if name.startswith("amlauth") and code != 0:
                sys.exit(f"validate failed ({code}):\n{stdout[:2000]}")
            results.setdefault(name, []).append((seconds, mib))

    print(f"{args.resources} resources, {size:.1f} MB of YAML in {len(files)} files, {args.runs} runs each\n")
    print("| subject | median wall (s) | min wall (s) | peak RSS (MiB) |")
    print("|---|---:|---:|---:|")
    for name, runs in results.items():
        walls = [r[0] for r in runs]
        print(f"| {name} | {statistics.median(walls):.2f} | {min(walls):.2f} | {max(r[1] for r in runs):.0f} |")
    a = statistics.median(r[0] for r in results["amlauth validate (release)"])
    b = statistics.median(r[0] for r in results["PyYAML CLoader, parse only"])
    print(f"\nratio amlauth / PyYAML CLoader (median wall): {a / b:.2f}")


if __name__ == "__main__":
    main()
