#!/usr/bin/env bash
# Makes sure a Docker engine answers `docker info`. On a Debian machine without one, installs
# Debian's docker.io and starts dockerd detached (its output in /tmp/dockerd.log) so that the
# caller's stdout is not held open by the daemon.
set -euo pipefail
if docker info >/dev/null 2>&1; then
  echo "docker: engine is up ($(docker version --format '{{.Server.Version}}'))"
  exit 0
fi
if ! command -v dockerd >/dev/null 2>&1; then
  echo "docker: installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq docker.io >/dev/null
fi
echo "docker: starting dockerd (log: /tmp/dockerd.log)"
setsid dockerd >/tmp/dockerd.log 2>&1 < /dev/null &
for _ in $(seq 1 60); do
  if docker info >/dev/null 2>&1; then
    echo "docker: engine is up ($(docker version --format '{{.Server.Version}}'))"
    exit 0
  fi
  sleep 1
done
echo "docker: dockerd did not come up; last lines of /tmp/dockerd.log:" >&2
tail -20 /tmp/dockerd.log >&2 || true
exit 1
