#!/usr/bin/env bash
# The whole test suite: the Swift tests, the Azure SDK conformance tests against the local cloud,
# then the GitHub Action's tests.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build --build-tests
swift test
scripts/conformance.sh
scripts/action-test.sh
