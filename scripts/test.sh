#!/usr/bin/env bash
# test.sh: installs everything the tests need, builds, and runs every test:
# unit, backend conformance suites, integration (whole server over loopback),
# the OCI distribution-spec conformance suite (Python port) against a live
# server, and end-to-end runs of real clients (skopeo, podman, containerd,
# docker CLI). Exits non-zero if any stage fails. Run as root on Debian 12.
#
# Environment: BUILD_DIR (default ./build), STAGES (default "unit conformance
# integration oci-conformance e2e").
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=${BUILD_DIR:-$here/build}
stages=${STAGES:-"unit conformance integration oci-conformance e2e"}

"$here/scripts/install-deps.sh" test || exit 1
"$here/scripts/build.sh" "$build" RelWithDebInfo || exit 1

failed=()
run_stage() {
  local name=$1; shift
  local start=$SECONDS
  echo "=== stage $name" >&2
  if "$@"; then
    echo "=== stage $name: ok ($((SECONDS - start)) s)" >&2
  else
    echo "=== stage $name: FAILED ($((SECONDS - start)) s)" >&2
    failed+=("$name")
  fi
}

for stage in $stages; do
  case $stage in
    unit|conformance|integration)
      run_stage "$stage" ctest --test-dir "$build" -L "^$stage\$" --output-on-failure -j2 ;;
    oci-conformance)
      run_stage "$stage" "$here/tests/oci-conformance/run-against-scopereg.sh" "$build/src/scopereg/scopereg" ;;
    e2e)
      run_stage "$stage" "$here/tests/e2e/run-all.sh" "$build/src/scopereg/scopereg" ;;
    *) echo "unknown stage $stage" >&2; failed+=("$stage") ;;
  esac
done

if ((${#failed[@]})); then
  echo "FAILED stages: ${failed[*]}" >&2
  exit 1
fi
echo "all stages passed: $stages" >&2
