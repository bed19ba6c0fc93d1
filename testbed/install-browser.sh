#!/usr/bin/env bash
# Installs what the browser interop tests (integration/browser) need on a
# Debian 12 machine:
#   - Debian's Chromium (/usr/bin/chromium), when missing;
#   - the test page's Node packages (testbed/browser/node_modules: the real
#     mediasoup-client and esbuild), when the lockfile changed;
#   - the page bundle, testbed/server/public/interop/{bundle.js,index.html},
#     when any of its inputs changed.
# Idempotent: a second run only checks and takes a second or two.
set -Eeuo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BROWSER_DIR="$ROOT/testbed/browser"
CHROMIUM=/usr/bin/chromium

log() { printf '==> %s\n' "$*"; }
die() { printf 'install-browser.sh: error: %s\n' "$*" >&2; exit 1; }
trap 'rc=$?; printf "install-browser.sh: FAILED (exit %s) at line %s: %s\n" "$rc" "$LINENO" "$BASH_COMMAND" >&2; exit $rc' ERR

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	SUDO="sudo"
fi

# 1. Chromium
if [ -x "$CHROMIUM" ]; then
	log "Chromium: $("$CHROMIUM" --version 2>/dev/null || echo "present at $CHROMIUM")"
else
	[ -z "$SUDO" ] || command -v sudo >/dev/null || die "not root and no sudo: cannot install chromium"
	export DEBIAN_FRONTEND=noninteractive
	policy="$(apt-cache policy chromium 2>/dev/null || true)"
	if ! grep -q 'Candidate: [0-9]' <<<"$policy"; then
		log "Chromium: apt-get update (no chromium candidate in the package lists)"
		$SUDO apt-get update
	fi
	log "Chromium: apt-get install -y --no-install-recommends chromium"
	$SUDO apt-get install -y --no-install-recommends chromium
	[ -x "$CHROMIUM" ] || die "chromium installed but $CHROMIUM is missing"
	log "Chromium: installed $("$CHROMIUM" --version 2>/dev/null || true)"
fi

# 2. Node packages of the test page
command -v node >/dev/null || die "node not found: install Node.js >= 18 (Debian: apt-get install nodejs npm)"
command -v npm >/dev/null || die "npm not found: install npm"
lock_hash="$(sha256sum "$BROWSER_DIR/package-lock.json" | cut -c1-16)"
stamp="$BROWSER_DIR/node_modules/.install-stamp"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ] \
	&& [ -d "$BROWSER_DIR/node_modules/mediasoup-client" ] && [ -d "$BROWSER_DIR/node_modules/esbuild" ]; then
	log "test page packages: up to date in testbed/browser/node_modules"
else
	log "test page packages: npm ci --ignore-scripts in testbed/browser"
	(cd "$BROWSER_DIR" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
	echo "$lock_hash" >"$stamp"
fi
got="$(cd "$BROWSER_DIR" && node -p "JSON.parse(require('fs').readFileSync('node_modules/mediasoup-client/package.json')).version")"
want="$(cd "$BROWSER_DIR" && node -p 'require("./package.json").dependencies["mediasoup-client"]')"
[ "$got" = "$want" ] || die "testbed/browser has mediasoup-client $got, want $want"

# 3. The page bundle (build.js rebuilds only when an input changed)
log "test page bundle: node testbed/browser/build.js"
(cd "$BROWSER_DIR" && node build.js)
(cd "$BROWSER_DIR" && node build.js --check >/dev/null) || die "the bundle is still stale after building"
log "ready: mediasoup-client $got page at testbed/server/public/interop/, $CHROMIUM"
