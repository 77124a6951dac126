#!/usr/bin/env bash
# `make demo-check`: screenshot each report page of the demo with headless
# Chromium, so a person can look at every chart (title, labelled axes with
# units, a legend where there is more than one series). Also checks that each
# page is there and inlines its charts.
# Usage: scripts/demo-check.sh [DEMO_DIR] [SHOTS_DIR]
set -euo pipefail
demo=${1:-out/demo}
shots=${2:-$demo/screenshots}
browser=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$browser" ]; then
    echo "demo-check: chromium not found (scripts/install-deps --demo-check)" >&2
    exit 2
fi
demo=$(cd "$demo" && pwd)
mkdir -p "$shots"
shots=$(cd "$shots" && pwd)
fail=0
n=0
for page in "$demo"/index.html "$demo"/*/index.html; do
    [ -e "$page" ] || continue
    dir=$(dirname "$page")
    name=$(basename "$dir")
    [ "$dir" = "$demo" ] && name=index
    png="$shots/$name.png"
    profile=$(mktemp -d)
    rm -f "$png"
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --user-data-dir="$profile" --screenshot="$png" --window-size=1280,2400 \
        "file://$page" >/dev/null 2>&1 || true
    rm -rf "$profile"
    if [ ! -s "$png" ]; then
        echo "demo-check: FAIL no screenshot of $page" >&2
        fail=1
        continue
    fi
    # every chart of a report folder is drawn and inlined in its page
    if [ "$name" != index ]; then
        ngp=$(find "$dir" -maxdepth 1 -name '*.gp' | wc -l)
        nsvg=$(grep -c '<svg' "$page" || true)
        if [ "$nsvg" -lt "$ngp" ]; then
            echo "demo-check: FAIL $page inlines $nsvg charts of $ngp" >&2
            fail=1
        fi
    fi
    n=$((n + 1))
    echo "demo-check: $png"
done
if [ "$n" -lt 5 ]; then
    echo "demo-check: FAIL expected 5 pages (index and four reports), got $n" >&2
    fail=1
fi
[ $fail = 0 ] && echo "demo-check: $n screenshots in $shots; look at them"
exit $fail
