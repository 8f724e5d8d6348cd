#!/bin/sh
# As the public image: arguments that are options or a .conf file go to redis-server, and
# protected mode is off (the public image is built that way: inside a container every client
# comes over the container network, never from loopback).
set -e
case "$1" in
  -*|*.conf) set -- redis-server "$@" ;;
esac
case "$1" in
  redis-server|redis-sentinel) set -- "$@" --protected-mode no ;;
esac
exec "$@"
