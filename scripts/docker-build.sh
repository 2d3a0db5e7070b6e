#!/usr/bin/env bash
# Builds the container image from the Dockerfile and smoke-tests it (`--version`, `validate` of the
# quickstart), when a container runtime is usable. Without one it prints why and exits 0, as
# "skipped": a runtime is not needed to develop amlauth.
#
# Usage: scripts/docker-build.sh [IMAGE]      (default amlauth:dev)
# CONTAINER_RUNTIME=podman picks the runtime; by default the first of docker and podman on PATH.
set -euo pipefail
cd "$(dirname "$0")/.."
image="${1:-amlauth:dev}"

runtime=""
for candidate in ${CONTAINER_RUNTIME:-docker podman}; do
  if command -v "$candidate" >/dev/null 2>&1; then runtime="$candidate"; break; fi
done
if [ -z "$runtime" ]; then
  echo "docker-build: skipped: no container runtime (looked for ${CONTAINER_RUNTIME:-docker podman} on PATH)"
  exit 0
fi
# A client without a daemon (or podman without a usable storage) is not a runtime either.
if ! "$runtime" info >/dev/null 2>&1; then
  reason="$("$runtime" info 2>&1 | grep -v '^ *$' | tail -n 1 || true)"
  echo "docker-build: skipped: $runtime is installed but not usable ('$runtime info' failed: ${reason:-no output})"
  exit 0
fi

commit="$(git rev-parse --short=7 HEAD 2>/dev/null || true)"
echo "docker-build: building $image with $runtime (commit ${commit:-unknown})" >&2
"$runtime" build --build-arg "AMLAUTH_COMMIT=$commit" -t "$image" .
"$runtime" run --rm "$image" --version
"$runtime" run --rm -v "$PWD/examples/quickstart:/work:ro" "$image" validate --no-color .
echo "docker-build: built $image"
