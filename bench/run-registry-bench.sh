#!/usr/bin/env bash
# run-registry-bench.sh MODE SCOPEREG_BIN OUTPREFIX
#
# Registry-level benchmarks with ../shared/bench (bench-ab.sh runs both
# registries phase by phase in one run, so they see the same machine; compare
# ratios, and prefer the *_regcpu_* figures on a noisy machine).
#
#   vs-distribution  A = Debian's docker-registry 2.8.2, B = scopereg; both
#                    without authentication, filesystem storage under TMPDIR
#   bearer           A = scopereg without auth, B = scopereg with token auth
#                    (Bearer JWTs via /oauth2/token, a token with the
#                    _repositories_admin scope map)
#   audit            A = scopereg with audit events off, B = on (both no auth)
#   ceiling          what the load tools reach against a trivial server
#
# Writes OUTPREFIX-a.txt, OUTPREFIX-b.txt and prints the B/A table.
set -euo pipefail
mode=${1:?usage: $0 vs-distribution|bearer|audit|ceiling SCOPEREG_BIN OUTPREFIX}
bin=${2:?scopereg binary}
out=${3:?output prefix}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
shared=${SHARED_DIR:-$here/../../shared}
[[ -d $shared/bench ]] || { echo "run-registry-bench: $shared/bench not found (set SHARED_DIR)" >&2; exit 1; }
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  [[ -n ${dist_pid:-} ]] && "$shared/bench/run-distribution.sh" stop "$dist_pid" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# start_scopereg PORT NAME [extra serve flags...]: prints nothing, sets LAST_PID
start_scopereg() {
  local port=$1 name=$2
  shift 2
  "$bin" serve --data-dir "$work/$name" --listen "127.0.0.1:$port" --set log.access_log=false \
    --set log.file="$work/$name.log" "$@" &
  LAST_PID=$!
  pids+=("$LAST_PID")
  for _ in $(seq 1 100); do
    curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && return 0
    sleep 0.1
  done
  echo "scopereg on port $port did not start; log:" >&2
  cat "$work/$name.log" >&2
  exit 1
}

case $mode in
  ceiling)
    python3 "$shared/bench/ceiling.py" 5290 | tee "$out-ceiling.txt"
    ;;
  vs-distribution)
    dist_pid=$(REGISTRY_PORT=5200 "$shared/bench/run-distribution.sh" start none)
    start_scopereg 5210 scopereg --set auth.mode=none
    A_PID=$dist_pid B_PID=$LAST_PID "$shared/bench/bench-ab.sh" "$out" http://127.0.0.1:5200 -- http://127.0.0.1:5210
    ;;
  bearer)
    start_scopereg 5210 anonymous --set auth.mode=none
    a_pid=$LAST_PID
    start_scopereg 5211 bearer
    b_pid=$LAST_PID
    owner=$(cat "$work/bearer/initial-owner-credential")
    # A token that may do everything, created through the management API.
    resp=$(curl -fsS -X PUT -H "Authorization: Bearer $owner" -H 'Content-Type: application/json' \
      --data '{"scopeMap":"_repositories_admin","passwords":[{"name":"password1"}]}' \
      http://127.0.0.1:5211/api/v1/tokens/bench-token)
    pass=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["credentials"]["passwords"][0]["value"])' <<<"$resp")
    A_PID=$a_pid B_PID=$b_pid "$shared/bench/bench-ab.sh" "$out" http://127.0.0.1:5210 -- \
      http://127.0.0.1:5211 bench-token "$pass"
    ;;
  audit)
    start_scopereg 5210 audit-off --set auth.mode=none --set audit.enabled=false
    a_pid=$LAST_PID
    start_scopereg 5211 audit-on --set auth.mode=none
    b_pid=$LAST_PID
    A_PID=$a_pid B_PID=$b_pid "$shared/bench/bench-ab.sh" "$out" http://127.0.0.1:5210 -- http://127.0.0.1:5211
    ;;
  *)
    echo "unknown mode $mode" >&2
    exit 2
    ;;
esac
