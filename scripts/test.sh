#!/usr/bin/env bash
# The whole test suite: the Swift tests, the Azure SDK conformance tests against the local cloud,
# then the GitHub Action's tests, then the container image (skipped without a container runtime).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build --build-tests
swift test
scripts/conformance.sh
scripts/action-test.sh
# The container image, when a container runtime is usable (else it prints why it skipped).
scripts/docker-build.sh
