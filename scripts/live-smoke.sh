#!/usr/bin/env bash
# The live smoke test (README "Live smoke test"): amlauth's whole lifecycle on a throwaway manifest
# set against a real subscription, then probes of what the fidelity audit could only infer.
#
#   AMLAUTH_LIVE=1 scripts/live-smoke.sh     real Azure; needs the variables below, else it skips
#   scripts/live-smoke.sh --local            the same run against `amlauth local-cloud serve` (CI)
#
# Variables (real Azure):
#   AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID, AZURE_CLIENT_ID and either AZURE_CLIENT_SECRET or
#   AZURE_FEDERATED_TOKEN_FILE (an OIDC token Entra trusts for that client);
#   AMLAUTH_LIVE_RESOURCE_GROUP and AMLAUTH_LIVE_WORKSPACE: an existing workspace (read, never changed)
#   and its resource group, where a Reader role assignment is made for the run's principal.
#   Optional: AMLAUTH_LIVE_CLOUD (AzureCloud, AzureChinaCloud, AzureUSGovernment or a cloud file;
#   default AzureCloud), AMLAUTH_LIVE_ENDPOINTS=1 (also a managed online endpoint with key auth and
#   no deployment), AMLAUTH_LIVE_REPORT (default ./live-smoke-report.json), AMLAUTH_BIN.
#
# Steps: validate → plan (changes, exit 2) → apply → plan (no changes, exit 0) → probes → destroy →
# plan of the bare Target with --prune (nothing owned left, exit 0). An EXIT trap destroys whatever
# the run made, and deletes the probes' own objects, whatever failed. No secret is printed: the
# new password goes to a 0600 file in the run's temporary directory, which the trap deletes, and
# the run fails if that secret appears in any output it captured or in the report.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
export NO_COLOR=1
unset FORCE_COLOR

mode=live
if [ "${1:-}" = "--local" ]; then mode=local; fi

say() { echo "live-smoke: $*" >&2; }
fail() {
    say "FAILED: $*"
    exit 1
}

