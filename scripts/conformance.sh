#!/usr/bin/env bash
# Runs the official Azure Python SDKs (azure-identity, azure-mgmt-authorization, msal, azure-keyvault-secrets,
# azureml-core, azure-ai-ml, requests)
# against `amlauth local-cloud serve`. Needs the debug build (swift build) and network access to PyPI
# the first time, to fill .venv-conformance.
set -euo pipefail
cd "$(dirname "$0")/.."

venv=.venv-conformance
if [ ! -x "$venv/bin/pytest" ] || ! cmp -s Tests/Conformance/requirements.txt "$venv/requirements.txt"; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r Tests/Conformance/requirements.txt
  cp Tests/Conformance/requirements.txt "$venv/requirements.txt"
fi
[ -x .build/debug/amlauth ] || swift build --product amlauth
AMLAUTH_BIN="$PWD/.build/debug/amlauth" "$venv/bin/python" -m pytest -q Tests/Conformance
