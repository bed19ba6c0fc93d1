// Consume benchmark page: the real mediasoup-client in Chromium, driven by
// cmd/bench through the DevTools protocol. It measures only the client-side
// recvTransport.consume() work: the server-side consumers are created (and
// left paused) before the clock starts, as the Go side does.
//
// window.bench.call(name, arg) resolves to the JSON of {ok, value} or
// {ok: false, error}. Functions:
//   setup({room})          open the signaling, join the room, load the device
//   run({n, mode, audioProducerId, videoProducerId})
//                          one measurement on a fresh receive transport that a
//                          warm-up audio consumer connected first; mode is
//                          "sequential" (each consume awaited before the
//                          next) or "tick" (all consume() calls issued in the
//                          same tick, awaited together). Consumers alternate
//                          audio (even) and video (odd).
//   info()                 versions and handler
//   log()                  the page's progress notes (for errors)

import { Device, version as mediasoupClientVersion } from 'mediasoup-client';

class Signaling {
	constructor(url) {
		this.url = url;
		this.ws = null;
		this.nextId = 1;
		this.pending = new Map();
	}

	open() {
		return new Promise((resolve, reject) => {
			const ws = new WebSocket(this.url);
			this.ws = ws;
			ws.onopen = () => resolve();
			ws.onerror = () => reject(new Error(`WebSocket ${this.url} failed`));
			ws.onclose = () => {
				for (const p of this.pending.values()) p.reject(new Error(`signaling closed during ${p.method}`));
				this.pending.clear();
			};
			ws.onmessage = (ev) => {
				const msg = JSON.parse(ev.data);
				if (!msg.response) return; // notifications are not needed here
				const p = this.pending.get(msg.id);
				if (!p) return;
				this.pending.delete(msg.id);
				if (msg.ok) p.resolve(msg.data);
				else p.reject(new Error(`${p.method}: ${msg.errorName}: ${msg.error}`));
			};
		});
	}

	request(method, data = {}) {
		const id = this.nextId++;
		return new Promise((resolve, reject) => {
			this.pending.set(id, { resolve, reject, method });
			this.ws.send(JSON.stringify({ id, method, data }));
		});
	}
}

const state = { sig: null, device: null, log: [] };

function note(msg) {
	state.log.push(`${(performance.now() / 1000).toFixed(3)} ${msg}`);
	if (state.log.length > 200) state.log.shift();
}

function waitConnected(transport, timeoutMs) {
	if (transport.connectionState === 'connected') return Promise.resolve();
	return new Promise((resolve, reject) => {
		const t = setTimeout(() => reject(new Error(`transport not connected after ${timeoutMs} ms (${transport.connectionState})`)), timeoutMs);
		transport.on('connectionstatechange', (s) => {
			if (s === 'connected') {
				clearTimeout(t);
				resolve();
			} else if (s === 'failed' || s === 'closed') {
				clearTimeout(t);
				reject(new Error(`transport ${s}`));
			}
		});
	});
}

// serverConsume creates a paused server-side consumer and returns the
// options of the matching consume() call.
async function serverConsume(transport, producerId) {
	const res = await state.sig.request('consume', {
		transportId: transport.id,
		producerId,
		rtpCapabilities: state.device.recvRtpCapabilities,
		paused: true,
	});
	return { id: res.id, producerId: res.producerId, kind: res.kind, rtpParameters: res.rtpParameters };
}

function quantile(sorted, q) {
	if (sorted.length === 0) return 0;
	const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
	return sorted[i];
}

const api = {
	async setup({ room }) {
		if (state.device) throw new Error('already set up');
		const sig = new Signaling(`ws://${location.host}/`);
		await sig.open();
		state.sig = sig;
		const joined = await sig.request('join', { room });
		let device;
		try {
			device = new Device();
		} catch (err) {
			device = new Device({ handlerName: 'Chrome111' });
		}
		await device.load({ routerRtpCapabilities: joined.routerRtpCapabilities });
		state.device = device;
		return api.info();
	},

	async log() {
		return state.log;
	},

	async info() {
		return {
			mediasoupClient: mediasoupClientVersion,
			handlerName: state.device ? state.device.handlerName : null,
			userAgent: navigator.userAgent,
		};
	},

	async run({ n, mode, audioProducerId, videoProducerId }) {
		if (!state.device) throw new Error('call setup first');
		if (mode !== 'sequential' && mode !== 'tick') throw new Error(`unknown mode ${mode}`);
		const info = await state.sig.request('createWebRtcTransport', { direction: 'recv', sctp: false });
		const transport = state.device.createRecvTransport({
			id: info.id,
			iceParameters: info.iceParameters,
			iceCandidates: info.iceCandidates,
			dtlsParameters: info.dtlsParameters,
		});
		transport.on('connect', ({ dtlsParameters }, callback, errback) => {
			state.sig.request('connectWebRtcTransport', { transportId: transport.id, dtlsParameters })
				.then(() => callback(), errback);
		});
		note(`run ${mode} n=${n}: transport ${transport.id}`);
		try {
			// Warm-up: one consumer connects the transport (ICE, DTLS).
			await transport.consume(await serverConsume(transport, audioProducerId));
			note(`warm-up consumed, ${transport.connectionState}`);
			await waitConnected(transport, 20000);
			note('connected');
			// Server-side consumers first: signaling is not timed.
			const opts = await Promise.all(Array.from({ length: n },
				(_, i) => serverConsume(transport, i % 2 === 0 ? audioProducerId : videoProducerId)));
			note(`${n} server consumers`);
			const per = [];
			const t0 = performance.now();
			if (mode === 'sequential') {
				for (const o of opts) {
					const s = performance.now();
					await transport.consume(o);
					per.push(performance.now() - s);
				}
			} else {
				await Promise.all(opts.map((o) => transport.consume(o)));
			}
			const totalMs = performance.now() - t0;
			note(`done in ${totalMs.toFixed(1)} ms`);
			per.sort((a, b) => a - b);
			return {
				totalMs,
				p50Ms: quantile(per, 0.5),
				p99Ms: quantile(per, 0.99),
				connectionState: transport.connectionState,
			};
		} finally {
			transport.close();
			await state.sig.request('closeTransport', { transportId: transport.id }).catch(() => {});
		}
	},
};

window.bench = {
	ready: true,
	async call(name, arg) {
		try {
			if (!Object.prototype.hasOwnProperty.call(api, name)) throw new Error(`unknown function ${name}`);
			const value = await api[name](arg || {});
			return JSON.stringify({ ok: true, value: value === undefined ? null : value });
		} catch (err) {
			return JSON.stringify({ ok: false, error: String(err && err.stack ? err.stack : err) });
		}
	},
};
