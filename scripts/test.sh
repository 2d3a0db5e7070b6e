#!/usr/bin/env bash
# The whole test suite: the Swift tests, then the Azure SDK conformance tests against the local cloud.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
swift build --build-tests
swift test
scripts/conformance.sh
