'use strict';

// Bundles src/page.js (with mediasoup-client) into
// ../server/public/interop/bundle.js and copies src/index.html next to it,
// so the test server serves the page at /interop/.
//
//   node build.js          build when the inputs changed (stamp mismatch)
//   node build.js --force  always build
//   node build.js --check  exit 0 when the bundle is up to date, 1 when it
//                          is missing or stale (needs no node_modules)
//
// The stamp is a hash of every input: the lockfile (so the exact
// mediasoup-client and esbuild versions), this script and src/.

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const HERE = __dirname;
const SRC = path.join(HERE, 'src');
const OUT = path.join(HERE, '..', 'server', 'public', 'interop');
const STAMP = path.join(OUT, 'build-stamp.txt');

function inputsHash() {
	const h = crypto.createHash('sha256');
	const files = ['package.json', 'package-lock.json', 'build.js'];
	for (const f of fs.readdirSync(SRC).sort()) files.push(path.join('src', f));
	for (const f of files) {
		h.update(`${f}\0`);
		h.update(fs.readFileSync(path.join(HERE, f)));
		h.update('\0');
	}
	return h.digest('hex').slice(0, 32);
}

function upToDate(hash) {
	try {
		return fs.readFileSync(STAMP, 'utf8').trim() === hash
			&& fs.statSync(path.join(OUT, 'bundle.js')).size > 0
			&& fs.statSync(path.join(OUT, 'index.html')).size > 0;
	} catch (err) {
		return false;
	}
}

async function build(hash) {
	// Required here so that --check works without node_modules.
	const esbuild = require('esbuild');
	fs.mkdirSync(OUT, { recursive: true });
	await esbuild.build({
		entryPoints: [path.join(SRC, 'page.js')],
		outfile: path.join(OUT, 'bundle.js'),
		bundle: true,
		format: 'iife',
		platform: 'browser',
		target: ['chrome111'],
		minify: false,
		sourcemap: false,
		legalComments: 'inline',
		logLevel: 'warning',
		define: { 'process.env.NODE_ENV': '"production"' },
	});
	fs.copyFileSync(path.join(SRC, 'index.html'), path.join(OUT, 'index.html'));
	fs.writeFileSync(STAMP, `${hash}\n`);
	const size = fs.statSync(path.join(OUT, 'bundle.js')).size;
	console.log(`built ${path.relative(process.cwd(), path.join(OUT, 'bundle.js'))} (${Math.round(size / 1024)} KiB, inputs ${hash})`);
}

async function main() {
	const args = process.argv.slice(2);
	const hash = inputsHash();
	if (args.includes('--check')) {
		if (upToDate(hash)) {
			console.log(`interop bundle up to date (inputs ${hash})`);
			process.exit(0);
		}
		console.log(`interop bundle missing or stale (inputs ${hash}): run testbed/install-browser.sh`);
		process.exit(1);
	}
	if (!args.includes('--force') && upToDate(hash)) {
		console.log(`interop bundle up to date (inputs ${hash})`);
		return;
	}
	await build(hash);
}

main().catch((err) => {
	console.error(`build failed: ${err && err.stack ? err.stack : err}`);
	process.exit(1);
});
