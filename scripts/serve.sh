#!/usr/bin/env bash
# serve.sh [scopereg serve flags...]: installs build dependencies, builds, and
# runs the registry on its embedded default (127.0.0.1:5000, filesystem blobs
# and SQLite under ./scopereg-data).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
"$here/scripts/install-deps.sh" build
"$here/scripts/build.sh" "$here/build" Release >&2
exec "$here/build/src/scopereg/scopereg" serve "$@"
