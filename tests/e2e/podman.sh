#!/usr/bin/env bash
# podman.sh REGISTRY_BIN - podman 4.3 (root, overlay, private storage under the
# work dir) against the registry: push of a locally loaded image (podman
# recompresses: checked through the uncompressed layer digests), pull back,
# pull of one platform of a multi-arch index, manifest create/add/push --all,
# search (catalog) and search --list-tags. The registry is marked insecure in
# a private registries.conf (CONTAINERS_REGISTRIES_CONF), not by flags.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_begin podman "$@"
need_cmd podman skopeo jq curl unshare
make_layout
start_registry
podman_setup
R=$REGISTRY

ML_CONFIG=$(layout_blob "$(jq -r .config.digest "$(layout_blob "$MULTILAYER_MANIFEST")")")
ML_DIFFIDS=$(jq -c .rootfs.diff_ids "$ML_CONFIG")
ARM_CONFIG=$(layout_blob "$(jq -r .config.digest "$(layout_blob "$MULTIARCH_ARM64_MANIFEST")")")

# check_pushed_image REPO:TAG DIGEST: the manifest's config lists the original
# diff_ids, and each layer blob decompresses to the content of that diff_id.
check_pushed_image() {
    local ref=$1 digest=$2 repo=${1%:*} n i d mt diffid got
    check_raw_digest "$ref" "$digest"
    cp "$LAST_OUT" "$WORK/manifest.json"
    n=$(jq '.layers | length' "$WORK/manifest.json")
    assert_eq "$ref has the 5 layers" 5 "$n"
    expect_status "GET config of $ref" 200 GET "/v2/$repo/blobs/$(jq -r .config.digest "$WORK/manifest.json")" -L
    assert_eq "config of $ref lists the original diff_ids" "$ML_DIFFIDS" "$(jq -c .rootfs.diff_ids "$HTTP_BODY")"
    for ((i = 0; i < n; i++)); do
        d=$(jq -r ".layers[$i].digest" "$WORK/manifest.json")
        mt=$(jq -r ".layers[$i].mediaType" "$WORK/manifest.json")
        diffid=$(jq -r ".[$i]" <<<"$ML_DIFFIDS")
        http GET "/v2/$repo/blobs/$d" -L
        [[ $HTTP_STATUS == 200 ]] || fail "GET layer $d of $ref: status $HTTP_STATUS"
        [[ $(sha256_of "$HTTP_BODY") == "$d" ]] || fail "layer $d of $ref does not hash to its digest"
        case $mt in
        *gzip) got="sha256:$(gzip -dc <"$HTTP_BODY" | sha256sum | cut -d' ' -f1)" ;;
        *zstd) got="sha256:$(zstd -dc <"$HTTP_BODY" | sha256sum | cut -d' ' -f1)" ;;
        *) got=$(sha256_of "$HTTP_BODY") ;;
        esac
        [[ $got == "$diffid" ]] || fail "layer $i of $ref ($mt) uncompresses to $got, expected diff_id $diffid"
    done
    ok "layers of $ref uncompress to the original content (diff_ids)"
}

# ---- login (only with credentials) -------------------------------------------------------------
if have_creds; then
    must "podman login $R" podman login -u "$USER" -p "$PASS" "$R"
    assert_match "podman stored the credentials in REGISTRY_AUTH_FILE" '"auth"' \
        "$(jq -c --arg r "$R" '.auths[$r]' "$REGISTRY_AUTH_FILE")"
    must_fail "podman login with a wrong password fails" 'unauthorized|401|invalid username/password' \
        podman login --authfile "$WORK/auth-wrong.json" -u "$USER" -p "wrong-$PASS" "$R"
else
    skip_check "podman login: USER/PASS not set (the registry runs without authentication)"
fi

# ---- load into the private storage, push ----------------------------------------------------
must "load oci:multilayer into podman storage (skopeo -> containers-storage)" skopeo copy --preserve-digests \
    "oci:$LAYOUT:multilayer" "containers-storage:localhost/e2e/ml:1"
must "podman image inspect localhost/e2e/ml:1" podman image inspect localhost/e2e/ml:1
assert_eq "loaded image has the original layers" "$ML_DIFFIDS" "$(jq -c '.[0].RootFS.Layers' "$LAST_OUT")"

must "podman push localhost/e2e/ml:1 -> podman/ml:1" podman push "${CREDS[@]}" --digestfile "$WORK/push.digest" \
    localhost/e2e/ml:1 "docker://$R/podman/ml:1"
PUSHED=$(cat "$WORK/push.digest")
assert_match "podman reports a sha256 digest" '^sha256:[0-9a-f]{64}$' "$PUSHED"
check_pushed_image podman/ml:1 "$PUSHED"
check_manifest podman/ml 1 "$PUSHED" "$(jq -r '.mediaType // "application/vnd.oci.image.manifest.v1+json"' "$WORK/manifest.json")"
must "podman push --format v2s2 localhost/e2e/ml:1 -> podman/ml:2" podman push "${CREDS[@]}" --format v2s2 \
    --digestfile "$WORK/push2.digest" localhost/e2e/ml:1 "docker://$R/podman/ml:2"
check_pushed_image podman/ml:2 "$(cat "$WORK/push2.digest")"
assert_eq "podman/ml:2 is Docker schema 2" application/vnd.docker.distribution.manifest.v2+json \
    "$(jq -r .mediaType "$WORK/manifest.json")"

