#!/usr/bin/env bash
# Builds a Swift toolchain image from Debian packages (no registry needed) and imports it into the
# local Docker engine. Reuses the image when it already exists and was built from this recipe.
#
#   scripts/build-swift-image.sh [tag]      default tag: swiftlambda/swift:6.0-trixie-git
#
# Debian trixie ships swiftlang (Swift 6.0.x). debootstrap lays a minimal root file system with the
# compiler, libc headers and libstdc++ headers (Foundation's Glibc module needs them), then
# `docker import` turns the folder into an image. About two minutes on a 2-core machine.
# git is in the image so that packages can depend on file:// git repositories.
#
# When PACKAGES changes, change the default tag too (the tag names the recipe: "-git" since git was
# added), so that machines holding an image of the old recipe build a new one instead of reusing it.
# The package list is also kept in the image's label swiftlambda.swift-image.packages; an image under
# the tag with another list is refused rather than reused silently.
set -euo pipefail
TAG="${1:-${SWIFTLAMBDA_SWIFT_IMAGE_TAG:-swiftlambda/swift:6.0-trixie-git}}"
PACKAGES=swiftlang,libc6-dev,libstdc++-14-dev,ca-certificates,git
LABEL=swiftlambda.swift-image.packages

if docker image inspect "$TAG" >/dev/null 2>&1; then
  built_from="$(docker image inspect "$TAG" --format "{{ index .Config.Labels \"$LABEL\" }}")"
  if [ "$built_from" != "$PACKAGES" ]; then
    echo "swift image: $TAG exists but was not built from this recipe" >&2
    echo "  its packages: ${built_from:-(no $LABEL label)}; this recipe: $PACKAGES" >&2
    echo "  remove it (docker rmi $TAG) or build under another tag" >&2
    exit 1
  fi
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
  --include="$PACKAGES" \
  trixie "$ROOT" "$MIRROR" $SCRIPT > /tmp/swift-debootstrap.log 2>&1 || {
    echo "swift image: debootstrap failed; last lines of /tmp/swift-debootstrap.log:" >&2
    tail -30 /tmp/swift-debootstrap.log >&2
    exit 1
  }
rm -rf "$ROOT"/var/cache/apt/archives/*.deb "$ROOT"/var/lib/apt/lists/*
echo "swift image: importing as $TAG"
tar -C "$ROOT" -c . | docker import \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["/bin/bash"]' \
  --change "LABEL $LABEL=$PACKAGES" - "$TAG" >/dev/null
docker run --rm "$TAG" sh -c 'swift --version && git --version'
echo "swift image: $TAG ready"
