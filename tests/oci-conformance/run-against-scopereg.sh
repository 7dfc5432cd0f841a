#!/usr/bin/env bash
# run-against-scopereg.sh SCOPEREG_BIN: starts scopereg on a free loopback
# port with a fresh data directory, runs the OCI conformance suite (all four
# workflows, automatic cross-mount enabled) against it, stops it, and exits
# with the suite's status. The registry log is printed on failure.
set -uo pipefail
bin=${1:?usage: $0 SCOPEREG_BIN}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; rm -rf "$work"' EXIT

port=
for p in $(seq 5300 5399); do
  if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
done
[[ -n $port ]] || { echo "no free port in 5300-5399" >&2; exit 1; }

"$bin" serve --data-dir "$work/data" --listen "127.0.0.1:$port" --set auth.mode=none \
  --set log.file="$work/registry.log" &
pid=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$port/healthz" >/dev/null && break
  sleep 0.1
done

OCI_AUTOMATIC_CROSSMOUNT=${OCI_AUTOMATIC_CROSSMOUNT:-1} OCI_REPORT_DIR=${OCI_REPORT_DIR:-$work/report} \
  "$here/run.sh" "http://127.0.0.1:$port"
rc=$?
if ((rc != 0)); then
  echo "--- registry log (last 50 lines)" >&2
  tail -50 "$work/registry.log" >&2
fi
exit $rc
