#!/bin/sh
# Install Chromium (Debian packages chromium + chromium-driver) for the report's browser
# test, where it is missing. Idempotent and silent when Chromium is already there; never
# fails the build: without apt (or without root) it says why and the browser test skips.
set -u

have_chromium() {
    for name in chromium chromium-browser google-chrome google-chrome-stable; do
        if command -v "$name" >/dev/null 2>&1; then
            return 0
        fi
    done
    return 1
}

if have_chromium; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "ensure_chromium: apt-get not found; the report browser test will be skipped." >&2
    exit 0
fi
SUDO=""
if [ "$(id -u)" != "0" ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
        SUDO="sudo -n"
    else
        echo "ensure_chromium: not root and no password-less sudo; the report browser" \
            "test will be skipped." >&2
        exit 0
    fi
fi
echo "ensure_chromium: installing chromium and chromium-driver with apt-get ..." >&2
LOG="${TMPDIR:-/tmp}/ensure_chromium.log"
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >"$LOG" 2>&1; then
    echo "ensure_chromium: apt-get update failed (see $LOG); the browser test will be" \
        "skipped." >&2
    exit 0
fi
if ! $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    chromium chromium-driver >>"$LOG" 2>&1; then
    echo "ensure_chromium: apt-get install failed (see $LOG); the browser test will be" \
        "skipped." >&2
    exit 0
fi
if have_chromium; then
    echo "ensure_chromium: chromium installed." >&2
else
    echo "ensure_chromium: chromium still not found after install (see $LOG)." >&2
fi
exit 0
