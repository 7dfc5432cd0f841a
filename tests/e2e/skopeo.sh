#!/usr/bin/env bash
# skopeo.sh REGISTRY_BIN - skopeo 1.9 (containers/image 5.23) against the
# registry: push of every test image (exact digests), artifact with subject +
# referrers API, Docker schema 2 push, inspect (raw, normal, config),
# list-tags, registry->registry copy with cross-repository mounts, delete by
# tag and by digest, sync registry->dir->registry, pulls compared byte for byte.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_begin skopeo "$@"
need_cmd skopeo jq curl unshare
make_layout
start_registry
R=$REGISTRY
OCI_MANIFEST=application/vnd.oci.image.manifest.v1+json
OCI_INDEX=application/vnd.oci.image.index.v1+json
D2_MANIFEST=application/vnd.docker.distribution.manifest.v2+json
D2_LIST=application/vnd.docker.distribution.manifest.list.v2+json
PUSH=(copy --dest-tls-verify=false "${DEST_CREDS[@]}")
PULL=(copy --src-tls-verify=false "${SRC_CREDS[@]}")
R2R=(copy --src-tls-verify=false --dest-tls-verify=false "${SRC_CREDS[@]}" "${DEST_CREDS[@]}")

# ---- push: v1 as is, multilayer and multiarch with --preserve-digests ----------
must "copy oci:v1 -> e2e/single:v1" skopeo "${PUSH[@]}" --digestfile "$WORK/v1.digest" \
    "oci:$LAYOUT:v1" "docker://$R/e2e/single:v1"
assert_eq "skopeo --digestfile of v1" "$V1_MANIFEST" "$(cat "$WORK/v1.digest")"
check_manifest e2e/single v1 "$V1_MANIFEST" "$OCI_MANIFEST" "$(layout_blob "$V1_MANIFEST")"
check_manifest e2e/single "$V1_MANIFEST" "$V1_MANIFEST" "$OCI_MANIFEST"

must "copy --preserve-digests oci:multilayer -> e2e/ml:1" skopeo "${PUSH[@]}" --preserve-digests \
    "oci:$LAYOUT:multilayer" "docker://$R/e2e/ml:1"
check_manifest e2e/ml 1 "$MULTILAYER_MANIFEST" "$OCI_MANIFEST" "$(layout_blob "$MULTILAYER_MANIFEST")"
for d in $(jq -r '.config.digest, .layers[].digest' "$(layout_blob "$MULTILAYER_MANIFEST")"); do
    check_blob e2e/ml "$d" "$(layout_blob "$d")"
done

must "copy --all --preserve-digests oci:multiarch -> e2e/multi:latest" skopeo "${PUSH[@]}" --all --preserve-digests \
    "oci:$LAYOUT:multiarch" "docker://$R/e2e/multi:latest"
check_manifest e2e/multi latest "$MULTIARCH_INDEX" "$OCI_INDEX" "$(layout_blob "$MULTIARCH_INDEX")"
check_manifest e2e/multi "$MULTIARCH_AMD64_MANIFEST" "$MULTIARCH_AMD64_MANIFEST" "$OCI_MANIFEST"
check_manifest e2e/multi "$MULTIARCH_ARM64_MANIFEST" "$MULTIARCH_ARM64_MANIFEST" "$OCI_MANIFEST"

# ---- artifact with subject, pushed verbatim next to its subject -----------------
must "copy --preserve-digests oci:sbom -> e2e/single:sbom" skopeo "${PUSH[@]}" --preserve-digests \
    "oci:$LAYOUT:sbom" "docker://$R/e2e/single:sbom"
check_manifest e2e/single sbom "$SBOM_MANIFEST" "$OCI_MANIFEST" "$(layout_blob "$SBOM_MANIFEST")"
check_referrer e2e/single "$V1_MANIFEST" "$(layout_blob "$SBOM_MANIFEST")"
if supports referrers; then
    expect_status "referrers of a manifest without referrers" 200 GET "/v2/e2e/ml/referrers/$MULTILAYER_MANIFEST"
    assert_eq "no referrers listed for multilayer" 0 "$(jq '.manifests | length' "$HTTP_BODY")"
