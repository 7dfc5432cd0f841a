# shellcheck shell=bash disable=SC2034 # (variables set here are used by the scripts that source it)
# lib.sh - common harness of the end-to-end tests (sourced, not executed).
#
# A test script does:
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   e2e_begin NAME "$@"          # REGISTRY_BIN from $1 or the environment
#   start_registry               # sets REGISTRY (127.0.0.1:PORT), REG_URL, REG_PID
#   must "what it checks" cmd... # runs a client, fails the test with its output
#   ...
#   e2e_end                      # prints PASS, stops the registry (exit code checked)
#
# Environment:
#   REGISTRY_BIN    the registry under test (scopereg binary); required
#   REGISTRY_KIND   scopereg | distribution (default: distribution when the
#                   binary is called docker-registry, else scopereg).
#                   Distribution 2.8 is only a development stand-in; checks of
#                   features it lacks (referrers API, scopereg's data layout)
#                   are reported as SKIP lines in that mode, never in scopereg mode.
#   USER, PASS      credentials, passed to the clients only when PASS is set
#                   (USER alone is the login name of every shell)
#   E2E_AUTH=token  (set by tests that create their own tokens) start the
#                   registry with token auth even though PASS is unset
#   REGISTRY_ARGS   extra words appended to `scopereg serve` (e.g. auth settings)
#   E2E_KEEP=1      keep the work directory even when the test passed
#   E2E_DEBUG=1     echo every client command before running it
#
# Ports: only 127.0.0.1:5400-5499 are used. Container storage, auth files,
# the containers/image blob-info cache, docker and containerd state all live in
# the test's own temporary directory.
set -Eeuo pipefail

E2E_LIB_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
E2E_REPO_ROOT=$(git -C "$E2E_LIB_DIR" rev-parse --show-toplevel 2>/dev/null || (cd "$E2E_LIB_DIR/../.." && pwd))
SHARED_DIR=${SHARED_DIR:-$(cd "$E2E_REPO_ROOT/.." && pwd)/shared}
E2E_SKIP=77 # exit status of a skipped test (as automake's)

E2E_NAME=""
WORK=""
LOGDIR=""
E2E_PIDS=()       # every daemon this test started; killed by the EXIT trap
E2E_STEP=0        # counter for log file names
E2E_CHECKS=0      # number of passed checks
E2E_LAST_LOG=""   # combined output of the last client command
LAST_OUT=""       # stdout of the last client command (file)
REG_PID=""
REG_PORT=""
REG_DATA=""
REG_LOG=""
REG_SCHEME=http
REG_CACERT=""
REG_STARTS=0
REGISTRY=""
REG_URL=""

# ---- messages -----------------------------------------------------------------

say() { printf '[%s %3ss] %s\n' "$E2E_NAME" "$SECONDS" "$*"; }
E2E_SILENT=0 # >0: ok() counts without printing (inside composite checks)
ok() {
    E2E_CHECKS=$((E2E_CHECKS + 1))
    ((E2E_SILENT == 0)) || return 0
    printf '[%s %3ss]   ok   %s\n' "$E2E_NAME" "$SECONDS" "$*"
}
skip_check() { printf '[%s %3ss]   SKIP %s\n' "$E2E_NAME" "$SECONDS" "$*"; }

# fail MESSAGE...: ends the test with a failure; the EXIT trap prints the logs.
fail() {
    printf '[%s] FAIL: %s\n' "$E2E_NAME" "$*" >&2
    exit 1
}

# skip_test MESSAGE: ends the whole test as skipped (run-all.sh shows SKIP).
skip_test() {
    printf '[%s] SKIP: %s\n' "$E2E_NAME" "$*"
    exit "$E2E_SKIP"
}

_e2e_on_err() {
    local rc=$1 line=$2 cmd=$3
    printf '[%s] FAIL: unexpected exit status %s at line %s: %s\n' "$E2E_NAME" "$rc" "$line" "$cmd" >&2
}

# ---- setup and teardown ---------------------------------------------------------

