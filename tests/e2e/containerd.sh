#!/usr/bin/env bash
# containerd.sh REGISTRY_BIN - ctr / containerd 1.6 (a private daemon) against
# the registry: pull of a single image and of a multi-arch index with
# --all-platforms (content compared to what was pushed), import of the OCI
# layout and push to new repositories (monolithic PUT uploads, HEAD before
# each manifest PUT, cross-repository mounts), checked with skopeo inspect --raw.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_begin containerd "$@"
need_cmd containerd ctr skopeo jq curl tar
make_layout
start_registry
containerd_start
R=$REGISTRY
PLAIN=(--plain-http "${CTR_CREDS[@]}")

# ---- pull what skopeo pushed --------------------------------------------------------------------
must "push v1 and the multiarch index with skopeo (setup)" skopeo copy --dest-tls-verify=false "${DEST_CREDS[@]}" \
    "oci:$LAYOUT:v1" "docker://$R/ctr-src/single:v1"
must "push the multiarch index with skopeo (setup)" skopeo copy --dest-tls-verify=false "${DEST_CREDS[@]}" \
    --all --preserve-digests "oci:$LAYOUT:multiarch" "docker://$R/ctr-src/multi:latest"

must "ctr images pull ctr-src/single:v1" ctr images pull "${PLAIN[@]}" "$R/ctr-src/single:v1"
assert_eq "ctr resolved v1 to its digest" "$V1_MANIFEST" "$(ctr_image_digest "$R/ctr-src/single:v1")"
for d in $V1_MANIFEST $(jq -r '.config.digest, .layers[].digest' "$(layout_blob "$V1_MANIFEST")"); do
    ctr content get "$d" >"$WORK/content" || fail "ctr content get $d"
    cmp -s "$WORK/content" "$(layout_blob "$d")" || fail "pulled content $d differs from the pushed bytes"
done
ok "pulled v1: manifest, config and layer byte-identical to the pushed ones"

must "ctr images pull --all-platforms ctr-src/multi:latest" ctr images pull "${PLAIN[@]}" --all-platforms "$R/ctr-src/multi:latest"
assert_eq "ctr resolved multi:latest to the index digest" "$MULTIARCH_INDEX" "$(ctr_image_digest "$R/ctr-src/multi:latest")"
n=0
for m in "$MULTIARCH_INDEX" "$MULTIARCH_AMD64_MANIFEST" "$MULTIARCH_ARM64_MANIFEST"; do
    for d in $m $(jq -r 'select(.config) | .config.digest, .layers[].digest' "$(layout_blob "$m")"); do
        ctr content get "$d" >"$WORK/content" || fail "ctr content get $d (not pulled?)"
        cmp -s "$WORK/content" "$(layout_blob "$d")" || fail "pulled content $d differs from the pushed bytes"
        n=$((n + 1))
    done
done
assert_eq "pulled index, both platforms' manifests, configs and layers byte-identical" 7 "$n"

# ---- import the layout and push it to new repositories -------------------------------------------------
(cd "$LAYOUT" && tar -cf "$WORK/layout.tar" .)
must "ctr images import --all-platforms the layout" ctr images import --all-platforms --no-unpack \
    --base-name e2e.local/layout "$WORK/layout.tar"
assert_eq "imported multilayer digest" "$MULTILAYER_MANIFEST" "$(ctr_image_digest e2e.local/layout:multilayer)"

must "ctr images push ctr/ml:1" ctr images push "${PLAIN[@]}" "$R/ctr/ml:1" e2e.local/layout:multilayer
check_raw_digest ctr/ml:1 "$MULTILAYER_MANIFEST"
check_manifest ctr/ml 1 "$MULTILAYER_MANIFEST" application/vnd.oci.image.manifest.v1+json "$(layout_blob "$MULTILAYER_MANIFEST")"
for d in $(jq -r '.config.digest, .layers[].digest' "$(layout_blob "$MULTILAYER_MANIFEST")"); do
    check_blob ctr/ml "$d" "$(layout_blob "$d")"
done

must "ctr images push ctr/multi:1 (index)" ctr images push "${PLAIN[@]}" "$R/ctr/multi:1" e2e.local/layout:multiarch
check_raw_digest ctr/multi:1 "$MULTIARCH_INDEX"
check_raw_digest "ctr/multi@$MULTIARCH_AMD64_MANIFEST" "$MULTIARCH_AMD64_MANIFEST"
check_raw_digest "ctr/multi@$MULTIARCH_ARM64_MANIFEST" "$MULTIARCH_ARM64_MANIFEST"
must "skopeo copy --all ctr/multi:1 back to a layout" skopeo copy --src-tls-verify=false "${SRC_CREDS[@]}" \
    --all --preserve-digests "docker://$R/ctr/multi:1" "oci:$WORK/pulled-multi:multi"
compare_layouts "$WORK/pulled-multi" 7

must "ctr images push ctr/single:v1" ctr images push "${PLAIN[@]}" "$R/ctr/single:v1" e2e.local/layout:v1
check_raw_digest ctr/single:v1 "$V1_MANIFEST"
must "ctr images push ctr/single:sbom (artifact with subject)" ctr images push "${PLAIN[@]}" "$R/ctr/single:sbom" e2e.local/layout:sbom
check_raw_digest ctr/single:sbom "$SBOM_MANIFEST"
check_referrer ctr/single "$V1_MANIFEST" "$(layout_blob "$SBOM_MANIFEST")"

# ---- push of a pulled image to another repository: containerd mounts ---------------------------------------
must "ctr images tag ctr-src/single:v1 ctr/copy:v1" ctr images tag "$R/ctr-src/single:v1" "$R/ctr/copy:v1"
must "ctr images push ctr/copy:v1 (mount from ctr-src/single)" ctr images push "${PLAIN[@]}" --http-dump "$R/ctr/copy:v1"
# --http-dump logs each request line as msg="METHOD URI HTTP/1.1"
mounts=$(grep -cE 'msg="POST /v2/ctr/copy/blobs/uploads/\?mount=sha256[^ ]*from=ctr-src(%2F|/)single ' "$E2E_LAST_LOG" || true)
uploads=$(grep -cE 'msg="PUT /v2/ctr/copy/blobs/uploads/' "$E2E_LAST_LOG" || true)
assert_eq "containerd mounted config and layer from ctr-src/single, uploaded nothing" "2 mounts, 0 uploads" \
    "$mounts mounts, $uploads uploads"
check_raw_digest ctr/copy:v1 "$V1_MANIFEST"
for d in $(jq -r '.config.digest, .layers[].digest' "$(layout_blob "$V1_MANIFEST")"); do
    check_blob ctr/copy "$d" "$(layout_blob "$d")"
done

e2e_end
