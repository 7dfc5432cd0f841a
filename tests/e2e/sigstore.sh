#!/usr/bin/env bash
# sigstore.sh REGISTRY_BIN - @sigstore/oci 0.7.2 (the npm client npm
# provenance uses) attaches OCI 1.1 artifacts to an image: the registry must
# take the artifact manifest with `subject`, answer OCI-Subject on its PUT and
# list it in the referrers API, so that the client never needs the
# sha256-<hex> fallback tag. Skipped (exit 77) only when the npm registry
# cannot be reached to install the client.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_begin sigstore "$@"
need_cmd node npm skopeo jq curl
SIGSTORE_OCI_VERSION=0.7.2

if ! timeout 60 npm ping >"$LOGDIR/npm-ping.log" 2>&1; then
    skip_test "the npm registry is unreachable (npm ping failed, see $LOGDIR/npm-ping.log); cannot install @sigstore/oci"
fi
mkdir -p "$WORK/npm"
must "npm install @sigstore/oci@$SIGSTORE_OCI_VERSION" npm install --prefix "$WORK/npm" --no-audit --no-fund \
    --no-save "@sigstore/oci@$SIGSTORE_OCI_VERSION"
export NODE_PATH=$WORK/npm/node_modules

make_layout
start_registry
R=$REGISTRY
SUBJECT_SIZE=$(stat -c %s "$(layout_blob "$V1_MANIFEST")")

# attach ARTIFACT_TYPE [TAG]: runs the client; the descriptor it prints is in $LAST_OUT.
attach() {
    if have_creds; then
        must "@sigstore/oci attaches a $1 artifact to e2e/sig@v1" \
            node "$SHARED_DIR/tools/sigstore-attach.js" "$R/e2e/sig" "$V1_MANIFEST" "$USER" "$PASS" "$1" ${2:+"$2"}
    else
        # The shared tool always signs in, which fails on an anonymous
        # registry for a client reason (see sigstore-attach-anon.js).
        must "@sigstore/oci attaches a $1 artifact to e2e/sig@v1 (anonymous)" \
            node "$E2E_LIB_DIR/sigstore-attach-anon.js" "$R/e2e/sig" "$V1_MANIFEST" "$1" ${2:+"$2"}
    fi
}

must "push v1 -> e2e/sig:v1 (skopeo)" skopeo copy --dest-tls-verify=false "${DEST_CREDS[@]}" \
    "oci:$LAYOUT:v1" "docker://$R/e2e/sig:v1"

BUNDLE=application/vnd.dev.sigstore.bundle.v0.3+json
attach "$BUNDLE" v1
grep -q "getImageDigest v1 -> $V1_MANIFEST" "$LAST_OUT" || fail "getImageDigest(v1) did not return $V1_MANIFEST: $(cat "$LAST_OUT")"
ok "getImageDigest(v1) (HEAD by tag) returned the v1 digest"
ART=$(tail -n 1 "$LAST_OUT" | jq -r .digest)
assert_match "the client returned the artifact manifest's digest" '^sha256:[0-9a-f]{64}$' "$ART"

# ---- the artifact manifest as stored ------------------------------------------------------
expect_status "GET the artifact manifest" 200 GET "/v2/e2e/sig/manifests/$ART" \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json'
cp "$HTTP_BODY" "$WORK/artifact.json"
assert_eq "stored artifact hashes to its digest" "$ART" "$(sha256_of "$WORK/artifact.json")"
# @sigstore/oci builds `subject` from the HEAD response's Docker-Content-Digest,
# Content-Type and Content-Length.
assert_eq "artifact subject = v1 (digest, size, media type from the HEAD)" \
    "$V1_MANIFEST $SUBJECT_SIZE application/vnd.oci.image.manifest.v1+json" \
    "$(jq -r '.subject | "\(.digest) \(.size) \(.mediaType)"' "$WORK/artifact.json")"
assert_eq "artifactType, layer media type, annotation" "$BUNDLE $BUNDLE sigstore-oci" \
    "$(jq -r '"\(.artifactType) \(.layers[0].mediaType) \(.annotations["org.example.by"])"' "$WORK/artifact.json")"
expect_status "GET the artifact blob" 200 GET "/v2/e2e/sig/blobs/$(jq -r '.layers[0].digest' "$WORK/artifact.json")" -L
assert_eq "artifact blob content" '{"hello":"attestation"}' "$(cat "$HTTP_BODY")"

# ---- referrers API, OCI-Subject, no fallback tag --------------------------------------------
check_referrer e2e/sig "$V1_MANIFEST" "$WORK/artifact.json"
FALLBACK=sha256-${V1_MANIFEST#sha256:}
if supports referrers; then
    expect_status "re-PUT of the artifact manifest" 201 PUT "/v2/e2e/sig/manifests/$ART" \
        -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' --data-binary "@$WORK/artifact.json"
    assert_eq "manifest PUT with a subject answers OCI-Subject" "$V1_MANIFEST" "$(header OCI-Subject)"
    expect_status "the client created no fallback tag $FALLBACK" 404 HEAD "/v2/e2e/sig/manifests/$FALLBACK"
    check_tags e2e/sig '["v1"]'
else
    skip_check "OCI-Subject and no fallback tag ($REGISTRY_KIND has no referrers API)"
    expect_status "without referrers API the client wrote the fallback tag" 200 GET "/v2/e2e/sig/manifests/$FALLBACK" \
        -H 'Accept: application/vnd.oci.image.index.v1+json'
    assert_eq "fallback index lists the artifact" "$ART" "$(jq -r '.manifests[].digest' "$HTTP_BODY")"
fi

# ---- a second artifact of another type; artifactType filter ---------------------------------
OTHER=application/vnd.example.e2e.attestation.v1+json
attach "$OTHER"
ART2=$(tail -n 1 "$LAST_OUT" | jq -r .digest)
expect_status "GET the second artifact manifest" 200 GET "/v2/e2e/sig/manifests/$ART2" \
    -H 'Accept: application/vnd.oci.image.manifest.v1+json'
cp "$HTTP_BODY" "$WORK/artifact2.json"
check_referrer e2e/sig "$V1_MANIFEST" "$WORK/artifact2.json"
if supports referrers; then
    expect_status "referrers list both artifacts" 200 GET "/v2/e2e/sig/referrers/$V1_MANIFEST"
    assert_eq "referrers: exactly the two artifacts" "$(sorted_join "$ART" "$ART2")" \
        "$(jq -r '[.manifests[].digest] | sort | join(",")' "$HTTP_BODY")"
    # The '+' in the media type must be sent as %2B (a literal '+' in a query
    # means a space); curl -G --data-urlencode does that.
    expect_status "referrers?artifactType=$OTHER" 200 GET "/v2/e2e/sig/referrers/$V1_MANIFEST" \
        -G --data-urlencode "artifactType=$OTHER"
    if [[ -n $(header OCI-Filters-Applied) ]]; then
        assert_eq "OCI-Filters-Applied" artifactType "$(header OCI-Filters-Applied)"
        assert_eq "filtered referrers: only the second artifact" "$ART2" "$(jq -r '[.manifests[].digest] | join(",")' "$HTTP_BODY")"
    else
        assert_eq "unfiltered answer (no OCI-Filters-Applied) lists both" "$(sorted_join "$ART" "$ART2")" \
            "$(jq -r '[.manifests[].digest] | sort | join(",")' "$HTTP_BODY")"
        skip_check "artifactType filtering (optional in the spec; not applied by this registry)"
    fi
    check_tags e2e/sig '["v1"]'
fi

e2e_end
