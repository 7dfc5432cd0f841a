#!/usr/bin/env bash
# crash.sh REGISTRY_BIN - crash safety. On one data directory:
#  1. completed pushes (skopeo), then a 200 MiB streamed chunked PATCH
#     (curl -T -, Transfer-Encoding: chunked) killed with SIGKILL mid-transfer;
#  2. restart: clean start, the partial blob is invisible (HEAD 404), every
#     catalog repository and tag is consistent, completed content is
#     byte-identical; if the registry still knows the upload, it can be
#     resumed from the offset it reports and completes with the right digest;
#  3. SIGKILL right after a manifest push returned 201 (skopeo, then curl),
#     restart: the manifests are there, whole;
#  4. SIGKILL in the middle of a skopeo push: after a restart the tag that was
#     never written does not exist, whatever blobs are visible are whole;
#  5. SIGTERM (exit 0), offline `scopereg gc --grace-period 0s`: no staging
#     files left, no blob file that nothing references, every referenced one
#     still there; restart, everything pulls back byte-identical.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_begin crash "$@"
need_cmd skopeo curl jq python3 du
make_layout
DATA=$WORK/data
mkdir -p "$DATA"
start_registry --data "$DATA"
PORT=$REG_PORT
R=$REGISTRY
OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
BIG_MIB=200  # size of the interrupted upload
SENT_MIB=150 # sent before the generator pauses; the kill happens after >= KILL_MIB are on disk
KILL_MIB=100

declare -A EXPECT=() # "repo:tag" -> manifest digest that must survive every crash

# closure DIGEST...: the digests of these manifests and everything they
# reference (children of indexes, configs, layers), from the test layout, as
# "<digest> manifest|blob" lines.
closure() { python3 "$E2E_LIB_DIR/consistency.py" closure --layout "$LAYOUT" "$@"; }

# verify_consistent: through the API, every repository in the catalog lists
# its tags, every tag resolves to a manifest whose children and blobs are all
# fetchable and hash right; every expected tag has the pushed bytes.
verify_consistent() {
    local key args=()
    for key in "${!EXPECT[@]}"; do args+=(--expect "$key=${EXPECT[$key]}"); done
    [[ -n $REG_CACERT ]] && args+=(--cacert "$REG_CACERT")
    have_creds && args+=(--user "$USER:$PASS")
    E2E_SILENT=$((E2E_SILENT + 1))
    must "consistency check" python3 "$E2E_LIB_DIR/consistency.py" check "$REG_URL" --layout "$LAYOUT" "${args[@]}"
    E2E_SILENT=$((E2E_SILENT - 1))
    ok "consistent: $(tail -n 1 "$LAST_OUT")"
}

restart() { # restarts on the same data dir and port
    start_registry --data "$DATA" --port "$PORT"
    ok "registry restarted on the same data directory"
}

# ---- 1. completed content, then an upload killed mid-transfer ----------------------------------------
must "push v1 -> crash/single:v1" skopeo copy --dest-tls-verify=false "${DEST_CREDS[@]}" \
    "oci:$LAYOUT:v1" "docker://$R/crash/single:v1"
must "push multilayer -> crash/ml:1" skopeo copy --dest-tls-verify=false "${DEST_CREDS[@]}" --preserve-digests \
    "oci:$LAYOUT:multilayer" "docker://$R/crash/ml:1"
must "push multiarch -> crash/multi:latest" skopeo copy --dest-tls-verify=false "${DEST_CREDS[@]}" --all \
    --preserve-digests "oci:$LAYOUT:multiarch" "docker://$R/crash/multi:latest"
EXPECT[crash/single:v1]=$V1_MANIFEST
EXPECT[crash/ml:1]=$MULTILAYER_MANIFEST
EXPECT[crash/multi:latest]=$MULTIARCH_INDEX
verify_consistent