fi

# ---- Docker schema 2 ----------------------------------------------------------------
must "copy --format v2s2 oci:v1 -> e2e/v2s2:v1" skopeo "${PUSH[@]}" --format v2s2 --digestfile "$WORK/v2s2.digest" \
    "oci:$LAYOUT:v1" "docker://$R/e2e/v2s2:v1"
V2S2=$(cat "$WORK/v2s2.digest")
check_raw_digest e2e/v2s2:v1 "$V2S2"
assert_eq "v2s2 manifest and config media types" \
    "$D2_MANIFEST application/vnd.docker.container.image.v1+json application/vnd.docker.image.rootfs.diff.tar.gzip" \
    "$(jq -r '"\(.mediaType) \(.config.mediaType) \(.layers[0].mediaType)"' "$LAST_OUT")"
check_manifest e2e/v2s2 v1 "$V2S2" "$D2_MANIFEST"
must "copy --all --format v2s2 oci:multiarch -> e2e/v2s2:multi" skopeo "${PUSH[@]}" --all --format v2s2 \
    --digestfile "$WORK/v2s2-list.digest" "oci:$LAYOUT:multiarch" "docker://$R/e2e/v2s2:multi"
V2S2_LIST=$(cat "$WORK/v2s2-list.digest")
check_raw_digest e2e/v2s2:multi "$V2S2_LIST"
assert_eq "v2s2 list media type and child media types" "$D2_LIST $D2_MANIFEST $D2_MANIFEST" \
    "$(jq -r '"\(.mediaType) \(.manifests[0].mediaType) \(.manifests[1].mediaType)"' "$LAST_OUT")"
check_manifest e2e/v2s2 multi "$V2S2_LIST" "$D2_LIST"

# ---- inspect ----------------------------------------------------------------------------
check_raw_digest e2e/single:sbom "$SBOM_MANIFEST"
assert_eq "artifact keeps artifactType and subject" "application/vnd.example.sbom.v1+json $V1_MANIFEST" \
    "$(jq -r '"\(.artifactType) \(.subject.digest)"' "$LAST_OUT")"
must "inspect e2e/single:v1" skopeo inspect "${NOTLS[@]}" "${CREDS[@]}" "docker://$R/e2e/single:v1"
V1_CONFIG=$(jq -r .config.digest "$(layout_blob "$V1_MANIFEST")")
V1_LAYER=$(jq -r '.layers[0].digest' "$(layout_blob "$V1_MANIFEST")")
assert_eq "inspect: digest, platform, label, layers, tags" \
    "$V1_MANIFEST linux/amd64 v1 [\"$V1_LAYER\"] [\"sbom\",\"v1\"]" \
    "$(jq -r '"\(.Digest) \(.Os)/\(.Architecture) \(.Labels["org.example.test"]) \(.Layers|tojson) \(.RepoTags|sort|tojson)"' "$LAST_OUT")"
must "inspect --config --raw e2e/single:v1" skopeo inspect "${NOTLS[@]}" "${CREDS[@]}" --config --raw "docker://$R/e2e/single:v1"
assert_files_equal "config of v1 equals the pushed config" "$(layout_blob "$V1_CONFIG")" "$LAST_OUT"
must_fail "inspect of a missing tag fails with manifest unknown" 'manifest unknown' \
    skopeo inspect "${NOTLS[@]}" "${CREDS[@]}" --raw "docker://$R/e2e/single:nope"
must_fail "inspect of a missing repository fails" 'manifest unknown|name unknown|repository name not known' \
    skopeo inspect "${NOTLS[@]}" "${CREDS[@]}" --raw "docker://$R/e2e/never-pushed:v1"

