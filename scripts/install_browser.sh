#!/usr/bin/env bash
# Installs Debian's Chromium and ChromeDriver (packages chromium, chromium-driver) and a Chinese
# font (fonts-wqy-microhei, so the zh pages' screenshots show text) when missing, for the
# dashboard's browser tests and the report screenshot test. .ci/run calls it before the
# tests; the browser test calls it too when chromedriver is not found.
#
# Exit codes: 0 both are there, 3 missing and apt-get cannot install them here.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 \
    && [ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"; else
    echo "chromium or chromedriver is missing, and apt-get cannot run here (not root, no passwordless sudo)" >&2
    exit 3
  fi
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium or chromedriver is missing, and there is no apt-get to install them" >&2
  exit 3
fi
echo "installing chromium, chromium-driver and fonts-wqy-microhei with apt-get (once)..." >&2
export DEBIAN_FRONTEND=noninteractive
if ! { $sudo apt-get install -y -q chromium chromium-driver fonts-wqy-microhei >/dev/null 2>&1 \
      || { $sudo apt-get update -q >/dev/null 2>&1 && $sudo apt-get install -y -q chromium chromium-driver fonts-wqy-microhei >/dev/null 2>&1; }; }; then
  echo "apt-get install chromium chromium-driver failed" >&2
  exit 3
fi
command -v chromium >/dev/null && command -v chromedriver >/dev/null
