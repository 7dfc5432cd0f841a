#!/usr/bin/env bash
# tls.sh REGISTRY_BIN - the registry serving HTTPS with a self-signed
# certificate for 127.0.0.1 (IP SAN) made with openssl: skopeo push/pull with
# certificate verification ON (--dest-cert-dir/--src-cert-dir holding the
# certificate as ca.crt, --tls-verify=true), skopeo refusing the server
# without the CA, and curl --cacert checks of the API.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_begin tls "$@"
need_cmd openssl skopeo curl jq
make_layout

CERTS=$WORK/certs
mkdir -p "$CERTS"
must "openssl: self-signed certificate for IP 127.0.0.1" openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 \
    -subj "/CN=127.0.0.1" -addext "subjectAltName=IP:127.0.0.1" \
    -keyout "$CERTS/key.pem" -out "$CERTS/cert.pem"
cp "$CERTS/cert.pem" "$CERTS/ca.crt" # skopeo --cert-dir reads *.crt as CA certificates
start_registry --tls "$CERTS/cert.pem" "$CERTS/key.pem" "$CERTS/cert.pem"
R=$REGISTRY
assert_eq "registry URL is https" "https://$R" "$REG_URL"
TLSV=(--tls-verify=true --cert-dir "$CERTS")

# ---- curl ------------------------------------------------------------------------------------------
expect_status "curl --cacert GET /v2/" 200 GET /v2/
if supports healthz; then expect_status "curl --cacert GET /healthz" 200 GET /healthz; fi
rc=0
curl -sS -o /dev/null --max-time 10 "https://$R/v2/" 2>"$LOGDIR/curl-no-ca.err" || rc=$?
assert_eq "curl without the CA refuses the certificate (exit 60)" 60 "$rc"
rc=0
out=$(openssl s_client -connect "$R" -servername 127.0.0.1 -CAfile "$CERTS/cert.pem" -verify_return_error </dev/null 2>&1) || rc=$?
grep -q 'Verify return code: 0 (ok)' <<<"$out" || fail "openssl s_client did not verify the server: $(tail -n 5 <<<"$out")"
ok "openssl s_client verifies the served certificate chain (Verify return code: 0)"

# ---- skopeo with verification --------------------------------------------------------------------------
must_fail "skopeo with --tls-verify=true and no CA refuses the server" \
    'x509: certificate signed by unknown authority|certificate is not trusted|failed to verify certificate' \
    skopeo inspect --tls-verify=true "${CREDS[@]}" --raw "docker://$R/tls/none:v1"
must "skopeo copy (verified TLS) oci:v1 -> tls/single:v1" skopeo copy --dest-tls-verify=true --dest-cert-dir "$CERTS" \
    "${DEST_CREDS[@]}" "oci:$LAYOUT:v1" "docker://$R/tls/single:v1"
must "skopeo copy (verified TLS) --preserve-digests oci:multilayer -> tls/ml:1" skopeo copy --dest-tls-verify=true \
    --dest-cert-dir "$CERTS" "${DEST_CREDS[@]}" --preserve-digests "oci:$LAYOUT:multilayer" "docker://$R/tls/ml:1"
must "skopeo copy (verified TLS) --all oci:multiarch -> tls/multi:latest" skopeo copy --dest-tls-verify=true \
    --dest-cert-dir "$CERTS" "${DEST_CREDS[@]}" --all --preserve-digests "oci:$LAYOUT:multiarch" "docker://$R/tls/multi:latest"
for ref in "tls/single:v1 $V1_MANIFEST" "tls/ml:1 $MULTILAYER_MANIFEST" "tls/multi:latest $MULTIARCH_INDEX"; do
    set -- $ref
    must "skopeo inspect --raw (verified TLS) $1" skopeo inspect "${TLSV[@]}" "${CREDS[@]}" --raw "docker://$R/$1"
    assert_eq "digest of $1 over TLS" "$2" "$(sha256_of "$LAST_OUT")"
done
must "skopeo list-tags (verified TLS) tls/single" skopeo list-tags "${TLSV[@]}" "${CREDS[@]}" "docker://$R/tls/single"
assert_eq "tags of tls/single" '["v1"]' "$(jq -c '.Tags | sort' "$LAST_OUT")"
must "skopeo copy (verified TLS) tls/ml:1 -> oci:pulled" skopeo copy --src-tls-verify=true --src-cert-dir "$CERTS" \
    "${SRC_CREDS[@]}" --preserve-digests "docker://$R/tls/ml:1" "oci:$WORK/pulled-ml:ml"
compare_layouts "$WORK/pulled-ml" 7
must "skopeo copy (verified TLS) --all tls/multi:latest -> oci:pulled" skopeo copy --src-tls-verify=true --src-cert-dir "$CERTS" \
    "${SRC_CREDS[@]}" --all --preserve-digests "docker://$R/tls/multi:latest" "oci:$WORK/pulled-multi:multi"
compare_layouts "$WORK/pulled-multi" 7

# ---- the API over TLS with curl --cacert -------------------------------------------------------------------
check_manifest tls/ml 1 "$MULTILAYER_MANIFEST" application/vnd.oci.image.manifest.v1+json "$(layout_blob "$MULTILAYER_MANIFEST")"
BIG=$(jq -r '[.layers[] | select(.size > 1000000)][0].digest' "$(layout_blob "$MULTILAYER_MANIFEST")")
check_blob tls/ml "$BIG" "$(layout_blob "$BIG")"
expect_status "curl --cacert ranged GET of a blob" 206 GET "/v2/tls/ml/blobs/$BIG" -L -H 'Range: bytes=100-1099'
cmp -s "$HTTP_BODY" <(tail -c +101 "$(layout_blob "$BIG")" | head -c 1000) || fail "ranged GET over TLS returned other bytes"
ok "ranged GET over TLS returns bytes 100-1099 of the blob"

e2e_end
