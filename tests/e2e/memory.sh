#!/usr/bin/env bash
# memory.sh REGISTRY_BIN - bounded memory for big blobs: a 4 GiB blob made on
# the fly (head -c /dev/urandom, hashed on the way with tee) is pushed in ONE
# streamed PATCH (curl -T -: Transfer-Encoding chunked, no length), completed
# with PUT ?digest=, read back with GET and hashed; the registry's peak RSS
# (VmHWM in /proc/PID/status) must stay under 64 MiB.
# Off by default (long): E2E_BIG=1 turns it on. E2E_BIG_BYTES (default 4 GiB)
# and E2E_RSS_LIMIT_MIB (default 64) change size and limit.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_begin memory "$@"
[[ ${E2E_BIG:-0} == 1 ]] || skip_test "off by default; E2E_BIG=1 runs it (streams 4 GiB up and down)"
need_cmd curl sha256sum head tee
SIZE=${E2E_BIG_BYTES:-4294967296}
LIMIT_MIB=${E2E_RSS_LIMIT_MIB:-64}
start_registry

kib() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$REG_PID/status"; }
say "registry RSS after start-up: VmRSS $(kib VmRSS) KiB, VmHWM $(kib VmHWM) KiB"

# Sample VmRSS while data flows (VmHWM is the real measure; this shows the curve).
sample_rss() {
    local max=0 v
    while _alive "$REG_PID"; do
        v=$(awk '$1 == "VmRSS:" { print $2 }' "/proc/$REG_PID/status" 2>/dev/null) || break
        if [[ -n $v ]] && ((v > max)); then
            max=$v
            echo "$max" >"$WORK/rss-max.tmp" && mv -f "$WORK/rss-max.tmp" "$WORK/rss-max"
        fi
        sleep 0.2
    done
}
sample_rss &
SAMPLER=$!
register_daemon "$SAMPLER"

expect_status "POST: start the upload" 202 POST /v2/mem/big/blobs/uploads/ -H 'Content-Length: 0'
LOC=$(location)
mkfifo "$WORK/hash.fifo"
sha256sum <"$WORK/hash.fifo" >"$WORK/upload.sha" &
HASHER=$!
t0=$SECONDS
set +e
head -c "$SIZE" /dev/urandom | tee "$WORK/hash.fifo" |
    curl -sS -X PATCH "${CURL_CREDS[@]}" -H 'Content-Type: application/octet-stream' -T - \
        -D "$WORK/patch.headers" -o "$WORK/patch.body" -w '%{http_code}' "$LOC" >"$WORK/patch.code" 2>"$WORK/patch.err"
rc=$?
set -e
wait "$HASHER"
t_up=$((SECONDS - t0))
((rc == 0)) || fail "streamed PATCH: curl exit status $rc: $(cat "$WORK/patch.err")"
DIGEST="sha256:$(cut -d' ' -f1 "$WORK/upload.sha")"
assert_eq "streamed PATCH of $SIZE bytes (chunked) answered" 202 "$(cat "$WORK/patch.code")"
HTTP_HEADERS=$WORK/patch.headers
assert_eq "Range after the PATCH" "0-$((SIZE - 1))" "$(header Range | sed 's/^bytes=//')"
expect_status "PUT ?digest= completes the upload" 201 PUT "$(rel "$(with_digest "$(location)" "$DIGEST")")" \
    -H 'Content-Length: 0'
say "upload: $SIZE bytes in ${t_up}s; registry VmHWM now $(kib VmHWM) KiB"
expect_status "HEAD of the big blob" 200 HEAD "/v2/mem/big/blobs/$DIGEST"
assert_eq "Content-Length of the big blob" "$SIZE" "$(header Content-Length)"

t0=$SECONDS
got=$(curl -sS -L "${CURL_CREDS[@]}" --max-time 1200 "$REG_URL/v2/mem/big/blobs/$DIGEST" | sha256sum | cut -d' ' -f1)
t_down=$((SECONDS - t0))
assert_eq "GET returns the same $SIZE bytes (sha256)" "$DIGEST" "sha256:$got"
say "download: $SIZE bytes in ${t_down}s"

hwm=$(kib VmHWM)
kill "$SAMPLER" 2>/dev/null || true
wait "$SAMPLER" 2>/dev/null || true
say "registry peak RSS: VmHWM $hwm KiB ($((hwm / 1024)) MiB); highest sampled VmRSS $(cat "$WORK/rss-max" 2>/dev/null || echo ?) KiB"
((hwm < LIMIT_MIB * 1024)) || fail "registry peak RSS (VmHWM) $hwm KiB is not under $LIMIT_MIB MiB"
ok "registry peak RSS $((hwm / 1024)) MiB < $LIMIT_MIB MiB for a $SIZE-byte blob up and down"
e2e_end
