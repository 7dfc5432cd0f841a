#!/usr/bin/env bash
# install-deps.sh build|test
# Installs what scopereg needs on Debian 12 (run as root). `build` is enough
# to compile and run the registry; `test` adds the real clients and tools the
# end-to-end tests drive (skopeo, podman, containerd, docker CLI, wrk...).
set -euo pipefail
profile=${1:-build}
export DEBIAN_FRONTEND=noninteractive

build_pkgs=(cmake ninja-build g++ pkg-config ccache ca-certificates
  libboost-dev libssl-dev libsqlite3-dev nlohmann-json3-dev libyaml-cpp-dev libcli11-dev
  libfmt-dev libcurl4-openssl-dev libgtest-dev libgmock-dev googletest libbenchmark-dev)
test_pkgs=(python3 curl openssl jq skopeo podman containerd runc uidmap fuse-overlayfs
  docker-registry apache2-utils wrk gcc)

want=("${build_pkgs[@]}")
[[ $profile == test ]] && want+=("${test_pkgs[@]}")

missing=()
for p in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install-deps: installing ${missing[*]}" >&2
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=900 "${missing[@]}" >/dev/null
fi
# The docker CLI (login, manifest) is preinstalled on these machines; fall
# back to Debian's package if it is not.
if [[ $profile == test ]] && ! command -v docker >/dev/null; then
  apt-get install -y -qq --no-install-recommends -o DPkg::Lock::Timeout=900 docker.io >/dev/null
fi
