#!/usr/bin/env bash
# Every test of cvpnsim, as CI runs it:
#   1. the Rust test suites (unit, integration, property and statistical tests);
#   2. the analysis notebook, executed headlessly against two fresh runs and a small sweep;
#   3. the run report opened in headless Chromium;
#   4. `cargo install --path .`, and the Dockerfile (linted; built where a container runtime runs).
# Installs what it needs first: the notebook's pinned Python packages into .venv, and Debian's
# chromium when missing (as root, through apt-get).
set -euo pipefail
cd "$(dirname "$0")"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
cargo test 2>&1 | tee "$log"
passed=$(grep -E '^test result:' "$log" | awk '{s += $4} END {print s + 0}')

echo "--- no function over 120 lines outside test code"
python3 .ci/fn-lengths.py --max 120 src
passed=$((passed + 1))

echo "--- notebook and report against fresh runs"
cargo build --release --quiet
cvpnsim="${CARGO_TARGET_DIR:-target}/release/cvpnsim"

echo "--- cargo install --path . (reusing the release build), completions and man page"
root=$(mktemp -d)
CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}" cargo install --quiet --locked --offline --path . --root "$root"
"$root/bin/cvpnsim" --version
"$root/bin/cvpnsim" completions bash | bash -n
"$root/bin/cvpnsim" man | grep -q '^\.TH cvpnsim 1'
rm -rf "$root"
passed=$((passed + 1))

echo "--- container image"
.ci/docker.sh
passed=$((passed + 1))
runs=$(mktemp -d)
"$cvpnsim" run scenarios/two-az-workday.toml --out "$runs/a" --quiet --connection-log
"$cvpnsim" run scenarios/two-az-workday.toml --seed 7 --out "$runs/b" --quiet
# A small sweep for the notebook's sweep section: two handler concurrencies, two replicas each.
"$cvpnsim" sweep scenarios/two-az-workday.toml --vary endpoint.client_connect_handler.concurrency=100,200 \
  --replicas 2 --out "$runs/sweep" >/dev/null

[ -x .venv/bin/python ] || python3 -m venv .venv
.venv/bin/pip install --quiet --disable-pip-version-check -r notebooks/requirements.txt
CVPNSIM_RUN="$runs/a" CVPNSIM_COMPARE="$runs/b" CVPNSIM_SWEEP="$runs/sweep" MPLBACKEND=Agg \
  .venv/bin/python notebooks/execute.py notebooks/analysis.ipynb
passed=$((passed + 1))

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing chromium (Debian package) for the report check"
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "the report check needs chromium: apt-get install chromium" >&2
    exit 1
  fi
fi
.ci/check-report.sh "$runs/a"
passed=$((passed + 1))
rm -rf "$runs"

echo "all tests: $passed passed, 0 failed"
