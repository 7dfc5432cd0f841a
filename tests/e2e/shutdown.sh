#!/usr/bin/env bash
# shutdown.sh REGISTRY_BIN - graceful stop on SIGTERM (http.shutdown_grace
# set to GRACE seconds): with an idle keep-alive connection open; while a
# rate-limited 32 MiB blob download is in flight (it must complete with the
# right bytes);
# with requests stalled longer than the grace period (a half-sent request
# head and a PATCH whose body stops coming). Each time the registry must exit
# with status 0 within the grace period (+3 s), and restart cleanly on the
# same data with the content intact.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_begin shutdown "$@"
supports graceful-shutdown || skip_test "$REGISTRY_KIND has no graceful shutdown (dies of SIGTERM)"
need_cmd skopeo curl python3 jq
GRACE=6
export REGISTRY_ARGS="${REGISTRY_ARGS:+$REGISTRY_ARGS }--set http.shutdown_grace=${GRACE}s"
make_layout
DATA=$WORK/data
mkdir -p "$DATA"
start_registry --data "$DATA"
PORT=$REG_PORT
R=$REGISTRY
must "push multilayer -> stop/ml:1" skopeo copy --dest-tls-verify=false "${DEST_CREDS[@]}" --preserve-digests \
    "oci:$LAYOUT:multilayer" "docker://$R/stop/ml:1"
# A 32 MiB blob: big enough that a rate-limited download outlasts what the
# socket buffers absorb, so the response really is in flight at SIGTERM.
head -c 33554432 /dev/urandom >"$WORK/big.blob"
BIG=$(sha256_of "$WORK/big.blob")
expect_status "POST: upload a 32 MiB blob" 202 POST /v2/stop/ml/blobs/uploads/ -H 'Content-Length: 0'
expect_status "PUT ?digest= of the 32 MiB blob" 201 PUT "$(rel "$(with_digest "$(location)" "$BIG")")" \
    -H 'Content-Type: application/octet-stream' --data-binary "@$WORK/big.blob"

# background CMD...: runs a client in the background, killed at exit if need be.
background() {
    "$@" &
    BG_PID=$!
    register_daemon "$BG_PID"
}

# ---- 1. idle keep-alive connection ---------------------------------------------------------
background python3 -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
time.sleep(60)' "$PORT"
sleep 0.5
stop_registry $((GRACE + 3))
kill "$BG_PID" 2>/dev/null || true

# ---- 2. a download in flight completes --------------------------------------------------------
start_registry --data "$DATA" --port "$PORT"
background curl -sS -f --limit-rate 10M "${CURL_CREDS[@]}" -o "$WORK/slow.blob" "$REG_URL/v2/stop/ml/blobs/$BIG"
DL=$BG_PID
sleep 1
_alive "$DL" || fail "the rate-limited download ended before SIGTERM (test too fast to mean anything)"
stop_registry $((GRACE + 3))
rc=0
wait "$DL" || rc=$?
assert_eq "the download in flight at SIGTERM completed (curl exit status)" 0 "$rc"
assert_files_equal "the download in flight got the whole 32 MiB blob" "$WORK/big.blob" "$WORK/slow.blob"

# ---- 3. requests stalled beyond the grace period ------------------------------------------------
start_registry --data "$DATA" --port "$PORT"
background python3 -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /v2/ HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # the head never ends
time.sleep(60)' "$PORT"
expect_status "POST: start an upload" 202 POST /v2/stop/stalled/blobs/uploads/ -H 'Content-Length: 0'
LOC=$(location)
background sh -c '{ head -c 1048576 /dev/zero; sleep 60; } | curl -sS -X PATCH -H "Content-Type: application/octet-stream" -T - "$1" -o /dev/null' \
    sh "$LOC"
sleep 1
stop_registry $((GRACE + 3))

# ---- the data is intact ----------------------------------------------------------------------------
start_registry --data "$DATA" --port "$PORT"
check_manifest stop/ml 1 "$MULTILAYER_MANIFEST" application/vnd.oci.image.manifest.v1+json "$(layout_blob "$MULTILAYER_MANIFEST")"
must "pull stop/ml:1 back (skopeo)" skopeo copy --src-tls-verify=false "${SRC_CREDS[@]}" --preserve-digests \
    "docker://$R/stop/ml:1" "oci:$WORK/pulled:ml"
compare_layouts "$WORK/pulled" 7
e2e_end