# e2e_begin NAME [REGISTRY_BIN]
e2e_begin() {
    E2E_NAME=$1
    [[ -n ${2:-} ]] && REGISTRY_BIN=$2
    [[ -n ${REGISTRY_BIN:-} ]] || { echo "usage: $0 REGISTRY_BIN (or REGISTRY_BIN=... $0)" >&2; exit 2; }
    if [[ $REGISTRY_BIN != */* ]]; then REGISTRY_BIN=$(command -v "$REGISTRY_BIN" || echo "$REGISTRY_BIN"); fi
    [[ -x $REGISTRY_BIN ]] || { echo "[$E2E_NAME] FAIL: registry binary $REGISTRY_BIN is not executable" >&2; exit 1; }
    REGISTRY_BIN=$(cd "$(dirname "$REGISTRY_BIN")" && pwd)/$(basename "$REGISTRY_BIN")
    if [[ -z ${REGISTRY_KIND:-} ]]; then
        case ${REGISTRY_BIN##*/} in docker-registry | registry) REGISTRY_KIND=distribution ;; *) REGISTRY_KIND=scopereg ;; esac
    fi
    export REGISTRY_BIN REGISTRY_KIND
    [[ $(id -u) == 0 ]] || { echo "[$E2E_NAME] FAIL: run as root (podman/containerd storage and mounts)" >&2; exit 1; }

    WORK=$(mktemp -d "${TMPDIR:-/tmp}/scopereg-e2e-$E2E_NAME.XXXXXX")
    LOGDIR=$WORK/logs
    mkdir -p "$LOGDIR" "$WORK/bic" "$WORK/tmp"
    export TMPDIR=$WORK/tmp # skopeo/podman big-blob temp files, mktemp below
    # Auth files of skopeo/podman/buildah (default /run/containers/0/auth.json).
    export REGISTRY_AUTH_FILE=$WORK/auth.json
    echo '{"auths":{}}' >"$REGISTRY_AUTH_FILE" # podman insists that it exists
    # docker CLI config (credentials, manifest lists).
    export DOCKER_CONFIG=$WORK/docker-config
    mkdir -p "$DOCKER_CONFIG"

    CREDS=() SRC_CREDS=() DEST_CREDS=() CURL_CREDS=() CTR_CREDS=()
    if have_creds; then
        CREDS=(--creds "$USER:$PASS")
        SRC_CREDS=(--src-creds "$USER:$PASS")
        DEST_CREDS=(--dest-creds "$USER:$PASS")
        CURL_CREDS=(-u "$USER:$PASS")
        CTR_CREDS=(--user "$USER:$PASS")
    fi
    trap '_e2e_on_err $? $LINENO "$BASH_COMMAND"' ERR
    trap 'exit 143' TERM
    trap 'exit 130' INT
    trap _e2e_exit EXIT
    say "registry under test: $REGISTRY_BIN ($REGISTRY_KIND); work dir $WORK"
}

have_creds() { [[ -n ${PASS:-} && -n ${USER:-} ]]; }

# e2e_end: stops the registry (checks a clean exit) and reports PASS.
e2e_end() {
    if [[ -n $REG_PID ]]; then stop_registry; fi
    say "PASS ($E2E_CHECKS checks, ${SECONDS}s)"
}