# ---- list-tags ----------------------------------------------------------------------------
check_tags e2e/single '["sbom","v1"]'
check_tags e2e/ml '["1"]'
check_tags e2e/multi '["latest"]'
check_tags e2e/v2s2 '["multi","v1"]'

# ---- pull back, byte for byte --------------------------------------------------------------
must "copy --preserve-digests e2e/ml:1 -> oci:pulled" skopeo "${PULL[@]}" --preserve-digests \
    "docker://$R/e2e/ml:1" "oci:$WORK/pulled-ml:ml"
compare_layouts "$WORK/pulled-ml" 7
must "copy --all --preserve-digests e2e/multi:latest -> oci:pulled" skopeo "${PULL[@]}" --all --preserve-digests \
    "docker://$R/e2e/multi:latest" "oci:$WORK/pulled-multi:multi"
compare_layouts "$WORK/pulled-multi" 7

# ---- registry -> registry: cross-repository mount ---------------------------------------------
# skopeo knows from its blob-info cache that the layers are in e2e/ml, so it
# mounts them (POST ?mount=&from=) instead of uploading; only the config
# (which it never mounts) is uploaded with a PATCH.
must "copy e2e/ml:1 -> e2e/ml-mount:1 (registry to registry)" skopeo --debug "${R2R[@]}" --preserve-digests \
    "docker://$R/e2e/ml:1" "docker://$R/e2e/ml-mount:1"
mounts=$(grep -cE 'POST [^ ]*/v2/e2e/ml-mount/blobs/uploads/\?[^ ]*mount=' "$E2E_LAST_LOG" || true)
patches=$(grep -cE 'PATCH [^ ]*/v2/e2e/ml-mount/blobs/uploads/' "$E2E_LAST_LOG" || true)
assert_eq "skopeo mounted the 5 layers from e2e/ml and uploaded only the config" "5 mounts, 1 uploads" \
    "$mounts mounts, $patches uploads"
check_manifest e2e/ml-mount 1 "$MULTILAYER_MANIFEST" "$OCI_MANIFEST"
for d in $(jq -r '.layers[].digest' "$(layout_blob "$MULTILAYER_MANIFEST")"); do
    check_blob e2e/ml-mount "$d" "$(layout_blob "$d")"
done
must "copy e2e/ml:1 -> e2e/ml:2 (new tag, same repository)" skopeo "${R2R[@]}" --preserve-digests \
    "docker://$R/e2e/ml:1" "docker://$R/e2e/ml:2"
check_tags e2e/ml '["1","2"]'

# ---- delete by tag and by digest -------------------------------------------------------------
must "delete e2e/v2s2:v1 (by tag)" skopeo delete "${NOTLS[@]}" "${CREDS[@]}" "docker://$R/e2e/v2s2:v1"
must_fail "deleted tag e2e/v2s2:v1 is gone" 'manifest unknown' \
    skopeo inspect "${NOTLS[@]}" "${CREDS[@]}" --raw "docker://$R/e2e/v2s2:v1"
must_fail "deleted manifest e2e/v2s2@digest is gone" 'manifest unknown' \
    skopeo inspect "${NOTLS[@]}" "${CREDS[@]}" --raw "docker://$R/e2e/v2s2@$V2S2"
expect_status "HEAD of the deleted manifest is 404" 404 HEAD "/v2/e2e/v2s2/manifests/$V2S2"
check_tags e2e/v2s2 '["multi"]'

must "delete e2e/ml-mount@digest" skopeo delete "${NOTLS[@]}" "${CREDS[@]}" "docker://$R/e2e/ml-mount@$MULTILAYER_MANIFEST"
must_fail "deleted manifest e2e/ml-mount@digest is gone" 'manifest unknown' \
    skopeo inspect "${NOTLS[@]}" "${CREDS[@]}" --raw "docker://$R/e2e/ml-mount@$MULTILAYER_MANIFEST"
