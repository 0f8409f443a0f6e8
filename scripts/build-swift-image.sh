#!/usr/bin/env bash
# Builds a Swift toolchain image from Debian packages (no registry needed) and imports it into the
# local Docker engine. Reuses the image when it already exists.
#
#   scripts/build-swift-image.sh [tag]      default tag: swiftlambda/swift:6.0-trixie
#
# Debian trixie ships swiftlang (Swift 6.0.x). debootstrap lays a minimal root file system with the
# compiler, libc headers and libstdc++ headers (Foundation's Glibc module needs them), then
# `docker import` turns the folder into an image. About two minutes on a 2-core machine.
set -euo pipefail
TAG="${1:-${SWIFTLAMBDA_SWIFT_IMAGE_TAG:-swiftlambda/swift:6.0-trixie}}"

if docker image inspect "$TAG" >/dev/null 2>&1; then
  echo "swift image: $TAG already present"
  exit 0
fi

mirror() {
  local f=/etc/apt/sources.list.d/debian.sources
  if [ -f "$f" ]; then
    awk '/^URIs:/ { print $2; exit }' "$f"
  elif [ -f /etc/apt/sources.list ]; then
    awk '$1 == "deb" { print $2; exit }' /etc/apt/sources.list
  fi
}
MIRROR="${SWIFTLAMBDA_DEBIAN_MIRROR:-$(mirror)}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"

if ! command -v debootstrap >/dev/null 2>&1; then
  echo "swift image: installing debootstrap"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq debootstrap >/dev/null
fi

ROOT="$(mktemp -d /tmp/swift-root.XXXXXX)"
trap 'rm -rf "$ROOT"' EXIT
echo "swift image: debootstrap trixie from $MIRROR into $ROOT"
# debootstrap knows trixie from 1.0.128 on; older versions take the sid script for it.
SCRIPT=""
[ -e /usr/share/debootstrap/scripts/trixie ] || SCRIPT=/usr/share/debootstrap/scripts/sid
debootstrap --variant=minbase \
  --include=swiftlang,libc6-dev,libstdc++-14-dev,ca-certificates \
  trixie "$ROOT" "$MIRROR" $SCRIPT > /tmp/swift-debootstrap.log 2>&1 || {
    echo "swift image: debootstrap failed; last lines of /tmp/swift-debootstrap.log:" >&2
    tail -30 /tmp/swift-debootstrap.log >&2
    exit 1
  }
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*
echo "swift image: importing as $TAG"
tar -C "$ROOT" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["/bin/bash"]' - "$TAG" >/dev/null
docker run --rm "$TAG" swift --version
echo "swift image: $TAG ready"
