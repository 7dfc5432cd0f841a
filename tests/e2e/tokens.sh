#!/usr/bin/env bash
# tokens.sh REGISTRY_BIN - tokens and scope maps through real clients, with the
# registry in its default mode (token auth). Tokens are made through the
# management API with the initial owner credential, then:
#   docker login   succeeds for a valid token; fails for a wrong password, a
#                  disabled token, an expired password slot and a token past
#                  its expiresOn
#   skopeo         pushes with a push token; a pull-only token pulls but its
#                  push is denied with a clear error; delete needs content/delete
#   podman         logs in and pulls with the pull-only token, pushes with the
#                  push token, is refused a repository outside the scope map
#   ctr            pulls through containerd's POST password grant
#   disable        applies to the very next pull of a client that already has
#                  an access token; re-enable restores it
#   rotation       password2 generated, both work, password1 deleted, the old
#                  value is rejected
# (scopereg only: Distribution has no tokens.)
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
e2e_begin tokens "$@"
[[ $REGISTRY_KIND == scopereg ]] || skip_test "tokens and scope maps are scopereg's (REGISTRY_KIND=$REGISTRY_KIND)"
need_cmd docker skopeo podman containerd ctr jq curl
make_layout
E2E_AUTH=token start_registry
R=$REGISTRY
export DOCKER_CLI_HINTS=false
OWNER=$(cat "$REG_DATA/initial-owner-credential")
[[ $OWNER == srop_owner.* ]] || fail "initial-owner-credential does not hold an operator line"
ok "the first start wrote the owner credential to $REG_DATA/initial-owner-credential"

# api METHOD PATH [JSON]: a management API call as the owner; the body is in
# $HTTP_BODY, the status in $HTTP_STATUS. (CURL_CREDS is empty: no data-plane
# credentials are involved.)
api() {
    local data=()
    [[ -n ${3:-} ]] && data=(-H 'Content-Type: application/json' --data "$3")
    http "$1" "/api/v1/$2" -H "Authorization: Bearer $OWNER" "${data[@]}"
}
# api_ok DESCRIPTION CODE METHOD PATH [JSON]
api_ok() {
    local what=$1 code=$2
    shift 2
    api "$@"
    [[ $HTTP_STATUS == "$code" ]] || fail "$what: $1 /api/v1/$2 returned $HTTP_STATUS, expected $code; body: $(head -c 500 "$HTTP_BODY")"
    ok "$what"
}
# new_token NAME JSON: creates the token; prints nothing, sets PW_<NAME> to
# the generated password1 value.
new_token() {
    api_ok "create token $1" 201 PUT "tokens/$1" "$2"
    local v
    v=$(jq -r '.credentials.passwords[] | select(.name == "password1") | .value' "$HTTP_BODY")
    [[ $v =~ ^[A-Za-z0-9_-]{20,}$ ]] || fail "token $1: no password1 value in the create response"
    printf -v "PW_${1//-/_}" '%s' "$v"
}
# What clients print when the registry says no (401 UNAUTHORIZED with
# insufficient_scope for a Bearer token, 403 DENIED for Basic).
DENIED='denied|DENIED|[Uu]nauthorized|UNAUTHORIZED|insufficient|401|403'
future() { date -u -d "@$(($(date +%s) + $1))" +%Y-%m-%dT%H:%M:%SZ; }

READ='"repositories/app/content/read","repositories/app/metadata/read"'
new_token pusher '{"repositoryActions":["repositories/app/content/read","repositories/app/content/write","repositories/app/metadata/read"],"passwords":[{"name":"password1"}]}'
new_token puller "{\"repositoryActions\":[$READ],\"owner\":\"factory@example.com\",\"passwords\":[{\"name\":\"password1\"}]}"
new_token deleter '{"repositoryActions":["repositories/app/content/read","repositories/app/content/delete","repositories/app/metadata/read"],"passwords":[{"name":"password1"}]}'
new_token region-a "{\"scopeMap\":\"puller-scope-map\",\"passwords\":[{\"name\":\"password1\"}]}"
new_token retired "{\"scopeMap\":\"puller-scope-map\",\"passwords\":[{\"name\":\"password1\"}]}"
api_ok "disable token retired" 200 PATCH tokens/retired '{"status":"disabled"}'
# Expiries must lie in the future when they are set; these pass while the
# clients run below and are checked at the end.
new_token shortslot "{\"scopeMap\":\"puller-scope-map\",\"passwords\":[{\"name\":\"password1\",\"expiry\":\"$(future 20)\"}]}"
new_token shorttoken "{\"scopeMap\":\"puller-scope-map\",\"expiresOn\":\"$(future 20)\",\"passwords\":[{\"name\":\"password1\"}]}"
SHORT_DEADLINE=$((SECONDS + 22))
api_ok "the admin user is disabled on a new registry" 200 GET adminUser
assert_eq "adminUser.enabled" false "$(jq -r .enabled "$HTTP_BODY")"

