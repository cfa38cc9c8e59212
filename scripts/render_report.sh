#!/usr/bin/env bash
# Renders an HTML file to a PNG with headless Chromium (used by the report test and by hand).
#
#   scripts/render_report.sh REPORT.html OUT.png [WIDTH] [HEIGHT]
#
# Installs Debian's `chromium` package (scripts/install_browser.sh) when no Chromium is found. Exit codes: 0 rendered, 3 no Chromium and none could be installed (the
# caller skips with this message), anything else a failure.
set -euo pipefail
html=$(realpath "$1")
png=$2
width=${3:-1100}
height=${4:-6000}

find_chromium() {
  for c in chromium chromium-browser google-chrome google-chrome-stable; do
    if command -v "$c" >/dev/null 2>&1; then
      command -v "$c"
      return 0
    fi
  done
  return 1
}

if ! browser=$(find_chromium); then
  # the one install script (chromium, chromium-driver, a CJK font); its exit code 3 is ours too
  bash "$(dirname "$0")/install_browser.sh" || exit $?
  browser=$(find_chromium) || { echo "no chromium after installing it" >&2; exit 3; }
fi

# a private profile directory, so parallel runs do not share state
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
  --user-data-dir="$profile" --window-size="${width},${height}" \
  --screenshot="$png" "file://$html" >/dev/null 2>&1
test -s "$png"