_e2e_exit() {
    local rc=$?
    trap - ERR
    set +e
    _kill_daemons
    _umount_under "$WORK"
    if [[ $rc != 0 && $rc != "$E2E_SKIP" ]]; then
        {
            echo "[$E2E_NAME] ---- diagnostics (exit status $rc) ----"
            echo "[$E2E_NAME] logs: $LOGDIR (work dir kept: $WORK)"
            if [[ -n $E2E_LAST_LOG && -s $E2E_LAST_LOG ]]; then
                echo "[$E2E_NAME] last client output ($E2E_LAST_LOG), tail:"
                tail -n 30 "$E2E_LAST_LOG" | sed 's/^/    /'
            fi
            local f
            for f in "$LOGDIR"/registry.*.log; do
                [[ -s $f ]] || continue
                echo "[$E2E_NAME] registry log $f, tail:"
                tail -n 25 "$f" | cut -c1-400 | sed 's/^/    /'
            done
            if [[ -s $LOGDIR/containerd.log ]]; then
                echo "[$E2E_NAME] containerd log, tail:"
                tail -n 15 "$LOGDIR/containerd.log" | cut -c1-300 | sed 's/^/    /'
            fi
            echo "[$E2E_NAME] FAILED after ${SECONDS}s"
        } >&2
    elif [[ ${E2E_KEEP:-0} == 1 ]]; then
        echo "[$E2E_NAME] work dir kept: $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}

# register_daemon PID: killed (TERM, then KILL) when the test exits.
register_daemon() { E2E_PIDS+=("$1"); }

_kill_daemons() {
    local pid i
    for pid in "${E2E_PIDS[@]}"; do
        if _alive "$pid"; then kill -TERM "$pid" 2>/dev/null; fi
    done
    for pid in "${E2E_PIDS[@]}"; do
        for ((i = 0; i < 100; i++)); do _alive "$pid" || break; sleep 0.1; done
        if _alive "$pid"; then kill -KILL "$pid" 2>/dev/null; fi
        wait "$pid" 2>/dev/null
    done
    E2E_PIDS=()
}

# _alive PID: the process exists and is not a zombie.
_alive() {
    local st
    [[ -r /proc/$1/stat ]] || return 1
    st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 1
    [[ $st != Z && $st != X ]]
}

_umount_under() {
    [[ -n $1 && -d $1 ]] || return 0
    local m
    awk -v w="$1/" 'index($2, w) == 1 { print $2 }' /proc/self/mounts | sort -r | while read -r m; do
        umount -l "$m" 2>/dev/null
    done
}

# ---- ports ----------------------------------------------------------------------

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# pick_port: prints a free port in 5400-5499 (checked with a connect attempt).
pick_port() {
    local p
    for p in $(shuf -i 5400-5499); do
        if ! port_in_use "$p"; then echo "$p"; return 0; fi
    done
    fail "no free port in 127.0.0.1:5400-5499"
}

# ---- the registry under test ------------------------------------------------------

# start_registry [--data DIR] [--port PORT] [--tls CERT KEY CACERT]
# Starts the registry, waits for its health endpoint, sets REG_PID, REG_PORT,
# REG_DATA, REG_LOG, REGISTRY (host:port), REG_URL (scheme://host:port).
# Without --data a new data directory is made; --port reuses a port (restart).
start_registry() {
    local data="" port="" cert="" key="" rc
    REG_SCHEME=http REG_CACERT=""
    while (($#)); do
        case $1 in
        --data) data=$2; shift 2 ;;
        --port) port=$2; shift 2 ;;
        --tls) cert=$2 key=$3 REG_CACERT=$4 REG_SCHEME=https; shift 4 ;;
        *) fail "start_registry: unknown option $1" ;;
        esac
    done
    [[ -n $data ]] || { data=$WORK/data.$((REG_STARTS + 1)); mkdir -p "$data"; }
    REG_DATA=$data
    for _ in 1 2 3; do
        REG_PORT=${port:-$(pick_port)}
        REG_STARTS=$((REG_STARTS + 1))
        REG_LOG=$LOGDIR/registry.$REG_STARTS.log
        REGISTRY=127.0.0.1:$REG_PORT
        REG_URL=$REG_SCHEME://$REGISTRY
        _launch_registry "$cert" "$key"
        register_daemon "$REG_PID"
        if _wait_healthy 30; then
            say "registry up: $REG_URL (pid $REG_PID, data $REG_DATA, log $REG_LOG)"
            return 0
        fi
        # Someone else took the port between the check and the bind: retry.
        if [[ -z $port ]] && ! _alive "$REG_PID" && grep -qiE 'address (already )?in use|EADDRINUSE' "$REG_LOG"; then
            say "port $REG_PORT was taken, retrying"
            continue
        fi
        break
    done
    if _alive "$REG_PID"; then
        fail "registry (pid $REG_PID) did not become healthy on $REG_URL within 30 s"
    fi
    wait "$REG_PID" 2>/dev/null && rc=0 || rc=$?
    fail "registry exited with status $rc during start-up (log $REG_LOG)"
}

_launch_registry() {
    local cert=$1 key=$2 args
    case $REGISTRY_KIND in
    scopereg)
        args=(serve --data-dir "$REG_DATA" --listen "$REGISTRY")
        [[ -n $cert ]] && args+=(--set "tls.cert_file=$cert" --set "tls.key_file=$key")
        # Without credentials for the clients, run the registry without
        # authentication (token auth is the default).
        # (E2E_AUTH=token keeps the default: the test makes its own tokens.)
        [[ -z ${PASS:-} && ${E2E_AUTH:-} != token ]] && args+=(--set auth.mode=none)
        # shellcheck disable=SC2206 # REGISTRY_ARGS is a list of words on purpose
        [[ -n ${REGISTRY_ARGS:-} ]] && args+=($REGISTRY_ARGS)
        echo "+ $REGISTRY_BIN ${args[*]}" >"$REG_LOG"
        "$REGISTRY_BIN" "${args[@]}" >>"$REG_LOG" 2>&1 </dev/null &
        REG_PID=$!
        ;;
    distribution)
        _distribution_config "$cert" "$key" >"$WORK/distribution.yml"
        echo "+ $REGISTRY_BIN serve $WORK/distribution.yml" >"$REG_LOG"
        # Distribution reads REGISTRY_* variables as configuration overrides
        # (REGISTRY_AUTH_FILE would become auth.file): hide ours from it.
        env -u REGISTRY_AUTH_FILE -u REGISTRY_BIN -u REGISTRY_KIND -u REGISTRY_ARGS \
            "$REGISTRY_BIN" serve "$WORK/distribution.yml" >>"$REG_LOG" 2>&1 </dev/null &
        REG_PID=$!
        ;;
    *) fail "unknown REGISTRY_KIND=$REGISTRY_KIND" ;;
    esac
}

