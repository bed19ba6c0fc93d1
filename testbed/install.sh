#!/usr/bin/env bash
# Installs everything the integration tests need on a Debian 12 machine:
#   - Debian packages to build the mediasoup worker, plus ffmpeg;
#   - the mediasoup 3.12.16 C++ worker, built offline against Debian's libraries
#     and cached under $HOME/.cache/mediasoup-client-go/worker/;
#   - the Node test server's packages (testbed/server/node_modules);
#   - the browser interop tests' Chromium and page (install-browser.sh).
# Idempotent: a second run only checks and takes seconds.
#
# The Go kit (package testbed) embeds this script and the server files and
# runs the script on a copy extracted into the cache, with
# TESTBED_SKIP_BROWSER=1; MEDIASOUP_CLIENT_GO_CACHE overrides the cache
# directory.
set -Eeuo pipefail

MEDIASOUP_VERSION=3.12.16
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRIPT="$ROOT/testbed/install.sh"
SERVER_DIR="$ROOT/testbed/server"
CACHE_ROOT="${MEDIASOUP_CLIENT_GO_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mediasoup-client-go}"

log() { printf '==> %s\n' "$*"; }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }
FAIL_HINT=""
trap 'rc=$?; printf "install.sh: FAILED (exit %s) at line %s: %s\n%s" "$rc" "$LINENO" "$BASH_COMMAND" "$FAIL_HINT" >&2; exit $rc' ERR

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "not root and no sudo: cannot install Debian packages"
	SUDO="sudo"
fi