# Deterministic bytes, 1 MiB blocks: `gen digest` prints the digests of the
# whole blob and of the first SENT_MIB; `gen stream FROM_BYTE TO_MIB PAUSE_S`
# writes bytes [FROM_BYTE, TO_MIB MiB) to stdout, then sleeps PAUSE_S.
cat >"$WORK/gen.py" <<'PY'
import hashlib, random, sys, time
MIB = 1 << 20
def block(i):
    return random.Random(1000 + i).randbytes(MIB)
if sys.argv[1] == "digest":
    total, prefix = int(sys.argv[2]), int(sys.argv[3])
    h = hashlib.sha256()
    for i in range(total):
        h.update(block(i))
        if i + 1 == prefix:
            print("sha256:" + h.hexdigest())
    print("sha256:" + h.hexdigest())
else:
    start, end, pause = int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
    out = sys.stdout.buffer
    i = start // MIB
    first = True
    while i < end:
        b = block(i)
        out.write(b[start % MIB:] if first else b)
        first = False
        i += 1
    out.flush()
    time.sleep(pause)
PY
mapfile -t DIG < <(python3 "$WORK/gen.py" digest "$BIG_MIB" "$SENT_MIB")
BIG_DIGEST=${DIG[1]} PREFIX_DIGEST=${DIG[0]}

expect_status "POST: start the big upload in crash/big" 202 POST /v2/crash/big/blobs/uploads/ -H 'Content-Length: 0'
LOC=$(location)
before=$(du -sb "$DATA" | cut -f1)
mkfifo "$WORK/big.fifo"
python3 "$WORK/gen.py" stream 0 "$SENT_MIB" 120 >"$WORK/big.fifo" &
GEN_PID=$!
register_daemon "$GEN_PID"
curl -sS -X PATCH "${CURL_CREDS[@]}" -H 'Content-Type: application/octet-stream' -T - "$LOC" \
    <"$WORK/big.fifo" >"$LOGDIR/big-patch.out" 2>&1 &
CURL_PID=$!
register_daemon "$CURL_PID"
deadline=$((SECONDS + 90))
while :; do
    staged=$(($(du -sb "$DATA" | cut -f1) - before))
    ((staged >= KILL_MIB * 1048576)) && break
    ((SECONDS < deadline)) || fail "the registry staged only $staged bytes of the streamed PATCH in 90 s"
    _alive "$CURL_PID" || fail "curl ended before the kill: $(cat "$LOGDIR/big-patch.out")"
    sleep 0.05
done
ok "streamed chunked PATCH in progress: $((staged / 1048576)) MiB staged on disk"
kill9_registry
wait "$CURL_PID" 2>/dev/null && fail "the PATCH succeeded although the registry was killed" || true
kill "$GEN_PID" 2>/dev/null || true
wait "$GEN_PID" 2>/dev/null || true
ok "the PATCH failed on the client side (connection lost)"

# ---- 2. restart ----------------------------------------------------------------------------------------
restart
expect_status "HEAD of the interrupted blob (whole) is 404" 404 HEAD "/v2/crash/big/blobs/$BIG_DIGEST"
expect_status "HEAD of the interrupted blob (sent prefix) is 404" 404 HEAD "/v2/crash/big/blobs/$PREFIX_DIGEST"
verify_consistent