_distribution_config() {
    local cert=$1 key=$2
    cat <<EOF
version: 0.1
log:
  level: info
storage:
  filesystem:
    rootdirectory: $REG_DATA
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: $REGISTRY
  secret: e2e-test-only
EOF
    if [[ -n $cert ]]; then
        printf '  tls:\n    certificate: %s\n    key: %s\n' "$cert" "$key"
    fi
    if have_creds; then
        [[ -f $WORK/htpasswd ]] || htpasswd -Bbc "$WORK/htpasswd" "$USER" "$PASS" 2>/dev/null
        printf 'auth:\n  htpasswd:\n    realm: e2e-realm\n    path: %s\n' "$WORK/htpasswd"
    fi
}

# health_url: what start_registry polls.
health_url() {
    case $REGISTRY_KIND in
    scopereg) echo "$REG_URL/healthz" ;;
    distribution) echo "$REG_URL/" ;; # Distribution's "/" answers 200 without auth
    esac
}

_wait_healthy() {
    local deadline=$((SECONDS + $1)) code tls=()
    [[ -n $REG_CACERT ]] && tls=(--cacert "$REG_CACERT")
    while ((SECONDS < deadline)); do
        _alive "$REG_PID" || return 1
        code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${tls[@]}" "$(health_url)" 2>/dev/null) || true
        [[ $code == 200 ]] && return 0
        sleep 0.1
    done
    return 1
}

# _wait_exit PID TIMEOUT_S: waits until PID exited (returns 1 on timeout).
_wait_exit() {
    local deadline=$((SECONDS + $2))
    while _alive "$1"; do
        ((SECONDS < deadline)) || return 1
        sleep 0.1
    done
}

_forget_daemon() {
    local keep=() p
    for p in "${E2E_PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
    E2E_PIDS=("${keep[@]}")
}

# stop_registry [LIMIT_S]: SIGTERM, then checks that it exits with status 0
# within LIMIT_S seconds (default 30). (Distribution 2.8 has no graceful
# shutdown: it dies of the signal; accepted in that mode only.)
# shellcheck disable=SC2120 # shutdown.sh passes a limit
stop_registry() {
    local pid=$REG_PID rc limit=${1:-30} t0=$SECONDS
    [[ -n $pid ]] || fail "stop_registry: no registry running"
    kill -TERM "$pid" 2>/dev/null || fail "registry pid $pid was not running at stop time (crashed?)"
    if ! _wait_exit "$pid" "$limit"; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
        _forget_daemon "$pid"; REG_PID=""
        fail "registry did not exit within $limit s of SIGTERM"
    fi
    wait "$pid" 2>/dev/null && rc=0 || rc=$?
    _forget_daemon "$pid"; REG_PID=""
    if [[ $rc == 0 ]]; then
        ok "registry stopped by SIGTERM, exit status 0 ($((SECONDS - t0)) s)"
    elif [[ $REGISTRY_KIND == distribution && $rc == 143 ]]; then
        skip_check "exit status after SIGTERM is 143 (Distribution 2.8 has no graceful shutdown)"
    else
        fail "registry exit status after SIGTERM: $rc, expected 0$( ((rc > 128)) && echo " (killed by signal $((rc - 128)))")"
    fi
}

# kill9_registry: SIGKILL (crash), reaps it.
kill9_registry() {
    local pid=$REG_PID
    kill -KILL "$pid" 2>/dev/null || fail "registry pid $pid was not running when it was to be killed"
    wait "$pid" 2>/dev/null || true
    _forget_daemon "$pid"; REG_PID=""
    say "registry killed with SIGKILL (pid $pid)"
}

registry_alive() { [[ -n $REG_PID ]] && _alive "$REG_PID"; }

# ---- running clients ----------------------------------------------------------------

