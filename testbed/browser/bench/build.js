'use strict';

// Bundles bench.js (with mediasoup-client from ../node_modules) into
// ../../server/public/bench/bundle.js and copies index.html next to it, so
// the test server serves the consume benchmark page at /bench/. cmd/bench
// runs it before driving Chromium.
//
//   node build.js          build when an input changed (stamp mismatch)
//   node build.js --force  always build
//   node build.js --check  exit 0 when the bundle is up to date, else 1
//
// The inputs are ../package.json and ../package-lock.json (the exact
// mediasoup-client and esbuild versions), this script, bench.js and
// index.html. The output is generated and not committed.

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');

const HERE = __dirname;
const OUT = path.join(HERE, '..', '..', 'server', 'public', 'bench');
const STAMP = path.join(OUT, 'build-stamp.txt');
const INPUTS = ['../package.json', '../package-lock.json', 'build.js', 'bench.js', 'index.html'];

function inputsHash() {
	const h = crypto.createHash('sha256');
	for (const f of INPUTS) {
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
	const esbuild = require('esbuild');
	fs.mkdirSync(OUT, { recursive: true });
	await esbuild.build({
		entryPoints: [path.join(HERE, 'bench.js')],
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
	fs.copyFileSync(path.join(HERE, 'index.html'), path.join(OUT, 'index.html'));
	fs.writeFileSync(STAMP, `${hash}\n`);
	const size = fs.statSync(path.join(OUT, 'bundle.js')).size;
	console.log(`built ${path.relative(process.cwd(), path.join(OUT, 'bundle.js'))} (${Math.round(size / 1024)} KiB, inputs ${hash})`);
}

async function main() {
	const args = process.argv.slice(2);
	const hash = inputsHash();
	if (args.includes('--check')) {
		const ok = upToDate(hash);
		console.log(`bench bundle ${ok ? 'up to date' : 'missing or stale'} (inputs ${hash})`);
		process.exit(ok ? 0 : 1);
	}
	if (!args.includes('--force') && upToDate(hash)) {
		console.log(`bench bundle up to date (inputs ${hash})`);
		return;
	}
	await build(hash);
}

main().catch((err) => {
	console.error(`build failed: ${err && err.stack ? err.stack : err}`);
	process.exit(1);
});