http GET "$(rel "$LOC")"
case $HTTP_STATUS in
204)
    range=$(header Range)
    [[ $range =~ ^(bytes=)?0-([0-9]+)$ ]] || fail "upload status after the restart: Range [$range] is not 0-N"
    # "0-N" names the last byte held; "0-0" is also what registries (this
    # one and Distribution) send for an empty upload. The upload can only
    # hold 0 bytes or a whole PATCH here, never exactly 1: read 0-0 as empty.
    offset=$((BASH_REMATCH[2] + 1))
    [[ ${BASH_REMATCH[2]} == 0 ]] && offset=0
    ((offset <= SENT_MIB * 1048576)) || fail "upload status says $offset bytes, more than the $SENT_MIB MiB sent"
    ok "the upload survived the crash: the registry reports $offset bytes"
    loc=$LOC
    [[ -n $(header Location) ]] && loc=$(location)
    rest=$((BIG_MIB * 1048576 - offset))
    python3 "$WORK/gen.py" stream "$offset" "$BIG_MIB" 0 >"$WORK/rest.bin"
    expect_status "PATCH the remaining $rest bytes from offset $offset" 202 PATCH "$(rel "$loc")" \
        -H 'Content-Type: application/octet-stream' \
        -H "Content-Range: $offset-$((BIG_MIB * 1048576 - 1))" --data-binary "@$WORK/rest.bin"
    loc=$(location)
    rm -f "$WORK/rest.bin"
    expect_status "PUT ?digest= completes the resumed upload" 201 PUT "$(rel "$(with_digest "$loc" "$BIG_DIGEST")")" \
        -H 'Content-Length: 0'
    expect_status "HEAD of the completed big blob" 200 HEAD "/v2/crash/big/blobs/$BIG_DIGEST"
    assert_eq "completed big blob size" "$((BIG_MIB * 1048576))" "$(header Content-Length)"
    ;;
404) ok "the interrupted upload is gone after the restart (GET upload status: 404)" ;;
*) fail "GET upload status after the restart: $HTTP_STATUS, expected 204 (resumable) or 404" ;;
esac

# ---- 3. SIGKILL right after manifest pushes -------------------------------------------------------------
must "push multiarch -> crash/after:latest, then SIGKILL at once" skopeo copy --dest-tls-verify=false \
    "${DEST_CREDS[@]}" --all --preserve-digests "oci:$LAYOUT:multiarch" "docker://$R/crash/after:latest"
kill9_registry
EXPECT[crash/after:latest]=$MULTIARCH_INDEX
restart
verify_consistent

# Blobs of the artifact first, then its manifest with curl, SIGKILL as soon as
# curl returns.
must "push v1 -> crash/art:v1 and the artifact's blobs (skopeo)" skopeo copy --dest-tls-verify=false \
    "${DEST_CREDS[@]}" "oci:$LAYOUT:v1" "docker://$R/crash/art:v1"
for d in $(jq -r '.config.digest, .layers[].digest' "$(layout_blob "$SBOM_MANIFEST")"); do
    expect_status "monolithic upload of ${d:0:19}" 202 POST /v2/crash/art/blobs/uploads/ -H 'Content-Length: 0'
    expect_status "PUT ${d:0:19}" 201 PUT "$(rel "$(with_digest "$(location)" "$d")")" \
        -H 'Content-Type: application/octet-stream' --data-binary "@$(layout_blob "$d")"
done
code=$(curl -sS -o /dev/null -w '%{http_code}' "${CURL_CREDS[@]}" -X PUT -H "Content-Type: $OCI_MANIFEST" \
    --data-binary "@$(layout_blob "$SBOM_MANIFEST")" "$REG_URL/v2/crash/art/manifests/sbom") || true
kill9_registry
assert_eq "manifest PUT crash/art:sbom answered 201 (then SIGKILL)" 201 "$code"
EXPECT[crash/art:v1]=$V1_MANIFEST
EXPECT[crash/art:sbom]=$SBOM_MANIFEST
restart
verify_consistent
check_referrer crash/art "$V1_MANIFEST" "$(layout_blob "$SBOM_MANIFEST")"

# ---- 4. SIGKILL in the middle of a push --------------------------------------------------------------------
# A one-layer image with a 64 MiB uncompressed layer (pushed as is with
# --preserve-digests), so that the kill lands while the layer is uploading,
# before the config and the manifest.
python3 - "$WORK/race-layout" <<'PY'
import hashlib, io, json, os, random, sys, tarfile
out = sys.argv[1]
os.makedirs(f"{out}/blobs/sha256", exist_ok=True)
def put(data):
    d = hashlib.sha256(data).hexdigest()
    open(f"{out}/blobs/sha256/{d}", "wb").write(data)
    return {"digest": "sha256:" + d, "size": len(data)}