_next_log() {
    E2E_STEP=$((E2E_STEP + 1))
    local slug
    slug=$(printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_' | cut -c1-50)
    printf '%s/%03d-%s' "$LOGDIR" "$E2E_STEP" "$slug"
}

# run_logged BASE cmd...: stdout -> BASE.out, stdout+stderr -> BASE.log.
# Returns the command's exit status.
run_logged() {
    local base=$1 rc
    shift
    E2E_LAST_LOG=$base.log
    LAST_OUT=$base.out
    [[ ${E2E_DEBUG:-0} == 1 ]] && echo "+ $*" >&2
    {
        printf '+'; printf ' %q' "$@"; printf '\n'
    } >"$base.log"
    set +e
    "$@" 2>>"$base.log" >"$base.out"
    rc=$?
    set -e
    cat "$base.out" >>"$base.log"
    printf '(exit status %s)\n' "$rc" >>"$base.log"
    return "$rc"
}

# must DESCRIPTION cmd...: the command must succeed; its stdout is in $LAST_OUT.
must() {
    local what=$1 rc=0
    shift
    run_logged "$(_next_log "$what")" "$@" || rc=$?
    if [[ $rc != 0 ]]; then
        echo "[$E2E_NAME] command failed (exit status $rc): $*" >&2
        tail -n 20 "$E2E_LAST_LOG" | sed 's/^/    /' >&2
        fail "$what"
    fi
    ok "$what"
}

# must_fail DESCRIPTION ERE cmd...: the command must fail, and its output
# (stdout+stderr) must match the extended regular expression ERE.
must_fail() {
    local what=$1 re=$2 rc=0
    shift 2
    run_logged "$(_next_log "$what")" "$@" || rc=$?
    if [[ $rc == 0 ]]; then
        tail -n 20 "$E2E_LAST_LOG" | sed 's/^/    /' >&2
        fail "$what: the command succeeded, expected a failure matching /$re/"
    fi
    if ! grep -qE -- "$re" "$E2E_LAST_LOG"; then
        tail -n 20 "$E2E_LAST_LOG" | sed 's/^/    /' >&2
        fail "$what: failed as expected (status $rc), but the output does not match /$re/"
    fi
    ok "$what"
}

# ---- assertions -----------------------------------------------------------------------

# assert_eq DESCRIPTION EXPECTED ACTUAL
assert_eq() {
    if [[ $2 != "$3" ]]; then
        fail "$1: expected [$2], got [$3]"
    fi
    ok "$1"
}

# assert_match DESCRIPTION ERE ACTUAL
assert_match() {
    if ! [[ $3 =~ $2 ]]; then
        fail "$1: [$3] does not match /$2/"
    fi
    ok "$1"
}

# assert_files_equal DESCRIPTION FILE1 FILE2
assert_files_equal() {
    cmp -s "$2" "$3" || fail "$1: $2 and $3 differ"
    ok "$1"
}

# sorted_join WORDS...: the arguments sorted (C locale), joined by commas.
sorted_join() { printf '%s\n' "$@" | LC_ALL=C sort | paste -sd, -; }

sha256_of() { echo "sha256:$(sha256sum "$1" | cut -d' ' -f1)"; }

# ---- HTTP (curl) --------------------------------------------------------------------------

# http METHOD PATH [curl args...]: one request to the registry. Sets
# HTTP_STATUS, HTTP_HEADERS (file), HTTP_BODY (file). Never fails by itself.
http() {
    local method=$1 path=$2 base tls=() verb=(-X "$1")
    shift 2
    base=$(_next_log "http-$method-$path")
    [[ -n $REG_CACERT ]] && tls=(--cacert "$REG_CACERT")
    [[ $method == HEAD ]] && verb=(-I)
    HTTP_HEADERS=$base.headers HTTP_BODY=$base.body
    HTTP_STATUS=$(curl -sS "${verb[@]}" "${tls[@]}" "${CURL_CREDS[@]}" \
        -D "$HTTP_HEADERS" -o "$HTTP_BODY" -w '%{http_code}' --max-time 60 "$@" "$REG_URL$path" 2>"$base.err") || true
    E2E_LAST_LOG=$base.err
    { echo "$method $REG_URL$path -> $HTTP_STATUS"; cat "$HTTP_HEADERS"; head -c 2000 "$HTTP_BODY"; } >"$base.err" 2>/dev/null || true
}

# header NAME: the value of a header of the last http response (last one wins).
header() {
    tr -d '\r' <"$HTTP_HEADERS" | awk -v n="$(tr 'A-Z' 'a-z' <<<"$1")" '
        { i = index($0, ":"); if (i && tolower(substr($0, 1, i - 1)) == n) { v = substr($0, i + 1); sub(/^[ \t]+/, "", v); r = v } }
        END { printf "%s", r }'
}

# location: the Location header of the last response as an absolute URL.
location() {
    local l
    l=$(header Location)
    [[ -n $l ]] || fail "no Location header in the response to the last request"
    [[ $l == http* ]] || l=$REG_URL$l
    printf '%s' "$l"
}

# rel URL: a URL of the registry as the path that http() takes.
rel() { printf '%s' "${1#"$REG_URL"}"; }

# with_digest URL DIGEST: the upload URL with ?digest= (or &digest=) added.
with_digest() {
    local sep='?'
    [[ $1 == *\?* ]] && sep='&'
    printf '%s%sdigest=%s' "$1" "$sep" "$2"
}

# expect_status DESCRIPTION CODE METHOD PATH [curl args]: request + status check.
expect_status() {
    local what=$1 code=$2
    shift 2
    http "$@"
    if [[ $HTTP_STATUS != "$code" ]]; then
        fail "$what: $1 $2 returned $HTTP_STATUS, expected $code; body: $(head -c 500 "$HTTP_BODY")"
    fi
    ok "$what"
}

# ---- test material ------------------------------------------------------------------------

# make_layout: builds the shared OCI layout (tags v1 multilayer multiarch sbom)
# into $LAYOUT and sources its digests.env.
make_layout() {
    LAYOUT=$WORK/layout
    [[ -x $SHARED_DIR/tools/make-test-images.sh || -r $SHARED_DIR/tools/make-test-images.sh ]] ||
        fail "$SHARED_DIR/tools/make-test-images.sh not found (SHARED_DIR)"
    must "build the test OCI layout" bash "$SHARED_DIR/tools/make-test-images.sh" "$LAYOUT"
    # shellcheck disable=SC1091
    source "$LAYOUT/digests.env"
}

# layout_blob DIGEST: path of a blob in the layout.
layout_blob() { echo "$LAYOUT/blobs/sha256/${1#sha256:}"; }

# ---- skopeo ---------------------------------------------------------------------------------

# skopeo and podman run in a private mount namespace where
# /var/lib/containers/cache (root's fixed blob-info cache location; neither
# has an option for it, and podman 4.3 uses it too despite --root) is this
# test's own $WORK/bic: runs are deterministic, nothing leaks between tests
# or onto the host, and within one test the cache still knows where blobs were
# pushed (which is what makes them try cross-repository mounts).
with_private_cache() {
    mkdir -p /var/lib/containers/cache
    unshare -m --propagation private /bin/sh -c \
        'mount --bind "$0" /var/lib/containers/cache && exec "$@"' "$WORK/bic" "$@"
}
skopeo() { with_private_cache skopeo "$@"; }
podman() { with_private_cache podman "$@"; }

# tls flag for a plain-http registry
NOTLS=(--tls-verify=false)

# need_cmd CMD...: fails clearly when a client is not installed.
need_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null || fail "$c is not installed (see tests/e2e/README.md, prerequisites)"
    done
}

