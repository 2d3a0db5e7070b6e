#!/usr/bin/env bash
# Fuzzes the manifest loader and validator with libFuzzer for SECONDS (default 60):
#   scripts/fuzz.sh [SECONDS]
# Builds `amlauth-fuzz` in release with -sanitize=fuzzer,address (only here: the ordinary build
# has no fuzzer flags), seeds it from Tests/Fixtures/invalid, Tests/Fixtures/fuzz, examples and
# manifests (a seed is one manifest set, its files joined by NUL bytes), and runs it. Every input
# is checked for crashes, time (-timeout), memory (-rss_limit_mb) and ManifestProperties: every
# diagnostic located, every output form well-formed, no planted secret echoed. A failing input is
# saved under .build/fuzz/artifacts/; replay it with `swift run amlauth-fuzz FILE`.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
work=.build/fuzz
rm -rf "$work/seeds"
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"

# One seed per manifest set: the set's YAML files, NUL between them.
seed() {
    local name="$1"
    shift
    local first=1
    for file in "$@"; do
        if [ "$first" -eq 0 ]; then printf '\0'; fi
        cat "$file"
        first=0
    done >"$work/seeds/$name"
}
for dir in Tests/Fixtures/invalid/*/ examples/*/; do
    mapfile -t files < <(find "$dir" -name '*.yaml' -o -name '*.yml' | sort)
    if [ "${#files[@]}" -gt 0 ]; then seed "$(basename "$dir")" "${files[@]}"; fi
done
for file in manifests/*.yaml Tests/Fixtures/fuzz/*.yaml; do seed "$(basename "$file")" "$file"; done
seed manifests manifests/*.yaml

swift build -c release --product amlauth-fuzz -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING
binary="$(swift build -c release --show-bin-path)/amlauth-fuzz"
# Swift's own crash backtracer fights AddressSanitizer for the crash: leave crashes to libFuzzer.
export SWIFT_BACKTRACE=enable=no
# Leak checks are off (libFuzzer's and AddressSanitizer's at exit): the Swift runtime keeps caches
# for the life of the process, which LeakSanitizer reports; growth is bounded by -rss_limit_mb.
export ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
"$binary" "$work/corpus" "$work/seeds" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -max_len=65536 -detect_leaks=0 -dict=scripts/fuzz.dict -artifact_prefix="$work/artifacts/" \
    -print_final_stats=1