payload = random.Random(7).randbytes(64 << 20)
buf = io.BytesIO()
with tarfile.open(fileobj=buf, mode="w", format=tarfile.USTAR_FORMAT) as t:
    ti = tarfile.TarInfo("race.bin"); ti.size = len(payload); ti.mtime = 0
    t.addfile(ti, io.BytesIO(payload))
layer = buf.getvalue()
cfg = put(json.dumps({"architecture": "amd64", "os": "linux",
                      "rootfs": {"type": "layers", "diff_ids": ["sha256:" + hashlib.sha256(layer).hexdigest()]}}).encode())
lay = put(layer)
man = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
                  "config": dict(cfg, mediaType="application/vnd.oci.image.config.v1+json"),
                  "layers": [dict(lay, mediaType="application/vnd.oci.image.layer.v1.tar")]}).encode()
m = put(man)
open(f"{out}/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
open(f"{out}/index.json", "w").write(json.dumps({"schemaVersion": 2, "manifests": [dict(m,
    mediaType="application/vnd.oci.image.manifest.v1+json", annotations={"org.opencontainers.image.ref.name": "race"})]}))
PY
RACE_MANIFEST=$(jq -r '.manifests[0].digest' "$WORK/race-layout/index.json")
RACE_LAYER=$(jq -r '.layers[0].digest' "$WORK/race-layout/blobs/sha256/${RACE_MANIFEST#sha256:}")
RACE_CONFIG=$(jq -r '.config.digest' "$WORK/race-layout/blobs/sha256/${RACE_MANIFEST#sha256:}")
before=$(du -sb "$DATA" | cut -f1)
skopeo copy --dest-tls-verify=false "${DEST_CREDS[@]}" --preserve-digests "oci:$WORK/race-layout:race" \
    "docker://$R/crash/race:1" >"$LOGDIR/race-push.log" 2>&1 &
PUSH_PID=$!
register_daemon "$PUSH_PID"
deadline=$((SECONDS + 60))
while (($(du -sb "$DATA" | cut -f1) - before < 16 * 1048576)); do
    ((SECONDS < deadline)) || fail "the race push staged less than 16 MiB in 60 s"
    _alive "$PUSH_PID" || fail "the race push ended before the kill: $(tail -n 3 "$LOGDIR/race-push.log")"
    sleep 0.02
done
kill9_registry
ok "registry killed while skopeo uploaded the 64 MiB layer of crash/race:1"
wait "$PUSH_PID" 2>/dev/null && fail "the push of crash/race:1 succeeded although the registry was killed" || true
restart
expect_status "crash/race:1 (its manifest was never pushed) does not exist" 404 GET /v2/crash/race/manifests/1 \
    -H "Accept: $OCI_MANIFEST"
expect_status "the interrupted 64 MiB layer is not visible" 404 HEAD "/v2/crash/race/blobs/$RACE_LAYER"
expect_status "the config (never sent) is not visible" 404 HEAD "/v2/crash/race/blobs/$RACE_CONFIG"
verify_consistent

# ---- 5. stop, offline GC, restart --------------------------------------------------------------------------
stop_registry
staging_files() {
    find "$DATA" -type f \( -path "$DATA/uploads/*" -o -path "$DATA/*/uploads/*" \
        -o -path "$DATA/tmp/*" -o -path "$DATA/*/tmp/*" \) | sort
}
case $REGISTRY_KIND in
scopereg)
    must "scopereg gc --data-dir DATA --grace-period 0s" "$REGISTRY_BIN" gc --data-dir "$DATA" --grace-period 0s
    say "gc output: $(grep -v '^+' "$E2E_LAST_LOG" | cut -c1-300 | tr '\n' ' ')"
    # Interrupted uploads keep their session (resumable, architecture.md
    # decision 3) until gc.upload_expiry (default 24h), whatever the grace
    # period; only staging files without a session go with --grace-period.
    left=$(staging_files)
    say "staging files kept by gc --grace-period 0s (live upload sessions): $(wc -w <<<"$left")"
    must "scopereg gc --grace-period 0s --set gc.upload_expiry=0s" "$REGISTRY_BIN" gc --data-dir "$DATA" \
        --grace-period 0s --set gc.upload_expiry=0s
    say "gc output: $(grep -v '^+' "$E2E_LAST_LOG" | cut -c1-300 | tr '\n' ' ')"
    ;;