# ---- docker login -------------------------------------------------------------------------------
docker_login() { # docker_login USER PASS CONFIG_DIR
    printf '%s' "$2" | DOCKER_CONFIG=$3 docker login -u "$1" --password-stdin "$R"
}
must "docker login as puller" docker_login puller "$PW_puller" "$WORK/dc-puller"
grep -q 'Login Succeeded' "$E2E_LAST_LOG" || fail "docker login did not say Login Succeeded"
must_fail "docker login as puller with a wrong password fails" "$DENIED|incorrect username or password" \
    docker_login puller "x$PW_puller" "$WORK/dc-wrong"
must_fail "docker login as the disabled token fails" "$DENIED|incorrect username or password" \
    docker_login retired "$PW_retired" "$WORK/dc-retired"
must_fail "docker login as an unknown token fails" "$DENIED|incorrect username or password" \
    docker_login nobody "$PW_puller" "$WORK/dc-nobody"

# ---- skopeo: push token, pull-only token, delete ----------------------------------------------------
must "skopeo push app:v1 with the push token" skopeo copy --dest-tls-verify=false --dest-creds "pusher:$PW_pusher" \
    "oci:$LAYOUT:v1" "docker://$R/app:v1"
must "skopeo push app:ml with the push token" skopeo copy --dest-tls-verify=false --dest-creds "pusher:$PW_pusher" \
    "oci:$LAYOUT:multilayer" "docker://$R/app:ml"
must_fail "skopeo push with the pull-only token is denied" "$DENIED" \
    skopeo copy --dest-tls-verify=false --dest-creds "puller:$PW_puller" "oci:$LAYOUT:multilayer" "docker://$R/app:nope"
must_fail "skopeo push with the push token outside its repository is denied" "$DENIED" \
    skopeo copy --dest-tls-verify=false --dest-creds "pusher:$PW_pusher" "oci:$LAYOUT:v1" "docker://$R/other:v1"
must "skopeo inspect --raw app:v1 with the pull-only token" skopeo inspect "${NOTLS[@]}" --creds "puller:$PW_puller" \
    --raw "docker://$R/app:v1"
assert_eq "the pull-only token reads the pushed manifest" "$V1_MANIFEST" "$(sha256_of "$LAST_OUT")"
must "skopeo copy app:v1 to a layout with the pull-only token" skopeo copy --src-tls-verify=false \
    --src-creds "puller:$PW_puller" "docker://$R/app:v1" "oci:$WORK/pulled:v1"
must "skopeo list-tags app with the pull-only token" skopeo list-tags "${NOTLS[@]}" --creds "puller:$PW_puller" "docker://$R/app"
assert_eq "tags of app" '["ml","v1"]' "$(jq -c '.Tags | sort' "$LAST_OUT")"
must_fail "skopeo delete with the pull-only token is denied" "$DENIED" \
    skopeo delete "${NOTLS[@]}" --creds "puller:$PW_puller" "docker://$R/app:ml"
must_fail "skopeo delete with the push token (no content/delete) is denied" "$DENIED" \
    skopeo delete "${NOTLS[@]}" --creds "pusher:$PW_pusher" "docker://$R/app:ml"
must "skopeo delete with the delete token" skopeo delete "${NOTLS[@]}" --creds "deleter:$PW_deleter" "docker://$R/app:ml"
must "skopeo list-tags after the delete" skopeo list-tags "${NOTLS[@]}" --creds "puller:$PW_puller" "docker://$R/app"
assert_eq "app:ml is gone" '["v1"]' "$(jq -c '.Tags | sort' "$LAST_OUT")"

# ---- podman -----------------------------------------------------------------------------------------
podman_setup
must "podman login as puller" podman login -u puller -p "$PW_puller" "$R"
must "podman pull app:v1 with the pull-only token" podman pull "$R/app:v1"
must_fail "podman pull of a repository outside the scope map is refused" "$DENIED|not found|unknown" \
    podman pull "$R/other:v1"
must "load multilayer into podman storage" skopeo copy --preserve-digests "oci:$LAYOUT:multilayer" \
    "containers-storage:localhost/e2e/ml:1"
must_fail "podman push with the pull-only token is denied" "$DENIED" \
    podman push --tls-verify=false localhost/e2e/ml:1 "$R/app:podman"
must "podman push with the push token" podman push --tls-verify=false --creds "pusher:$PW_pusher" \
    localhost/e2e/ml:1 "$R/app:podman"
must "skopeo inspect app:podman" skopeo inspect "${NOTLS[@]}" --creds "puller:$PW_puller" --raw "docker://$R/app:podman"

# ---- containerd: POST password grant -----------------------------------------------------------------
containerd_start
must "ctr pull app:v1 with the pull-only token (password grant)" ctr images pull --plain-http \
    --user "region-a:$PW_region_a" "$R/app:v1"
