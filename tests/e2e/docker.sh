#!/usr/bin/env bash
# docker.sh REGISTRY_BIN - the docker CLI without an engine (DOCKER_CONFIG in
# the work dir): the registry's answer to a TLS ClientHello on its plain-HTTP
# port (the CLI's https->http fallback needs an "HTTP/1.x 400" status line),
# docker manifest inspect --insecure (image and index), docker manifest
# create/push --insecure of a list made from two pushed images (children by
# digest, blobs mounted across repositories), and docker login when USER and
# PASS are set.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_begin docker "$@"
need_cmd docker skopeo jq python3
make_layout
start_registry
R=$REGISTRY
export DOCKER_CLI_HINTS=false

# ---- the https -> http fallback ----------------------------------------------------------------
# What the Go client does with --insecure: try TLS first; it only falls back to
# plain HTTP when the answer to its ClientHello starts with "HTTP/".
must "send a TLS ClientHello to the plain-HTTP port" python3 - "$REG_PORT" <<'PY'
import socket, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
tls = ctx.wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
try:
    tls.do_handshake()
except ssl.SSLWantReadError:
    pass
hello = outgoing.read()
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
s.sendall(hello)
data = b""
try:
    while len(data) < 65536:
        chunk = s.recv(4096)
        if not chunk:
            break
        data += chunk
except socket.timeout:
    pass
sys.stdout.write(data[:300].decode("latin-1"))
PY
first=$(head -n 1 "$LAST_OUT" | tr -d '\r')
assert_match "the ClientHello gets an HTTP/1.x 400 status line" '^HTTP/1\.[01] 400( |$)' "$first"

# ---- login (only with credentials) -------------------------------------------------------------------
docker_login() {
    must "docker login $R" sh -c 'printf "%s" "$PASS" | docker login -u "$USER" --password-stdin "$1"' sh "$R"
    grep -q 'Login Succeeded' "$E2E_LAST_LOG" || fail "docker login did not say Login Succeeded"
    local stored
    stored=$(jq -r --arg r "$R" '.auths[$r] | if .identitytoken then "identitytoken" else (.auth | @base64d) end' \
        "$DOCKER_CONFIG/config.json")
    if [[ $stored != identitytoken ]]; then
        assert_eq "docker stored the credentials for $R" "$USER:$PASS" "$stored"
    else
        ok "docker stored an identity token for $R"
    fi
    must_fail "docker login with a wrong password fails" 'unauthorized|401|incorrect username or password' \
        sh -c 'printf "wrong-%s" "$PASS" | DOCKER_CONFIG="$2" docker login -u "$USER" --password-stdin "$1"' \
        sh "$R" "$WORK/docker-config-wrong"
}
if have_creds; then
    docker_login
else
    skip_check "docker login: USER/PASS not set (the registry runs without authentication)"
fi

# ---- images to work with ------------------------------------------------------------------------------
must "push v1 (amd64) -> docker/amd:1 (skopeo)" skopeo copy --dest-tls-verify=false "${DEST_CREDS[@]}" \
    "oci:$LAYOUT:v1" "docker://$R/docker/amd:1"
must "push the arm64 instance of multiarch -> docker/arm:1 (skopeo)" skopeo copy --dest-tls-verify=false \
    "${DEST_CREDS[@]}" --preserve-digests --override-arch arm64 --override-variant v8 \
    "oci:$LAYOUT:multiarch" "docker://$R/docker/arm:1"
check_raw_digest docker/arm:1 "$MULTIARCH_ARM64_MANIFEST"
must "push the multiarch index -> docker/multi:latest (skopeo)" skopeo copy --dest-tls-verify=false \
    "${DEST_CREDS[@]}" --all --preserve-digests "oci:$LAYOUT:multiarch" "docker://$R/docker/multi:latest"

# ---- docker manifest inspect ------------------------------------------------------------------------------
V1=$(layout_blob "$V1_MANIFEST")
must "docker manifest inspect --insecure docker/amd:1" docker manifest inspect --insecure "$R/docker/amd:1"
assert_eq "manifest inspect shows the v1 config and layer" \
    "$(jq -r '"\(.config.digest) \(.layers | map(.digest) | join(","))"' "$V1")" \
    "$(jq -r '"\(.config.digest) \(.layers | map(.digest) | join(","))"' "$LAST_OUT")"
must "docker manifest inspect --insecure -v docker/amd:1" docker manifest inspect --insecure -v "$R/docker/amd:1"
assert_eq "manifest inspect -v: descriptor digest, size, media type" \
    "$V1_MANIFEST $(stat -c %s "$V1") application/vnd.oci.image.manifest.v1+json" \
    "$(jq -r '"\(.Descriptor.digest) \(.Descriptor.size) \(.Descriptor.mediaType)"' "$LAST_OUT")"
must "docker manifest inspect --insecure docker/multi:latest (index)" docker manifest inspect --insecure "$R/docker/multi:latest"
assert_eq "manifest inspect of the index lists both platforms" \
    "$(sorted_join "$MULTIARCH_AMD64_MANIFEST linux/amd64" "$MULTIARCH_ARM64_MANIFEST linux/arm64")" \
    "$(jq -r '[.manifests[] | "\(.digest) \(.platform.os)/\(.platform.architecture)"] | sort | join(",")' "$LAST_OUT")"
must_fail "docker manifest inspect of a missing tag fails" 'no such manifest|manifest unknown|not found' \
    docker manifest inspect --insecure "$R/docker/amd:nope"

# ---- docker manifest create / push ---------------------------------------------------------------------------
must "docker manifest create --insecure docker/list:1 amd:1 arm:1" docker manifest create --insecure \
    "$R/docker/list:1" "$R/docker/amd:1" "$R/docker/arm:1"
must "docker manifest push --insecure docker/list:1" docker manifest push --insecure "$R/docker/list:1"
LIST=$(grep -oE 'sha256:[0-9a-f]{64}' "$LAST_OUT" | tail -n 1)
assert_match "docker manifest push printed the list digest" '^sha256:[0-9a-f]{64}$' "$LIST"
check_raw_digest docker/list:1 "$LIST"
LIST_MT=$(jq -r .mediaType "$LAST_OUT")
assert_match "list media type" '^application/vnd\.(oci\.image\.index\.v1|docker\.distribution\.manifest\.list\.v2)\+json$' "$LIST_MT"
assert_eq "pushed list: v1 (amd64) and arm64 manifests" \
    "$(sorted_join "$V1_MANIFEST linux/amd64" "$MULTIARCH_ARM64_MANIFEST linux/arm64")" \
    "$(jq -r '[.manifests[] | "\(.digest) \(.platform.os)/\(.platform.architecture)"] | sort | join(",")' "$LAST_OUT")"
check_manifest docker/list 1 "$LIST" "$LIST_MT"
for m in "$V1_MANIFEST" "$MULTIARCH_ARM64_MANIFEST"; do
    check_manifest docker/list "$m" "$m" application/vnd.oci.image.manifest.v1+json "$(layout_blob "$m")"
    for b in $(jq -r '.config.digest, .layers[].digest' "$(layout_blob "$m")"); do
        check_blob docker/list "$b" "$(layout_blob "$b")"
    done
done
must "docker manifest inspect --insecure docker/list:1" docker manifest inspect --insecure "$R/docker/list:1"
assert_eq "docker reads back the list it pushed" "$(sorted_join "$V1_MANIFEST" "$MULTIARCH_ARM64_MANIFEST")" \
    "$(jq -r '[.manifests[].digest] | sort | join(",")' "$LAST_OUT")"

e2e_end
