#!/usr/bin/env bash
# The GitHub Action's tests: its entry script with a fake GITHUB_* environment, a local stand-in for
# the comments API, and amlauth against the quickstart's local cloud. Python 3 standard library only.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -x .build/debug/amlauth ] || swift build --product amlauth
AMLAUTH_BIN="$PWD/.build/debug/amlauth" python3 -m unittest discover -s Tests/Action -p 'test_*.py' "$@"