# ---- pull back ------------------------------------------------------------------------------------
must "podman rmi localhost/e2e/ml:1" podman rmi localhost/e2e/ml:1
must "podman pull podman/ml:1" podman pull "${CREDS[@]}" "$R/podman/ml:1"
must "podman image inspect the pulled image" podman image inspect "$R/podman/ml:1"
assert_eq "pulled image: digest and layers" "$PUSHED $ML_DIFFIDS" \
    "$(jq -r '.[0] | "\(.Digest) \(.RootFS.Layers | tojson)"' "$LAST_OUT")"

# ---- one platform of a multi-arch index ------------------------------------------------------------
must "push the multiarch index (skopeo --all --preserve-digests) -> podman/multi:latest" skopeo copy \
    --dest-tls-verify=false "${DEST_CREDS[@]}" --all --preserve-digests "oci:$LAYOUT:multiarch" "docker://$R/podman/multi:latest"
must "podman pull --arch arm64 podman/multi:latest" podman pull "${CREDS[@]}" --arch arm64 "$R/podman/multi:latest"
must "podman image inspect the arm64 image" podman image inspect "$R/podman/multi:latest"
# podman records the index digest as .Digest and both digests in RepoDigests.
assert_eq "pulled the arm64 instance of the index" \
    "arm64 $(jq -c .rootfs.diff_ids "$ARM_CONFIG") $(sorted_join "$R/podman/multi@$MULTIARCH_INDEX" "$R/podman/multi@$MULTIARCH_ARM64_MANIFEST")" \
    "$(jq -r '.[0] | "\(.Architecture) \(.RootFS.Layers | tojson) \(.RepoDigests | sort | join(","))"' "$LAST_OUT")"

# ---- manifest create / add / push --all ---------------------------------------------------------------
must "podman manifest create localhost/e2e/list:1" podman manifest create localhost/e2e/list:1
must "podman manifest add --all localhost/e2e/list:1 podman/multi:latest" podman manifest add "${CREDS[@]}" --all \
    localhost/e2e/list:1 "docker://$R/podman/multi:latest"
must "podman manifest inspect localhost/e2e/list:1" podman manifest inspect localhost/e2e/list:1
assert_eq "local list holds both platforms" "$(sorted_join "$MULTIARCH_AMD64_MANIFEST amd64" "$MULTIARCH_ARM64_MANIFEST arm64")" \
    "$(jq -r '[.manifests[] | "\(.digest) \(.platform.architecture)"] | sort | join(",")' "$LAST_OUT")"
must "podman manifest push --all localhost/e2e/list:1 -> podman/list:1" podman manifest push "${CREDS[@]}" --all \
    --digestfile "$WORK/list.digest" localhost/e2e/list:1 "docker://$R/podman/list:1"
LIST=$(cat "$WORK/list.digest")
check_raw_digest podman/list:1 "$LIST"
assert_eq "pushed list: both platforms, original child digests" \
    "$(sorted_join "$MULTIARCH_AMD64_MANIFEST linux/amd64" "$MULTIARCH_ARM64_MANIFEST linux/arm64")" \
    "$(jq -r '[.manifests[] | "\(.digest) \(.platform.os)/\(.platform.architecture)"] | sort | join(",")' "$LAST_OUT")"
LIST_MT=$(jq -r .mediaType "$LAST_OUT")
assert_match "list media type" '^application/vnd\.(oci\.image\.index\.v1|docker\.distribution\.manifest\.list\.v2)\+json$' "$LIST_MT"
check_manifest podman/list 1 "$LIST" "$LIST_MT"
for d in "$MULTIARCH_AMD64_MANIFEST" "$MULTIARCH_ARM64_MANIFEST"; do
    check_manifest podman/list "$d" "$d" application/vnd.oci.image.manifest.v1+json "$(layout_blob "$d")"
    for b in $(jq -r '.config.digest, .layers[].digest' "$(layout_blob "$d")"); do
        check_blob podman/list "$b" "$(layout_blob "$b")"
    done
done

# ---- search (catalog) and search --list-tags --------------------------------------------------------------
expect_status "GET /v2/_catalog" 200 GET /v2/_catalog
assert_eq "catalog lists exactly the pushed repositories" '["podman/list","podman/ml","podman/multi"]' \
    "$(jq -c '.repositories | sort' "$HTTP_BODY")"
must "podman search $R/podman" podman search --format '{{.Name}}' "$R/podman"
assert_eq "podman search lists the three repositories" "$R/podman/list $R/podman/ml $R/podman/multi" \
    "$(sort "$LAST_OUT" | xargs)"
must "podman search $R/multi (substring match)" podman search --format '{{.Name}}' "$R/multi"
assert_eq "podman search multi" "$R/podman/multi" "$(sort "$LAST_OUT" | xargs)"
must "podman search --list-tags $R/podman/ml" podman search --list-tags "$R/podman/ml"
# (podman 4.3 ignores --format with --list-tags: a NAME TAG table. search has
# no --creds: with credentials it uses the podman login above.)
assert_eq "podman search --list-tags lists the tags" "$R/podman/ml 1,$R/podman/ml 2" \
    "$(awk 'NR > 1 { print $1 " " $2 }' "$LAST_OUT" | LC_ALL=C sort | paste -sd, -)"

[[ ! -e /var/lib/containers/storage ]] || say "note: /var/lib/containers/storage exists on this host (not used by this test)"
e2e_end