distribution)
    must "docker-registry garbage-collect" env -u REGISTRY_AUTH_FILE -u REGISTRY_BIN -u REGISTRY_KIND \
        "$REGISTRY_BIN" garbage-collect "$WORK/distribution.yml"
    ;;
esac

if supports scopereg-layout; then
    # storage/fs layout (fs_blob_store.h): <root>/blobs/sha256/<2 hex>/<hex>,
    # <root>/uploads/<id>, <root>/tmp/<uuid>; root = DATA/blobs by default.
    staging=$(staging_files)
    [[ -z $staging ]] || fail "staging files left after gc: $(echo "$staging" | head -n 10 | xargs) ($(wc -l <<<"$staging") files)"
    ok "no staging files (uploads/, tmp/) left after gc"
    mapfile -t ONDISK < <(find "$DATA" -type f -regextype posix-extended -regex '.*/sha256/[0-9a-f]{2}/[0-9a-f]{64}' \
        -printf 'sha256:%f\n' | sort -u)
    mapfile -t REFERENCED < <(closure "${EXPECT[@]}" | cut -d' ' -f1)
    mapfile -t REFERENCED_BLOBS < <(closure "${EXPECT[@]}" | awk '$2 == "blob" { print $1 }')
    orphans=$(comm -23 <(printf '%s\n' "${ONDISK[@]}") <(printf '%s\n' "${REFERENCED[@]}"))
    [[ -z $orphans ]] || fail "blob files nothing references survived gc --grace-period 0s: $(echo $orphans)"
    ok "no unreferenced blob file left (${#ONDISK[@]} blob files on disk)"
    # Layers and configs must be files; manifests may live in the metadata store.
    missing=""
    for d in "${REFERENCED_BLOBS[@]}"; do
        printf '%s\n' "${ONDISK[@]}" | grep -qxF "$d" || missing+=" $d"
    done
    [[ -z $missing ]] || fail "gc removed referenced blobs:$missing"
    ok "every referenced config and layer is still on disk"
    say "data dir after gc: $(find "$DATA" -type f | sed "s|$DATA/||" | grep -vE '/sha256/' | sort | xargs) + ${#ONDISK[@]} blob files"
else
    skip_check "staging/orphan file checks ($REGISTRY_KIND has another data layout)"
fi

restart
verify_consistent
expect_status "HEAD of the uncommitted big blob after gc" 404 HEAD "/v2/crash/big/blobs/$PREFIX_DIGEST"
http HEAD "/v2/crash/big/blobs/$BIG_DIGEST"
if [[ $HTTP_STATUS == 200 ]]; then
    # A blob no manifest references may be collected; if the registry still
    # answers 200, the bytes must be there.
    expect_status "GET of the big blob (HEAD said 200)" 200 GET "/v2/crash/big/blobs/$BIG_DIGEST" -L
    assert_eq "big blob bytes" "$BIG_DIGEST" "$(sha256_of "$HTTP_BODY")"
    rm -f "$HTTP_BODY"
else
    assert_eq "big blob (unreferenced) after gc" 404 "$HTTP_STATUS"
fi
expect_status "the interrupted 64 MiB layer is still not visible after gc" 404 HEAD "/v2/crash/race/blobs/$RACE_LAYER"
for key in "${!EXPECT[@]}"; do
    [[ $key == crash/art:sbom ]] && continue # skopeo pulls artifacts only with --raw
    n=$(closure "${EXPECT[$key]}" | wc -l)
    must "pull $key back (skopeo)" skopeo copy --src-tls-verify=false "${SRC_CREDS[@]}" --all --preserve-digests \
        "docker://$R/$key" "oci:$WORK/pulled-${key//[\/:]/-}:x"
    compare_layouts "$WORK/pulled-${key//[\/:]/-}" "$n"
done
e2e_end
