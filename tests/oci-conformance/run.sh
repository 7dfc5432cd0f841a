#!/usr/bin/env bash
# run.sh URL [USER PASS] - run the Python port of the OCI distribution-spec
# v1.1.1 conformance suite against the registry at URL.
#
# Defaults (each can be overridden by exporting the variable first):
#   all four workflows on (OCI_TEST_PULL/PUSH/CONTENT_DISCOVERY/CONTENT_MANAGEMENT=1)
#   OCI_NAMESPACE=conformance/test-<random>, OCI_CROSSMOUNT_NAMESPACE=conformance/crossmount-<random>
#   OCI_HIDE_SKIPPED_WORKFLOWS=0, OCI_DEBUG=0
# OCI_REPORT_DIR, OCI_DELETE_MANIFEST_BEFORE_BLOBS, OCI_AUTOMATIC_CROSSMOUNT,
# OCI_AUTH_SCOPE, OCI_TAG_NAME/OCI_MANIFEST_DIGEST/OCI_BLOB_DIGEST, OCI_TAG_LIST
# are passed through unchanged when set.  Exit status is the suite's.
set -euo pipefail

if [[ $# -ne 1 && $# -ne 3 ]]; then
    echo "usage: $0 URL [USER PASS]" >&2
    exit 2
fi
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
suffix="$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')"

export OCI_ROOT_URL="$1"
if [[ $# -eq 3 ]]; then
    export OCI_USERNAME="$2" OCI_PASSWORD="$3"
fi
export OCI_NAMESPACE="${OCI_NAMESPACE:-conformance/test-$suffix}"
export OCI_CROSSMOUNT_NAMESPACE="${OCI_CROSSMOUNT_NAMESPACE:-conformance/crossmount-$suffix}"
export OCI_TEST_PULL="${OCI_TEST_PULL:-1}"
export OCI_TEST_PUSH="${OCI_TEST_PUSH:-1}"
export OCI_TEST_CONTENT_DISCOVERY="${OCI_TEST_CONTENT_DISCOVERY:-1}"
export OCI_TEST_CONTENT_MANAGEMENT="${OCI_TEST_CONTENT_MANAGEMENT:-1}"
export OCI_HIDE_SKIPPED_WORKFLOWS="${OCI_HIDE_SKIPPED_WORKFLOWS:-0}"
export OCI_DEBUG="${OCI_DEBUG:-0}"

exec python3 "$HERE/conformance.py"