if [ "$mode" = live ]; then
    if [ "${AMLAUTH_LIVE:-}" != 1 ]; then
        say "skipped: set AMLAUTH_LIVE=1 and the variables in README \"Live smoke test\" to run it against a real" \
            "subscription, or run 'scripts/live-smoke.sh --local' against the local cloud"
        exit 0
    fi
    missing=()
    for name in AZURE_TENANT_ID AZURE_SUBSCRIPTION_ID AZURE_CLIENT_ID AMLAUTH_LIVE_RESOURCE_GROUP \
        AMLAUTH_LIVE_WORKSPACE; do
        [ -n "${!name:-}" ] || missing+=("$name")
    done
    if [ -z "${AZURE_CLIENT_SECRET:-}" ] && [ -z "${AZURE_FEDERATED_TOKEN_FILE:-}" ]; then
        missing+=("AZURE_CLIENT_SECRET or AZURE_FEDERATED_TOKEN_FILE")
    fi
    [ ${#missing[@]} -eq 0 ] || fail "AMLAUTH_LIVE=1 but not set: ${missing[*]}"
fi

binary="${AMLAUTH_BIN:-$root/.build/debug/amlauth}"
[ -x "$binary" ] || swift build --product amlauth
report="${AMLAUTH_LIVE_REPORT:-$PWD/live-smoke-report.json}"
case "$report" in /*) ;; *) report="$PWD/$report" ;; esac

work="$(mktemp -d "${TMPDIR:-/tmp}/amlauth-live-smoke.XXXXXX")"
chmod 700 "$work"
suffix="$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"
set_dir="$work/set"
bare_dir="$work/bare"
logs="$work/logs"
mkdir -p "$set_dir" "$bare_dir" "$logs"
cloud_pid=""
applied=0
probed=0
destroyed=0

cleanup() {
    local status=$?
    trap - EXIT INT TERM
    if [ "$applied" = 1 ] && [ "$destroyed" = 0 ]; then
        say "cleanup: destroying what the run made (Target smoke-$suffix)"
        "$binary" destroy "$set_dir" --auto-approve --allow-mass-delete >"$logs/cleanup-destroy.txt" 2>&1 ||
            say "cleanup: destroy failed; delete the applications tagged amlauth:smoke-$suffix, the role assignments" \
                "described 'managed by amlauth: smoke-$suffix/…' and the endpoint smoke-$suffix by hand"
    fi
    if [ "$probed" = 1 ]; then
        python3 "$root/scripts/live_smoke/probes.py" cleanup --suffix "$suffix" >"$logs/cleanup-probes.txt" 2>&1 ||
            say "cleanup: could not delete the probes' application amlauth-smoke-probe-$suffix; delete it by hand"
    fi
    if [ -n "$cloud_pid" ]; then
        kill -TERM "$cloud_pid" 2>/dev/null || true
        wait "$cloud_pid" 2>/dev/null || true
    fi
    rm -rf "$work"
    exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --local: the same run against `amlauth local-cloud serve`, with Azure's awkward behaviours on
# (Graph replication lag, slow new secrets), as the conformance suite starts it.
if [ "$mode" = local ]; then
    "$binary" local-cloud serve --data "$work/cloud-data" --port 0 \
        --faults graph-lag=300ms,password-lag=300ms >"$work/cloud.out" 2>"$logs/cloud.err" &
    cloud_pid=$!
    # The cloud file is the JSON object it prints first, up to a line starting with "}".
    for _ in $(seq 300); do
        grep -q '^}' "$work/cloud.out" 2>/dev/null && break
        kill -0 "$cloud_pid" 2>/dev/null || fail "the local cloud did not start: $(cat "$logs/cloud.err")"
        sleep 0.1
    done
    sed '/^}/q' "$work/cloud.out" >"$work/cloud.json"
    chmod 600 "$work/cloud.json"
    eval "$(python3 - "$work/cloud.json" <<'EOF'
import json, shlex, sys
cloud = json.load(open(sys.argv[1]))
for name, value in [("AZURE_TENANT_ID", cloud["tenantId"]), ("AZURE_SUBSCRIPTION_ID", cloud["subscriptionId"]),
                    ("AZURE_CLIENT_ID", cloud["bootstrap"]["clientId"]),
                    ("AZURE_CLIENT_SECRET", cloud["bootstrap"]["clientSecret"])]:
    print(f"export {name}={shlex.quote(value)}")
EOF
)"
    unset AZURE_FEDERATED_TOKEN_FILE AZURE_CREDENTIALS AZURE_CLIENT_CERTIFICATE_PATH
    export AMLAUTH_LIVE_CLOUD="$work/cloud.json" AMLAUTH_LIVE_RESOURCE_GROUP=ml-rg AMLAUTH_LIVE_WORKSPACE=ml-example
    export AMLAUTH_LIVE_ENDPOINTS=1
fi

cloud="${AMLAUTH_LIVE_CLOUD:-AzureCloud}"
case "$cloud" in
    AzureCloud | AzureChinaCloud | AzureUSGovernment) cloud_spec="$cloud" ;;
    *)
        [ -f "$cloud" ] || fail "AMLAUTH_LIVE_CLOUD names neither a cloud nor a file: $cloud"
        cp "$cloud" "$set_dir/cloud.json"
        cp "$cloud" "$bare_dir/cloud.json"
        cloud_spec=cloud.json
        ;;
esac
export AMLAUTH_LIVE_CLOUD="$cloud" AMLAUTH_LIVE_SUFFIX="$suffix"
say "target: $([ "$mode" = local ] && echo "local cloud (not evidence about Azure)" || echo "$cloud"), run suffix $suffix"

# The throwaway set. The Target's name carries the suffix, so destroy touches nothing of any other
# run or Target; every object's name does too.
target_doc="apiVersion: amlauth/v1
kind: Target
metadata: {name: smoke-$suffix}
spec:
  cloud: $cloud_spec
  tenant_id: \${env:AZURE_TENANT_ID}
  subscription_id: \${env:AZURE_SUBSCRIPTION_ID}
---
apiVersion: amlauth/v1
kind: Workspace
metadata: {name: $AMLAUTH_LIVE_WORKSPACE}
spec: {resource_group: $AMLAUTH_LIVE_RESOURCE_GROUP}"
printf '%s\n' "$target_doc" >"$set_dir/target.yaml"
printf '%s\n' "$target_doc" >"$bare_dir/target.yaml"

# A certificate credential, so the probes can see how Graph spells its thumbprint (D3) and which
# end date it keeps (D13): valid 800 days, longer than Graph's one-year default. The private key
# is deleted at once; only the public certificate is in the set.
openssl req -x509 -newkey rsa:2048 -nodes -days 800 -subj "/CN=amlauth-smoke-$suffix" \
    -keyout "$work/cert.key" -out "$set_dir/smoke-cert.pem" >/dev/null 2>&1 || fail "openssl could not make a certificate"
rm -f "$work/cert.key"

cat >"$set_dir/principal.yaml" <<EOF
apiVersion: amlauth/v1
kind: ServicePrincipal
metadata: {name: smoke-$suffix}
spec:
  display_name: amlauth-smoke-$suffix
  credentials:
    - {name: ci, type: password, lifetime: 2d, renew_before: 1d, deliver_to: "file:.secrets/smoke.json"}
    - {name: cert, type: certificate, certificate_file: smoke-cert.pem}
---
apiVersion: amlauth/v1
kind: RoleAssignment
metadata: {name: smoke-$suffix-reads-rg}
spec:
  principal: {service_principal: smoke-$suffix}
  role: Reader
  scope: {resource_group: $AMLAUTH_LIVE_RESOURCE_GROUP}
EOF
if [ "${AMLAUTH_LIVE_ENDPOINTS:-}" = 1 ]; then
    # A managed endpoint without deployments: no compute, so nothing billable runs behind it.
    cat >"$set_dir/endpoint.yaml" <<EOF
apiVersion: amlauth/v1
kind: OnlineEndpoint
metadata: {name: smoke-$suffix}
spec:
  workspace: $AMLAUTH_LIVE_WORKSPACE
  compute: managed
  auth_mode: key
  description: amlauth live smoke test, run $suffix; deleted by the run
EOF
fi

# Runs `amlauth ARGS…`, output in $logs/NAME.txt; fails unless the exit code is EXPECTED.
step() {
    local name="$1" expected="$2"
    shift 2
    local code=0
    "$binary" "$@" >"$logs/$name.txt" 2>&1 || code=$?
    if [ "$code" != "$expected" ]; then
        say "amlauth $* exited $code (expected $expected); its output:"
        sed 's/^/    /' "$logs/$name.txt" >&2
        exit 1
    fi
    say "ok: amlauth $1 ($name) exited $code"
}
expect_in() {
    grep -qF -- "$2" "$logs/$1.txt" || fail "$1: expected '$2' in its output"
}

step validate 0 validate "$set_dir"
step plan-before 2 plan "$set_dir" --detailed-exitcode
expect_in plan-before "ServicePrincipal/smoke-$suffix"
expect_in plan-before "RoleAssignment/smoke-$suffix-reads-rg"
if [ "${AMLAUTH_LIVE_ENDPOINTS:-}" = 1 ]; then expect_in plan-before "OnlineEndpoint/smoke-$suffix"; fi
applied=1
step apply 0 apply "$set_dir" --auto-approve
step plan-after 0 plan "$set_dir" --detailed-exitcode
expect_in plan-after "No changes. The cloud matches the manifests."

# The delivered password: 0600, in the run's directory, and never in any output.
sink="$set_dir/.secrets/smoke.json"
[ -f "$sink" ] || fail "apply delivered no password to $sink"
[ "$(stat -c %a "$sink")" = 600 ] || fail "the password file is mode $(stat -c %a "$sink"), not 600"

probed=1
python3 "$root/scripts/live_smoke/probes.py" run --suffix "$suffix" --mode "$mode" --sink "$sink" \
    --certificate "$set_dir/smoke-cert.pem" --report "$report" >"$logs/probes.txt" 2>&1 ||
    { sed 's/^/    /' "$logs/probes.txt" >&2; fail "the probes did not complete"; }
cat "$logs/probes.txt" >&2

step destroy 0 destroy "$set_dir" --auto-approve --allow-mass-delete
destroyed=1
expect_in destroy "ServicePrincipal/smoke-$suffix"
expect_in destroy "RoleAssignment/smoke-$suffix-reads-rg"
if [ "${AMLAUTH_LIVE_ENDPOINTS:-}" = 1 ]; then expect_in destroy "OnlineEndpoint/smoke-$suffix"; fi
step plan-clean 0 plan "$bare_dir" --prune --detailed-exitcode
expect_in plan-clean "No changes. The cloud matches the manifests."

# No output of this run, nor the report, holds the password.
python3 - "$sink" "$report" "$logs" <<'EOF' || fail "the password appeared in the run's output"
import json, os, sys
sink, report, logs = sys.argv[1:4]
secret = json.load(open(sink))["clientSecret"]
files = [report] + [os.path.join(logs, name) for name in os.listdir(logs)]
leaks = [path for path in files if secret in open(path, encoding="utf-8", errors="replace").read()]
if leaks:
    print("live-smoke: the password is in " + ", ".join(os.path.basename(p) for p in leaks), file=sys.stderr)
    sys.exit(1)
EOF
rm -f "$sink"
say "passed: validate, plan, apply, clean plan, destroy, clean Target; report in $report"
