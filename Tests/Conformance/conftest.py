"""Starts `amlauth local-cloud serve` for the SDK conformance tests and stops it afterwards."""
import json
import os
import signal
import subprocess
import tempfile

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session")
def cloud():
    binary = os.environ.get("AMLAUTH_BIN", os.path.join(ROOT, ".build", "debug", "amlauth"))
    data = tempfile.mkdtemp(prefix="amlauth-conformance-")
    process = subprocess.Popen(
        [binary, "local-cloud", "serve", "--data", data, "--port", "0",
         # Azure's awkward behaviours on (issue 10 item 5): Graph replication lag, slow new secrets.
         "--faults", "graph-lag=300ms,password-lag=300ms"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines = []
    for line in process.stdout:
        lines.append(line)
        if line.startswith("}"):
            break
    if not lines:
        raise RuntimeError("local cloud did not start: " + process.stderr.read())
    info = json.loads("".join(lines))
    # Every SDK below uses `requests`, which trusts this bundle.
    os.environ["REQUESTS_CA_BUNDLE"] = info["caCertificate"]
    # The storage hosts (`{account}.blob.localhost`) through the local cloud's CONNECT proxy: Python's
    # resolver has no address for them. Everything on 127.0.0.1 goes direct. amlauth (libcurl)
    # inherits these and tunnels the same way.
    for name in ("HTTPS_PROXY", "https_proxy"):
        os.environ[name] = info["storageProxy"]
    for name in ("NO_PROXY", "no_proxy"):
        os.environ[name] = "127.0.0.1"
    info["process"] = process
    info["data"] = data
    yield info
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=10) == 0, "the local cloud must stop cleanly on SIGTERM"
