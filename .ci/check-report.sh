#!/usr/bin/env bash
# Opens a run's report.html in headless Chromium and checks that it renders: the DOM after
# loading holds every chart the folder has, the browser reports no errors for the page, and a
# screenshot is taken (report.png beside the page) for a person to look at.
#
#   .ci/check-report.sh results/two-az-workday
set -euo pipefail
dir=${1:?usage: .ci/check-report.sh RESULTS_DIR}
page="$(cd "$dir" && pwd)/report.html"
[ -f "$page" ] || { echo "no report.html in $dir" >&2; exit 1; }
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || { echo "chromium is not installed (apt-get install chromium)" >&2; exit 1; }

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --user-data-dir="$profile" --window-size=1280,2400)

dom=$("$browser" "${flags[@]}" --enable-logging=stderr --v=0 --dump-dom "file://$page" 2>"$profile/log")
"$browser" "${flags[@]}" --screenshot="$(cd "$dir" && pwd)/report.png" "file://$page" 2>/dev/null

charts=$(find "$dir/charts" -name '*.svg' | wc -l)
figures=$(grep -o '<figure id=' <<<"$dom" | wc -l)
svgs=$(grep -o '<svg' <<<"$dom" | wc -l)
errors=$(grep -iE 'CONSOLE.*(error|uncaught)|Failed to load' "$profile/log" || true)
echo "report: $figures figures, $svgs inline charts, $charts chart files in $dir/charts"
[ "$figures" -eq "$charts" ] || { echo "FAIL: the page shows $figures charts, the folder has $charts" >&2; exit 1; }
[ "$svgs" -eq "$charts" ] || { echo "FAIL: $svgs charts rendered, expected $charts" >&2; exit 1; }
[ -z "$errors" ] || { echo "FAIL: the browser reported errors:" >&2; echo "$errors" >&2; exit 1; }
grep -q 'class="verdict' <<<"$dom" || { echo "FAIL: the page did not render its verdict" >&2; exit 1; }
echo "report renders in $("$browser" --version 2>/dev/null | head -1): ok"
