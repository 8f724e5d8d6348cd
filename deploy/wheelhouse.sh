#!/usr/bin/env bash
# Wheels of every dependency of the image (and of pip's build tools), built on this machine with
# its own pip configuration, so that `docker build --build-arg PIP_INSTALL_ARGS=--no-index`
# needs no network inside the build.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
python=${PYTHON:-python3.11}
out="$root/deploy/wheelhouse"
mkdir -p "$out"
# async-timeout: redis-py needs it on Python < 3.11.3 (Debian 12 ships 3.11.2).
"$python" -m pip wheel --quiet -w "$out" "$root" dumb-init pip setuptools wheel async-timeout
# The product itself is built inside the image from the copied sources.
rm -f "$out"/bot_gateway-*.whl
echo "wheelhouse: $(ls "$out"/*.whl | wc -l) wheels in $out"