# ---------------------------------------------------------------------------
# 1. Debian packages
# ---------------------------------------------------------------------------
APT_PACKAGES=(
	meson ninja-build pkg-config g++ python3
	libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev
	ffmpeg
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
	if ! dpkg -s "$p" 2>/dev/null | grep -q '^Status: install ok installed'; then
		missing+=("$p")
	fi
done
if [ "${#missing[@]}" -eq 0 ]; then
	log "Debian packages: all ${#APT_PACKAGES[@]} installed"
else
	log "Debian packages: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get update
	$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
fi
command -v node >/dev/null || die "node not found: install Node.js >= 18 (Debian: apt-get install nodejs npm)"
command -v npm >/dev/null || die "npm not found: install npm"

# ---------------------------------------------------------------------------
# 2. mediasoup worker (cached)
# The key hashes everything between the BUILD markers below (the subproject
# stubs and build commands), the mediasoup version and the Debian library
# versions, so any change to how the worker is built rebuilds it.
# ---------------------------------------------------------------------------
build_section_hash() {
	{
		echo "$MEDIASOUP_VERSION"
		sed -n '/^# BEGIN BUILD$/,/^# END BUILD$/p' "$SCRIPT"
		dpkg-query -W -f='${Package}=${Version}\n' \
			libssl-dev libuv1-dev libsrtp2-dev libusrsctp-dev libabsl-dev nlohmann-json3-dev g++ meson
	} | sha256sum | cut -c1-16
}
KEY="$MEDIASOUP_VERSION-$(build_section_hash)"
WORKER_DIR="$CACHE_ROOT/worker/$KEY"
WORKER_BIN="$WORKER_DIR/mediasoup-worker"

# BEGIN BUILD
write_stub() { # dir, meson.build text, [meson_options.txt text]
	mkdir -p "$1"
	printf '%s\n' "$2" >"$1/meson.build"
	if [ $# -ge 3 ]; then printf '%s\n' "$3" >"$1/meson_options.txt"; fi
	: >"$1/empty.c"
}

make_stubs() { # $1 = worker/subprojects
	local sp="$1"
	rm -rf "$sp"/*.wrap "$sp"/packagefiles
	write_stub "$sp/openssl" "project('openssl', 'c')
openssl_dep = dependency('openssl')
libcrypto_lib = static_library('crypto_stub', 'empty.c', build_by_default: false)
libssl_lib = static_library('ssl_stub', 'empty.c', build_by_default: false)"
	write_stub "$sp/libuv" "project('libuv', 'c')
libuv_dep = dependency('libuv')
libuv = static_library('uv_stub', 'empty.c', build_by_default: false)" \
		"option('build_tests', type: 'boolean', value: false)
option('build_benchmarks', type: 'boolean', value: false)"
	write_stub "$sp/libsrtp2" "project('libsrtp2', 'c')
libsrtp2_dep = declare_dependency(dependencies: dependency('libsrtp2'),
  include_directories: include_directories('/usr/include/srtp2'))
libsrtp2 = static_library('srtp2_stub', 'empty.c', build_by_default: false)" \
		"option('crypto-library', type: 'string', value: 'openssl')
option('crypto-library-kdf', type: 'feature', value: 'disabled')
option('tests', type: 'feature', value: 'disabled')"
	write_stub "$sp/usrsctp" "project('usrsctp', 'c')
usrsctp_dep = dependency('usrsctp')
usrsctp = static_library('usrsctp_stub', 'empty.c', build_by_default: false)" \
		"option('sctp_build_programs', type: 'boolean', value: false)"
	write_stub "$sp/abseil-cpp" "project('abseil-cpp', 'c', 'cpp')
absl_container_dep = declare_dependency(dependencies: [
  dependency('absl_flat_hash_map'), dependency('absl_flat_hash_set'), dependency('absl_btree')])
absl_strings_dep = declare_dependency(dependencies: [
  dependency('absl_strings'), dependency('absl_str_format')])
absl_types_dep = declare_dependency(dependencies: [
  dependency('absl_optional'), dependency('absl_variant'), dependency('absl_span')])
absl_container_lib = static_library('absl_stub', 'empty.c', build_by_default: false)"
	write_stub "$sp/catch2" "project('catch2', 'c')
catch2_dep = declare_dependency()"
	write_stub "$sp/nlohmann_json" "project('nlohmann_json', 'c')
nlohmann_json_dep = dependency('nlohmann_json')"
}

build_worker() { # $1 = scratch dir
	local scratch="$1"
	rm -rf "$scratch"
	mkdir -p "$scratch"
	log "fetching mediasoup@$MEDIASOUP_VERSION sources (npm pack)"
	(cd "$scratch" && npm pack --silent "mediasoup@$MEDIASOUP_VERSION" >/dev/null)
	tar -xzf "$scratch/mediasoup-$MEDIASOUP_VERSION.tgz" -C "$scratch"
	local w="$scratch/package/worker"
	log "replacing subproject wraps with stubs onto Debian's libraries"
	make_stubs "$w/subprojects"
	sed -i "s/meson_version: '>= 1.1.0'/meson_version: '>= 1.0.0'/" "$w/meson.build"
	grep -q "meson_version: '>= 1.0.0'" "$w/meson.build" || die "could not lower the meson requirement in meson.build"
	log "meson setup"
	(cd "$w" && meson setup BUILD --buildtype release -Db_ndebug=true --wrap-mode=nodownload)
	log "ninja: compiling mediasoup-worker (about 3 minutes on 2 cores)"
	ninja -C "$w/BUILD" mediasoup-worker
	if ldd "$w/BUILD/mediasoup-worker" | grep -q 'not found'; then
		die "the built worker misses shared libraries: $(ldd "$w/BUILD/mediasoup-worker" | grep 'not found')"
	fi
}
# END BUILD

if [ -x "$WORKER_BIN" ]; then
	log "mediasoup worker: cached at $WORKER_BIN"
else
	log "mediasoup worker: not cached, building into $WORKER_DIR"
	scratch="$CACHE_ROOT/build/$KEY"
	FAIL_HINT="install.sh: building the mediasoup worker failed; the build tree is kept in $scratch
"
	build_worker "$scratch"
	FAIL_HINT=""
	mkdir -p "$WORKER_DIR"
	cp "$scratch/package/worker/BUILD/mediasoup-worker" "$WORKER_BIN.tmp"
	strip "$WORKER_BIN.tmp" 2>/dev/null || true
	mv "$WORKER_BIN.tmp" "$WORKER_BIN"
	rm -rf "$scratch"
	log "mediasoup worker: built $(du -h "$WORKER_BIN" | cut -f1) at $WORKER_BIN"
fi

# ---------------------------------------------------------------------------
# 3. Node test server packages
# ---------------------------------------------------------------------------
lock_hash="$(sha256sum "$SERVER_DIR/package-lock.json" | cut -c1-16)"
stamp="$SERVER_DIR/node_modules/.install-stamp"
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$lock_hash" ] && [ -d "$SERVER_DIR/node_modules/mediasoup" ]; then
	log "Node packages: up to date in $SERVER_DIR/node_modules"
else
	log "Node packages: npm ci --ignore-scripts in $SERVER_DIR"
	(cd "$SERVER_DIR" && npm ci --ignore-scripts --no-audit --no-fund)
	echo "$lock_hash" >"$stamp"
fi

# Point the server at the worker: .worker-path (read by server.js and the Go
# helper) and the location mediasoup looks at by default.
printf '%s\n' "$WORKER_BIN" >"$SERVER_DIR/.worker-path"
release_dir="$SERVER_DIR/node_modules/mediasoup/worker/out/Release"
mkdir -p "$release_dir"
ln -sfn "$WORKER_BIN" "$release_dir/mediasoup-worker"

got="$(cd "$SERVER_DIR" && node -e 'console.log(require("mediasoup/package.json").version)')"
[ "$got" = "$MEDIASOUP_VERSION" ] || die "$SERVER_DIR has mediasoup $got, want $MEDIASOUP_VERSION"
# The browser side of the interop tests: Debian's Chromium and the bundled
# mediasoup-client test page (not in the Go kit's copy).
if [ "${TESTBED_SKIP_BROWSER:-0}" != 1 ] && [ -f "$ROOT/testbed/install-browser.sh" ]; then
	bash "$ROOT/testbed/install-browser.sh"
fi

log "ready: mediasoup $MEDIASOUP_VERSION, worker $WORKER_BIN"