must_fail "its tag e2e/ml-mount:1 is gone too" 'manifest unknown' \
    skopeo inspect "${NOTLS[@]}" "${CREDS[@]}" --raw "docker://$R/e2e/ml-mount:1"
http GET /v2/e2e/ml-mount/tags/list
case $HTTP_STATUS in
200) assert_eq "tags of e2e/ml-mount after the delete" '[]' "$(jq -c '.tags // [] | sort' "$HTTP_BODY")" ;;
404) assert_match "tags/list of the emptied repository: 404 NAME_UNKNOWN" '"NAME_UNKNOWN"' "$(cat "$HTTP_BODY")" ;;
*) fail "tags/list of the emptied repository e2e/ml-mount: status $HTTP_STATUS" ;;
esac
check_manifest e2e/ml 1 "$MULTILAYER_MANIFEST" "$OCI_MANIFEST"
for d in $(jq -r '.layers[].digest' "$(layout_blob "$MULTILAYER_MANIFEST")"); do
    check_blob e2e/ml "$d" "$(layout_blob "$d")"
done

# ---- sync: registry -> dir -> registry ---------------------------------------------------------
must "sync docker e2e/ml -> dir" skopeo sync --src docker --dest dir --src-tls-verify=false "${SRC_CREDS[@]}" \
    --preserve-digests "$R/e2e/ml" "$WORK/sync"
for t in 1 2; do
    [[ -f $WORK/sync/ml:$t/manifest.json ]] || fail "sync did not write $WORK/sync/ml:$t/manifest.json ($(ls "$WORK/sync"))"
    assert_eq "synced ml:$t manifest digest" "$MULTILAYER_MANIFEST" "$(sha256_of "$WORK/sync/ml:$t/manifest.json")"
done
must "sync dir -> docker e2e/synced" skopeo sync --src dir --dest docker --dest-tls-verify=false "${DEST_CREDS[@]}" \
    --preserve-digests "$WORK/sync/ml:2" "$R/e2e/synced"
check_tags e2e/synced/ml '["2"]'
check_manifest e2e/synced/ml 2 "$MULTILAYER_MANIFEST" "$OCI_MANIFEST" "$(layout_blob "$MULTILAYER_MANIFEST")"
must "copy --preserve-digests e2e/synced/ml:2 -> oci:pulled" skopeo "${PULL[@]}" --preserve-digests \
    "docker://$R/e2e/synced/ml:2" "oci:$WORK/pulled-synced:ml"
compare_layouts "$WORK/pulled-synced" 7

# ---- parallel pushes of the same blobs (same repository, and four others) ------------------------
pids=()
for i in 1 2 3 4; do
    skopeo "${PUSH[@]}" --preserve-digests "oci:$LAYOUT:multilayer" "docker://$R/par/same:t$i" >"$LOGDIR/par-same-$i.log" 2>&1 &
    pids+=($!)
    skopeo "${PUSH[@]}" --preserve-digests "oci:$LAYOUT:multilayer" "docker://$R/par/r$i:t" >"$LOGDIR/par-r$i.log" 2>&1 &
    pids+=($!)
done
failed=0
for p in "${pids[@]}"; do wait "$p" || failed=$((failed + 1)); done
assert_eq "8 parallel pushes of the same image succeeded" 0 "$failed"
expect=()
for i in 1 2 3 4; do expect+=(--expect "par/same:t$i=$MULTILAYER_MANIFEST" --expect "par/r$i:t=$MULTILAYER_MANIFEST"); done
must "consistency of the whole registry after the parallel pushes" python3 "$E2E_LIB_DIR/consistency.py" check "$REG_URL" \
    --layout "$LAYOUT" ${CURL_CREDS[1]:+--user "${CURL_CREDS[1]}"} "${expect[@]}"
say "$(tail -n 1 "$LAST_OUT")"

e2e_end
