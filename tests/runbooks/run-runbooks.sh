#!/usr/bin/env bash
# run-runbooks.sh SCOPEREG_BIN [RUNBOOK.md...] - executes every ```sh block of
# the runbooks in docs/runbooks/ (default: all of them), in order, as one
# bash script per runbook (set -euo pipefail), each against its own fresh
# `scopereg serve` on 127.0.0.1 with a port from 5460-5479.
#
# What a runbook gets (its "Before you start" section names the same):
#   REGISTRY_URL          http://127.0.0.1:<port>
#   REGISTRY              127.0.0.1:<port> (what docker and image references use)
#   OPERATOR_CREDENTIAL   the registry's initial-owner-credential file
#   SCOPEREG_CONFIG_DIR   a private config directory (profiles from login)
#   PATH                  with the scopereg binary first
# and its working directory is a scratch directory.
#
# Images a runbook assumes exist (its CI pushed them) are declared in the
# runbook as <!-- runbook-test: image REPO:TAG -->; this script pushes a small
# image under each name before the runbook runs, with a temporary push token
# that it deletes again (the runbook never sees it).
#
# Blocks fenced as ```sh run; ```console, ```text etc. are illustrations.
# Exit status: 0 when every runbook ran to its end, 1 otherwise. Logs (the
# bash -x trace and the registry's log) are kept in RUNBOOK_RESULTS (default
# a temporary directory) and printed for a failing runbook.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
if [[ $# -lt 1 ]]; then
    echo "usage: $0 SCOPEREG_BIN [RUNBOOK.md...]" >&2
    exit 2
fi
BIN=$1
shift
[[ -x $BIN ]] || { echo "run-runbooks: $BIN is not executable" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
RUNBOOKS=("$@")
((${#RUNBOOKS[@]})) || RUNBOOKS=("$ROOT"/docs/runbooks/*.md)
for c in curl sha256sum base64; do
    command -v "$c" >/dev/null || { echo "run-runbooks: $c is required" >&2; exit 2; }
done
RESULTS=${RUNBOOK_RESULTS:-$(mktemp -d "${TMPDIR:-/tmp}/scopereg-runbooks.XXXXXX")}
mkdir -p "$RESULTS"

SERVER_PID=""
stop_server() {
    if [[ -n $SERVER_PID ]]; then
        kill -TERM "$SERVER_PID" 2>/dev/null
        wait "$SERVER_PID" 2>/dev/null
        SERVER_PID=""
    fi
}
trap stop_server EXIT

# start_server DIR: serve from DIR/data on the first free port of 5460-5479;
# sets PORT.
start_server() {
    local dir=$1 port
    for port in $(seq 5460 5479); do
        "$BIN" serve --data-dir "$dir/data" --set listen.address=127.0.0.1 --set "listen.port=$port" \
            >>"$dir/registry.log" 2>&1 &
        SERVER_PID=$!
        local i
        for i in $(seq 1 100); do
            if curl -fs -o /dev/null "http://127.0.0.1:$port/healthz"; then
                # Our process answers, not someone else's on that port.
                if kill -0 "$SERVER_PID" 2>/dev/null; then PORT=$port; return 0; fi
            fi
            kill -0 "$SERVER_PID" 2>/dev/null || break
            sleep 0.1
        done
        stop_server
    done
    echo "run-runbooks: no free port in 5460-5479 (log: $dir/registry.log)" >&2
    return 1
}

# seed_image URL REPO:TAG: pushes a one-layer OCI image with a temporary token.
seed_image() {
    local url=$1 ref=$2 owner repo tag pw
    repo=${ref%%:*}
    tag=${ref#*:}
    owner=$(cat "$DIR/data/initial-owner-credential")
    pw=$(curl -fsS -X PUT -H "Authorization: Bearer $owner" -H 'Content-Type: application/json' \
        --data '{"scopeMap":"_repositories_push","passwords":[{"name":"password1"}]}' \
        "$url/api/v1/tokens/runbook-seeder" | sed -n 's/.*"value":"\([^"]*\)".*/\1/p') || return 1
    local config="{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"$ref\"}"
    local layer="layer of $ref"
    local blob digest
    for blob in "$config" "$layer"; do
        digest=sha256:$(printf '%s' "$blob" | sha256sum | cut -d' ' -f1)
        curl -fsS -o /dev/null -u "runbook-seeder:$pw" -H 'Content-Type: application/octet-stream' \
            --data-binary "$blob" "$url/v2/$repo/blobs/uploads/?digest=$digest" || return 1
    done
    local cd ld manifest
    cd=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
    ld=$(printf '%s' "$layer" | sha256sum | cut -d' ' -f1)
    manifest="{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"config\":{\"mediaType\":\"application/vnd.oci.image.config.v1+json\",\"digest\":\"sha256:$cd\",\"size\":${#config}},\"layers\":[{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\",\"digest\":\"sha256:$ld\",\"size\":${#layer}}]}"
    curl -fsS -o /dev/null -X PUT -u "runbook-seeder:$pw" \
        -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
        --data-binary "$manifest" "$url/v2/$repo/manifests/$tag" || return 1
    curl -fsS -o /dev/null -X DELETE -H "Authorization: Bearer $owner" "$url/api/v1/tokens/runbook-seeder" || return 1
}

# extract RUNBOOK: the ```sh blocks, in order.
extract() {
    awk '
        /^```sh[[:space:]]*$/ { inside = 1; print "# ---- block at line " NR; next }
        /^```/ && inside { inside = 0; next }
        inside { print }
    ' "$1"
}

failed=()
for rb in "${RUNBOOKS[@]}"; do
    name=$(basename "$rb" .md)
    DIR=$RESULTS/$name
    rm -rf "$DIR"
    mkdir -p "$DIR/work" "$DIR/config"
    start=$SECONDS
    status=FAIL
    {
        echo "set -euo pipefail"
        extract "$rb"
    } >"$DIR/runbook.sh"
    if ! grep -q '^# ---- block' "$DIR/runbook.sh"; then
        echo "run-runbooks: $rb has no \`\`\`sh blocks" >&2
    elif start_server "$DIR"; then
        url=http://127.0.0.1:$PORT
        seeded=ok
        for image in $(sed -n 's/^<!-- runbook-test: image \([^ ]*\) -->$/\1/p' "$rb"); do
            seed_image "$url" "$image" || { seeded=""; echo "run-runbooks: could not push $image" >&2; }
        done
        if [[ -n $seeded ]] &&
            (cd "$DIR/work" &&
                env REGISTRY_URL="$url" REGISTRY="127.0.0.1:$PORT" \
                    OPERATOR_CREDENTIAL="$DIR/data/initial-owner-credential" \
                    SCOPEREG_CONFIG_DIR="$DIR/config" PATH="$(dirname "$BIN"):$PATH" \
                    timeout 300 bash -x "$DIR/runbook.sh") >"$DIR/trace.log" 2>&1; then
            status=PASS
        fi
        stop_server
    fi
    printf 'run-runbooks: %-28s %s (%d s)\n' "$name" "$status" $((SECONDS - start))
    if [[ $status != PASS ]]; then
        failed+=("$name")
        echo "---- $name: last 60 lines of $DIR/trace.log" >&2
        tail -n 60 "$DIR/trace.log" >&2
        echo "---- $name: last 20 lines of $DIR/registry.log" >&2
        tail -n 20 "$DIR/registry.log" >&2
    fi
done
if ((${#failed[@]})); then
    echo "run-runbooks: FAILED: ${failed[*]} (logs in $RESULTS)" >&2
    exit 1
fi
echo "run-runbooks: all ${#RUNBOOKS[@]} runbooks passed"
