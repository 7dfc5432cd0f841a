#!/usr/bin/env bash
# validate-distribution.sh [none|htpasswd|both] - run the port against CNCF
# Distribution (Debian package docker-registry, 2.8.x) started here on
# 127.0.0.1 with a free port in 5300-5399, filesystem storage in a temporary
# directory and storage.delete.enabled=true.  Used to validate the port; the
# reports land in $REPORT_ROOT (default: a temporary directory, printed).
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODE="${1:-both}"
REGISTRY_BIN="${REGISTRY_BIN:-docker-registry}"
USER_NAME=conformance
USER_PASS="conf-$(od -An -N6 -tx1 /dev/urandom | tr -d ' \n')"
REPORT_ROOT="${REPORT_ROOT:-$(mktemp -d "${TMPDIR:-/tmp}/oci-conformance-reports.XXXXXX")}"

port_free() { ! (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

pick_port() {
    local p
    for p in $(shuf -i 5300-5399); do
        if port_free "$p"; then echo "$p"; return 0; fi
    done
    return 1
}

REG_PID=""
STATE=""
cleanup() {
    if [[ -n $REG_PID ]] && kill -0 "$REG_PID" 2>/dev/null; then
        kill "$REG_PID" 2>/dev/null || true
        wait "$REG_PID" 2>/dev/null || true
    fi
    [[ -n $STATE ]] && rm -rf "$STATE"
    REG_PID=""
    STATE=""
}
trap cleanup EXIT

start_registry() { # mode -> sets REG_PID, PORT
    local mode=$1 auth=""
    STATE="$(mktemp -d "${TMPDIR:-/tmp}/oci-conformance-registry.XXXXXX")"
    mkdir -p "$STATE/root"
    PORT="$(pick_port)"
    if [[ $mode == htpasswd ]]; then
        htpasswd -Bbc "$STATE/htpasswd" "$USER_NAME" "$USER_PASS" 2>/dev/null
        auth="auth:
  htpasswd:
    realm: conformance-realm
    path: $STATE/htpasswd"
    fi
    cat >"$STATE/config.yml" <<CFG
version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $STATE/root
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:$PORT
  secret: conformance-not-a-secret
$auth
CFG
    "$REGISTRY_BIN" serve "$STATE/config.yml" >"$STATE/registry.log" 2>&1 &
    REG_PID=$!
    for _ in $(seq 100); do
        if curl -s -o /dev/null "http://127.0.0.1:$PORT/v2/"; then return 0; fi
        sleep 0.1
    done
    echo "registry did not start:" >&2
    cat "$STATE/registry.log" >&2
    return 1
}

rc=0
run_mode() {
    local mode=$1
    start_registry "$mode"
    echo "=== Distribution ($("$REGISTRY_BIN" --version 2>&1 | head -1)) mode=$mode url=http://127.0.0.1:$PORT"
    export OCI_REPORT_DIR="$REPORT_ROOT/$mode"
    if [[ $mode == htpasswd ]]; then
        "$HERE/run.sh" "http://127.0.0.1:$PORT" "$USER_NAME" "$USER_PASS" || rc=1
    else
        "$HERE/run.sh" "http://127.0.0.1:$PORT" || rc=1
    fi
    cp "$STATE/registry.log" "$OCI_REPORT_DIR/registry.log" 2>/dev/null || true
    cleanup
}

case $MODE in
none | htpasswd) run_mode "$MODE" ;;
both) run_mode none; run_mode htpasswd ;;
*) echo "usage: $0 [none|htpasswd|both]" >&2; exit 2 ;;
esac
echo "reports: $REPORT_ROOT"
exit $rc