assert_eq "ctr resolved app:v1" "$V1_MANIFEST" "$(ctr_image_digest "$R/app:v1")"
grep -q '"method":"POST","path":"/oauth2/token"' "$REG_LOG" ||
    fail "the registry log shows no POST to the token endpoint (containerd's password grant)"
ok "containerd used the POST token endpoint"
must_fail "ctr pull with a wrong password fails" "$DENIED" \
    ctr images pull --plain-http --user "region-a:wrong" "$R/app:ml"

# ---- disable applies to the next request, with an access token issued before ---------------------------
# A Bearer token fetched the way clients do it, used directly afterwards.
bearer() { # bearer USER PASS SCOPE -> access token on stdout
    curl -fsS -u "$1:$2" "$REG_URL/oauth2/token?service=$(jq -rn --arg s "$R" '$s|@uri')&scope=$3" | jq -r '.token // .access_token'
}
JWT=$(bearer region-a "$PW_region_a" 'repository:app:pull')
[[ -n $JWT && $JWT != null ]] || fail "no access token for region-a"
ACCEPT='application/vnd.oci.image.manifest.v1+json'
expect_status "pull with region-a's access token" 200 GET /v2/app/manifests/v1 -H "Authorization: Bearer $JWT" -H "Accept: $ACCEPT"
api_ok "disable region-a" 200 PATCH tokens/region-a '{"status":"disabled"}'
expect_status "the same access token is refused at once" 401 GET /v2/app/manifests/v1 -H "Authorization: Bearer $JWT" -H "Accept: $ACCEPT"
must_fail "ctr pull as the disabled region-a fails" "$DENIED" \
    ctr images pull --plain-http --user "region-a:$PW_region_a" "$R/app:podman"
must "another token of the same scope map keeps pulling" skopeo inspect "${NOTLS[@]}" --creds "puller:$PW_puller" \
    --raw "docker://$R/app:v1"
api_ok "enable region-a again" 200 PATCH tokens/region-a '{"status":"enabled"}'
must "ctr pull as region-a works again" ctr images pull --plain-http --user "region-a:$PW_region_a" "$R/app:podman"

# ---- rotation through the inactive slot -------------------------------------------------------------------
api_ok "generate password2 of puller" 200 POST tokens/puller/generateCredentials '{"name":"password2"}'
PW2=$(jq -r '.passwords[]? // .credentials.passwords[]? | select(.name == "password2") | .value' "$HTTP_BODY")
[[ $PW2 =~ ^[A-Za-z0-9_-]{20,}$ ]] || fail "no password2 value in the generateCredentials response: $(head -c 300 "$HTTP_BODY")"
ok "password2 generated"
must "docker login with password1" docker_login puller "$PW_puller" "$WORK/dc-p1"
must "docker login with password2" docker_login puller "$PW2" "$WORK/dc-p2"
# Last use is coalesced in memory and flushed every few seconds.
for ((i = 0; i < 50; i++)); do
    api GET tokens/puller
    used=$(jq -r '[.credentials.passwords[] | select(.lastUsed != null) | "\(.name)@\(.lastUsedFrom)"] | sort | join(",")' "$HTTP_BODY")
    [[ $used == "password1@127.0.0.1,password2@127.0.0.1" ]] && break
    sleep 0.2
done
assert_eq "token show: last used time and address of each slot" "password1@127.0.0.1,password2@127.0.0.1" "$used"
api_ok "delete password1 of puller" 200 DELETE tokens/puller/credentials/password1
must_fail "docker login with the deleted password1 fails" "$DENIED|incorrect username or password" \
    docker_login puller "$PW_puller" "$WORK/dc-p1-old"
must "skopeo pull with password2" skopeo inspect "${NOTLS[@]}" --creds "puller:$PW2" --raw "docker://$R/app:v1"

# ---- expiry --------------------------------------------------------------------------------------------------
must "docker login with the short slot before it expires" docker_login shortslot "$PW_shortslot" "$WORK/dc-s1"
must "docker login with the short token before it expires" docker_login shorttoken "$PW_shorttoken" "$WORK/dc-t1"
while ((SECONDS < SHORT_DEADLINE)); do sleep 1; done
must_fail "docker login with an expired password slot fails" "$DENIED|incorrect username or password" \
    docker_login shortslot "$PW_shortslot" "$WORK/dc-s2"
must_fail "docker login with a token past expiresOn fails" "$DENIED|incorrect username or password" \
    docker_login shorttoken "$PW_shorttoken" "$WORK/dc-t2"

# ---- nothing secret in the log ---------------------------------------------------------------------------------
for v in "$PW_puller" "$PW2" "$PW_pusher" "$PW_deleter" "$PW_region_a" "${OWNER#*.}"; do
    if grep -qF -- "$v" "$REG_LOG"; then fail "a secret appears in the registry log $REG_LOG"; fi
done
ok "no password or operator secret in the registry log"

e2e_end