# check_manifest REPO REF DIGEST MEDIATYPE [EXPECTED_BODY_FILE]: GET and HEAD of
# the manifest: status 200, Docker-Content-Digest, Content-Type and
# Content-Length as the clients need them (notes/clients.md, checklist 4), body
# hashes to DIGEST (and equals EXPECTED_BODY_FILE).
check_manifest() {
    local repo=$1 ref=$2 digest=$3 mt=$4 expect=${5:-} size accept
    accept='application/vnd.oci.image.manifest.v1+json,application/vnd.oci.image.index.v1+json,application/vnd.docker.distribution.manifest.v2+json,application/vnd.docker.distribution.manifest.list.v2+json'
    E2E_SILENT=$((E2E_SILENT + 1))
    expect_status "GET manifest $repo:$ref" 200 GET "/v2/$repo/manifests/$ref" -H "Accept: $accept"
    assert_eq "GET $repo:$ref body digest" "$digest" "$(sha256_of "$HTTP_BODY")"
    if [[ -n $expect ]]; then assert_files_equal "GET $repo:$ref body equals what was pushed" "$expect" "$HTTP_BODY"; fi
    size=$(stat -c %s "$HTTP_BODY")
    assert_eq "GET $repo:$ref Docker-Content-Digest" "$digest" "$(header Docker-Content-Digest)"
    assert_eq "GET $repo:$ref Content-Type" "$mt" "$(header Content-Type)"
    expect_status "HEAD manifest $repo:$ref" 200 HEAD "/v2/$repo/manifests/$ref" -H "Accept: $accept"
    assert_eq "HEAD $repo:$ref Docker-Content-Digest" "$digest" "$(header Docker-Content-Digest)"
    assert_eq "HEAD $repo:$ref Content-Type" "$mt" "$(header Content-Type)"
    assert_eq "HEAD $repo:$ref Content-Length" "$size" "$(header Content-Length)"
    E2E_SILENT=$((E2E_SILENT - 1))
    ok "manifest $repo:${ref:0:26}: GET/HEAD 200, digest ${digest:7:12}, $mt, headers right${expect:+, bytes as pushed}"
}

