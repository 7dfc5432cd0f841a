#!/usr/bin/env bash
# run-all.sh REGISTRY_BIN [SCRIPT...] - runs the end-to-end client tests
# against the registry binary (default: every script, in the order below),
# prints a summary table (script, PASS/FAIL/SKIP, seconds) and exits non-zero
# if any script failed. Each script runs in its own process group under a
# time limit (E2E_TIMEOUT seconds, default 420; memory.sh 1500); on timeout
# the whole group (registry, containerd, clients) is terminated.
# Logs of every script go to E2E_RESULTS (default: a temporary directory).
# REGISTRY_KIND, USER/PASS, REGISTRY_ARGS, E2E_BIG, E2E_KEEP pass through.
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
if [[ $# -lt 1 ]]; then
    echo "usage: $0 REGISTRY_BIN [skopeo podman containerd docker tokens sigstore tls shutdown crash memory]" >&2
    exit 2
fi
BIN=$1
shift
if [[ $BIN != */* ]]; then BIN=$(command -v "$BIN" || echo "$BIN"); fi
[[ -x $BIN ]] || { echo "run-all: $BIN is not an executable registry binary" >&2; exit 2; }
BIN=$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")
SCRIPTS=("$@")
((${#SCRIPTS[@]})) || SCRIPTS=(skopeo podman containerd docker tokens sigstore tls shutdown crash memory)
RESULTS=${E2E_RESULTS:-$(mktemp -d "${TMPDIR:-/tmp}/scopereg-e2e-results.XXXXXX")}
mkdir -p "$RESULTS"

echo "run-all: registry $BIN; logs in $RESULTS"
for c in skopeo podman ctr docker node curl openssl; do
    v=$("$c" --version 2>/dev/null | head -n 1) || v="not installed"
    printf 'run-all:   %-8s %s\n' "$c" "$v"
done

PG=""
on_signal() {
    [[ -n $PG ]] && kill -TERM -- "-$PG" 2>/dev/null
    exit 130
}
trap on_signal INT TERM

# run_one NAME: runs NAME.sh in a new session; sets RC (124 on timeout).
run_one() {
    local name=$1 limit=${E2E_TIMEOUT:-420} pid start i
    [[ $name == memory ]] && limit=${E2E_TIMEOUT_MEMORY:-1500}
    setsid bash "$HERE/$name.sh" "$BIN" > >(tee "$RESULTS/$name.log") 2>&1 </dev/null &
    pid=$!
    PG=$pid
    start=$SECONDS
    while kill -0 "$pid" 2>/dev/null; do
        if ((SECONDS - start >= limit)); then
            echo "run-all: $name.sh exceeded ${limit}s: terminating its process group $pid" | tee -a "$RESULTS/$name.log"
            kill -TERM -- "-$pid" 2>/dev/null
            for ((i = 0; i < 100; i++)); do kill -0 -- "-$pid" 2>/dev/null || break; sleep 0.1; done
            kill -KILL -- "-$pid" 2>/dev/null
            wait "$pid" 2>/dev/null
            RC=124
            PG=""
            return
        fi
        sleep 0.2
    done
    wait "$pid"
    RC=$?
    PG=""
}

declare -a ROWS=()
pass=0 failn=0 skip=0
for name in "${SCRIPTS[@]}"; do
    name=${name%.sh}
    [[ -f $HERE/$name.sh ]] || { echo "run-all: no script $name.sh" >&2; ROWS+=("$name FAIL 0"); failn=$((failn + 1)); continue; }
    echo
    echo "=== e2e $name.sh"
    t0=$SECONDS
    run_one "$name"
    dt=$((SECONDS - t0))
    case $RC in
    0) res=PASS; pass=$((pass + 1)) ;;
    77) res=SKIP; skip=$((skip + 1)) ;;
    124) res="FAIL(timeout)"; failn=$((failn + 1)) ;;
    *) res="FAIL($RC)"; failn=$((failn + 1)) ;;
    esac
    ROWS+=("$name $res $dt")
done

echo
echo "=== e2e summary (registry: $BIN)"
printf '%-14s %-14s %8s\n' script result seconds
for row in "${ROWS[@]}"; do
    read -r n r s <<<"$row"
    printf '%-14s %-14s %8s\n' "$n.sh" "$r" "$s"
done
printf '%-14s %-14s %8s\n' total "" "$SECONDS"
echo "logs: $RESULTS"
echo "e2e: $pass passed, $failn failed, $skip skipped"
((failn == 0))
