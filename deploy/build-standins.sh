#!/usr/bin/env bash
# Local stand-ins for the public base images, built from Debian packages, for machines that cannot
# pull from an image registry (air-gapped sites, CI here). The product's defaults stay the public
# names; point the build and compose at these with
#   PYTHON_IMAGE=bot-gateway-standin/python:3.11-slim
#   REDIS_IMAGE=bot-gateway-standin/redis:7-alpine
#   POSTGRES_IMAGE=bot-gateway-standin/postgres:15-alpine
# (what `make compose-smoke` does). They mimic what compose.yaml relies on, not everything the
# public images do: `python`/`pip`/venv on PATH; `redis-server`, `redis-sentinel`, `redis-cli`
# running as an unprivileged user in /data; PostgreSQL's POSTGRES_USER / POSTGRES_PASSWORD /
# POSTGRES_DB first-start initialisation, `pg_isready`, PGDATA=/var/lib/postgresql/data.
#
# Needs root (debootstrap), debootstrap (installed with apt-get when missing) and a Docker daemon.
# Idempotent: an image that exists is kept (STANDIN_REBUILD=1 rebuilds everything).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
prefix=${STANDIN_PREFIX:-bot-gateway-standin}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
suite=${DEBIAN_SUITE:-bookworm}
docker=${DOCKER:-docker}
rebuild=${STANDIN_REBUILD:-0}

have() { [ "$rebuild" = 0 ] && $docker image inspect "$1" >/dev/null 2>&1; }

base="$prefix/debian:$suite"
if have "$base"; then
  echo "standins: $base exists"
else
  if ! command -v debootstrap >/dev/null; then
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
      echo "standins: debootstrap is missing (as root: apt-get install debootstrap)" >&2
      exit 1
    fi
    echo "standins: debootstrap is missing: apt-get install -y debootstrap"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null \
      || { apt-get update -q >/dev/null \
           && DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >/dev/null; }
  fi
  rootfs=$(mktemp -d /tmp/standin-rootfs.XXXXXX)
  trap 'rm -rf "$rootfs"' EXIT
  echo "standins: debootstrap $suite (minbase) from $mirror"
  debootstrap --variant=minbase "$suite" "$rootfs" "$mirror" >"$rootfs.log" 2>&1 \
    || { tail -20 "$rootfs.log"; exit 1; }
  rm -f "$rootfs.log"
  cat >"$rootfs/etc/apt/sources.list" <<SOURCES
deb $mirror $suite main
deb $mirror $suite-updates main
SOURCES
  # Containers have no init system: package scripts must not try to start services.
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"
  chmod 755 "$rootfs/usr/sbin/policy-rc.d"
  printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
    >"$rootfs/etc/apt/apt.conf.d/90standin"
  printf 'path-exclude /usr/share/doc/*\npath-exclude /usr/share/man/*\npath-exclude /usr/share/locale/*\n' \
    >"$rootfs/etc/dpkg/dpkg.cfg.d/90standin"
  rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/* "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
  tar -C "$rootfs" -c . | $docker import -c 'CMD ["/bin/bash"]' - "$base"
  rm -rf "$rootfs"
  trap - EXIT
fi

for name in python:3.11-slim redis:7-alpine postgres:15-alpine; do
  image="$prefix/$name"
  if have "$image"; then
    echo "standins: $image exists"
    continue
  fi
  echo "standins: building $image (apt-get in a container, a minute or two)"
  started=$SECONDS
  $docker build -q --build-arg "BASE=$base" -t "$image" \
    -f "$here/standins/${name%%:*}.Dockerfile" "$here/standins" >/dev/null
  echo "standins: $image built in $((SECONDS - started)) s"
done
$docker image ls "$prefix/*"