# check_blob REPO DIGEST [EXPECTED_FILE]: GET of a blob returns its bytes.
check_blob() {
    E2E_SILENT=$((E2E_SILENT + 1))
    expect_status "GET blob ${2:0:19} in $1" 200 GET "/v2/$1/blobs/$2" -L
    assert_eq "blob ${2:0:19} in $1 hashes to its digest" "$2" "$(sha256_of "$HTTP_BODY")"
    if [[ -n ${3:-} ]]; then assert_files_equal "blob ${2:0:19} equals the pushed bytes" "$3" "$HTTP_BODY"; fi
    E2E_SILENT=$((E2E_SILENT - 1))
    ok "blob $1@${2:0:19}: GET 200, bytes hash to the digest${3:+ and equal the pushed ones}"
}

# supports FEATURE: whether the registry under test is expected to have it.
# Only the Distribution stand-in lacks any; in scopereg mode everything is
# required.
supports() {
    [[ $REGISTRY_KIND == scopereg ]] && return 0
    case $1 in
    referrers | oci-subject | scopereg-layout | scopereg-gc | healthz | graceful-shutdown) return 1 ;;
    esac
    return 0
}

# check_referrer REPO SUBJECT CHILD_MANIFEST_FILE [FILTER_ARTIFACT_TYPE]:
# the referrers API lists the manifest in CHILD_MANIFEST_FILE (pushed to REPO,
# subject SUBJECT) with its mediaType, size, artifactType and annotations
# (distribution-spec v1.1, "Listing Referrers").
check_referrer() {
    local repo=$1 subject=$2 file=$3 child at size mt ann entry
    if ! supports referrers; then
        skip_check "referrers API for $subject in $repo ($REGISTRY_KIND has none)"
        return 0
    fi
    child=$(sha256_of "$file")
    size=$(stat -c %s "$file")
    mt=$(jq -r '.mediaType // "application/vnd.oci.image.manifest.v1+json"' "$file")
    at=$(jq -r '.artifactType // .config.mediaType' "$file")
    ann=$(jq -cS '.annotations // {}' "$file")
    expect_status "referrers API of $repo@${subject:0:19}" 200 GET "/v2/$repo/referrers/$subject"
    assert_eq "referrers response Content-Type" "application/vnd.oci.image.index.v1+json" "$(header Content-Type | sed 's/;.*//')"
    assert_eq "referrers response is an image index" "2 application/vnd.oci.image.index.v1+json" \
        "$(jq -r '"\(.schemaVersion) \(.mediaType)"' "$HTTP_BODY")"
    entry=$(jq -c --arg d "$child" '[.manifests[] | select(.digest == $d)]' "$HTTP_BODY")
    assert_eq "referrers list ${child:0:19} once" 1 "$(jq length <<<"$entry")"
    assert_eq "referrer descriptor mediaType/size/artifactType" "$mt $size $at" \
        "$(jq -r '.[0] | "\(.mediaType) \(.size) \(.artifactType)"' <<<"$entry")"
    assert_eq "referrer descriptor annotations" "$ann" "$(jq -cS '.[0].annotations // {}' <<<"$entry")"
}

# check_tags REPO EXPECTED_JSON: `skopeo list-tags` lists exactly these tags
# (EXPECTED_JSON: a sorted compact JSON array, e.g. '["sbom","v1"]').
check_tags() {
    E2E_SILENT=$((E2E_SILENT + 1))
    must "list-tags $1" skopeo list-tags "${NOTLS[@]}" "${CREDS[@]}" "docker://$REGISTRY/$1"
    E2E_SILENT=$((E2E_SILENT - 1))
    assert_eq "skopeo list-tags $1" "$2" "$(jq -c '.Tags | sort' "$LAST_OUT")"
}

# check_raw_digest REF DIGEST: `skopeo inspect --raw` returns bytes of DIGEST;
# the bytes stay in $LAST_OUT.
check_raw_digest() {
    E2E_SILENT=$((E2E_SILENT + 1))
    must "inspect --raw $1" skopeo inspect "${NOTLS[@]}" "${CREDS[@]}" --raw "docker://$REGISTRY/$1"
    E2E_SILENT=$((E2E_SILENT - 1))
    assert_eq "skopeo inspect --raw $1: digest" "$2" "$(sha256_of "$LAST_OUT")"
}

# compare_layouts PULLED_LAYOUT N: every blob of PULLED_LAYOUT is byte-identical
# to the same blob in $LAYOUT, and there are N of them.
compare_layouts() {
    local f n=0
    for f in "$1"/blobs/sha256/*; do
        [[ -f $LAYOUT/blobs/sha256/${f##*/} ]] || fail "pulled blob ${f##*/} was never pushed (not in the test layout)"
        cmp -s "$f" "$LAYOUT/blobs/sha256/${f##*/}" || fail "pulled blob ${f##*/} differs from the pushed one"
        n=$((n + 1))
    done
    assert_eq "pulled $n blobs, all byte-identical to the pushed ones" "$2" "$n"
}

# ---- podman ---------------------------------------------------------------------------------

# podman_setup: private storage (overlay under $WORK/podman), containers.conf
# (no state in /run/libpod or /etc/containers/networks) and a registries.conf
# that marks $REGISTRY insecure. Exported, so skopeo's containers-storage:
# transport uses the same store. Call after start_registry.
podman_setup() {
    local p=$WORK/podman
    mkdir -p "$p/root" "$p/runroot" "$p/tmp" "$p/networks"
    cat >"$p/storage.conf" <<EOC
[storage]
driver = "overlay"
graphroot = "$p/root"
runroot = "$p/runroot"
EOC
    cat >"$p/containers.conf" <<EOC
[engine]
events_logger = "file"
events_logfile_path = "$p/events.log"
tmp_dir = "$p/tmp"
image_copy_tmp_dir = "$WORK/tmp"
cgroup_manager = "cgroupfs"
[network]
network_config_dir = "$p/networks"
EOC
    cat >"$p/registries.conf" <<EOC
unqualified-search-registries = []
[[registry]]
location = "$REGISTRY"
insecure = true
EOC
    export CONTAINERS_STORAGE_CONF=$p/storage.conf CONTAINERS_CONF=$p/containers.conf \
        CONTAINERS_REGISTRIES_CONF=$p/registries.conf
}

# ---- containerd -----------------------------------------------------------------------------

# containerd_start: a private containerd (root, state, sockets, opt dir under
# $WORK/containerd; CRI off) in the background; sets CTR=(ctr --address ...).
containerd_start() {
    local d=$WORK/containerd i
    mkdir -p "$d"
    cat >"$d/config.toml" <<EOC
version = 2
root = "$d/root"
state = "$d/state"
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = "$d/containerd.sock"
[ttrpc]
  address = "$d/containerd-ttrpc.sock"
[debug]
  address = "$d/debug.sock"
[plugins."io.containerd.internal.v1.opt"]
  path = "$d/opt"
EOC
    containerd --config "$d/config.toml" >"$LOGDIR/containerd.log" 2>&1 </dev/null &
    CONTAINERD_PID=$!
    register_daemon "$CONTAINERD_PID"
    CTR=(ctr --address "$d/containerd.sock")
    for ((i = 0; i < 300; i++)); do
        _alive "$CONTAINERD_PID" || fail "containerd exited during start-up (log $LOGDIR/containerd.log)"
        if [[ -S $d/containerd.sock ]] && "${CTR[@]}" version >/dev/null 2>&1; then
            say "containerd up (pid $CONTAINERD_PID, $d)"
            return 0
        fi
        sleep 0.1
    done
    fail "containerd did not answer within 30 s (log $LOGDIR/containerd.log)"
}

ctr() { command ctr --address "$WORK/containerd/containerd.sock" "$@"; }

# ctr_image_digest REF: the target digest of a containerd image (empty if none).
ctr_image_digest() {
    ctr images ls | awk -v n="$1" '$1 == n { print $3 }'
}
