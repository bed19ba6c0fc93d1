// Interop test page: the real mediasoup-client in a browser, talking to the
// test server (testbed/server/server.js) with the same JSON-over-WebSocket
// signaling as the Go SDK's tests.
//
// The page exposes window.interop, a set of async functions a test driver
// calls through the DevTools protocol (Runtime.evaluate with awaitPromise).
// Every function takes one JSON-able argument and resolves to a JSON-able
// value; the driver reads results with window.interop.call(name, arg), which
// resolves to a JSON string so nothing is lost on the way.

import { Device } from 'mediasoup-client';

// ---------------------------------------------------------------------------
// Signaling
// ---------------------------------------------------------------------------

class Signaling {
	constructor(url) {
		this.url = url;
		this.ws = null;
		this.nextId = 1;
		this.pending = new Map();
		this.onNotification = () => {};
	}

	open() {
		return new Promise((resolve, reject) => {
			const ws = new WebSocket(this.url);
			this.ws = ws;
			ws.onopen = () => resolve();
			ws.onerror = () => reject(new Error(`WebSocket ${this.url} failed`));
			ws.onclose = () => {
				for (const { reject: rej, method } of this.pending.values()) {
					rej(new Error(`signaling closed during ${method}`));
				}
				this.pending.clear();
			};
			ws.onmessage = (ev) => {
				let msg;
				try {
					msg = JSON.parse(ev.data);
				} catch (err) {
					console.error('malformed signaling message', ev.data);
					return;
				}
				if (msg.response) {
					const p = this.pending.get(msg.id);
					if (!p) return;
					this.pending.delete(msg.id);
					if (msg.ok) p.resolve(msg.data);
					else p.reject(new Error(`${p.method}: ${msg.errorName}: ${msg.error}`));
				} else if (msg.notification) {
					try {
						this.onNotification(msg.method, msg.data);
					} catch (err) {
						console.error(`notification ${msg.method} handler failed`, err);
					}
				}
			};
		});
	}

	request(method, data = {}) {
		if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
			return Promise.reject(new Error(`${method}: signaling not open`));
		}
		const id = this.nextId++;
		return new Promise((resolve, reject) => {
			this.pending.set(id, { resolve, reject, method });
			this.ws.send(JSON.stringify({ id, method, data }));
		});
	}

	close() {
		if (this.ws) this.ws.close();
	}
}

// ---------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------

const state = {
	sig: null,
	peerId: null,
	device: null,
	sendTransport: null,
	recvTransport: null,
	producers: new Map(), // id -> {producer, track}
	consumers: new Map(), // id -> {consumer, element}
	dataProducers: new Map(), // id -> dataProducer
	dataConsumers: new Map(), // id -> {dataConsumer, messages}
	events: [], // everything the other side or the server caused, in order
	stream: null,
};

function record(type, data) {
	const ev = { type, time: Date.now(), ...data };
	state.events.push(ev);
	console.log(`event ${type} ${JSON.stringify(data)}`);
}

function mustJoined() {
	if (!state.device) throw new Error('not joined: call join first');
}

function getEntry(map, id, what) {
	const e = map.get(id);
	if (!e) throw new Error(`${what} "${id}" not found on the page`);
	return e;
}

function toBase64(buf) {
	const bytes = new Uint8Array(buf);
	let s = '';
	for (const b of bytes) s += String.fromCharCode(b);
	return btoa(s);
}

function fromBase64(b64) {
	const s = atob(b64);
	const out = new Uint8Array(s.length);
	for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
	return out;
}

// ---------------------------------------------------------------------------
// Notifications from the server
// ---------------------------------------------------------------------------

function onNotification(method, data) {
	switch (method) {
		case 'consumerClosed': {
			record('consumerClosed', data);
			const e = state.consumers.get(data.consumerId);
			if (e && !e.consumer.closed) {
				e.consumer.close();
				if (e.element) e.element.remove();
			}
			break;
		}
		case 'consumerPaused': {
			record('consumerPaused', data);
			const e = state.consumers.get(data.consumerId);
			if (e && !e.consumer.closed) e.consumer.pause();
			break;
		}
		case 'consumerResumed': {
			record('consumerResumed', data);
			const e = state.consumers.get(data.consumerId);
			if (e && !e.consumer.closed) e.consumer.resume();
			break;
		}
		case 'dataConsumerClosed': {
			record('dataConsumerClosed', data);
			const e = state.dataConsumers.get(data.dataConsumerId);
			if (e && !e.dataConsumer.closed) e.dataConsumer.close();
			break;
		}
		default:
			record(method, data);
	}
}

// ---------------------------------------------------------------------------
// Transports
// ---------------------------------------------------------------------------

async function createTransport(direction) {
	const info = await state.sig.request('createWebRtcTransport', {
		direction,
		sctp: true,
		numSctpStreams: { OS: 1024, MIS: 1024 },
	});
	const opts = {
		id: info.id,
		iceParameters: info.iceParameters,
		iceCandidates: info.iceCandidates,
		dtlsParameters: info.dtlsParameters,
		sctpParameters: info.sctpParameters,
	};
	const transport = direction === 'send'
		? state.device.createSendTransport(opts)
		: state.device.createRecvTransport(opts);
	transport.on('connect', ({ dtlsParameters }, callback, errback) => {
		state.sig.request('connectWebRtcTransport', { transportId: transport.id, dtlsParameters })
			.then(() => callback(), errback);
	});
	transport.on('connectionstatechange', (s) => {
		record('transportConnectionState', { direction, state: s });
	});
	if (direction === 'send') {
		transport.on('produce', ({ kind, rtpParameters, appData }, callback, errback) => {
			state.sig.request('produce', { transportId: transport.id, kind, rtpParameters, appData })
				.then(({ id }) => callback({ id }), errback);
		});
		transport.on('producedata', ({ sctpStreamParameters, label, protocol, appData }, callback, errback) => {
			state.sig.request('produceData', {
				transportId: transport.id, sctpStreamParameters, label, protocol, appData,
			}).then(({ id }) => callback({ id }), errback);
		});
	}
	return transport;
}

// ---------------------------------------------------------------------------
// The API the driver calls
// ---------------------------------------------------------------------------

const api = {
	// join({room}): opens the signaling, joins the room, loads the device and
	// creates one send and one recv transport (both with SCTP).
	async join({ room }) {
		if (state.device) throw new Error('already joined');
		const sig = new Signaling(`ws://${location.host}/`);
		await sig.open();
		sig.onNotification = onNotification;
		state.sig = sig;
		const joined = await sig.request('join', { room });
		state.peerId = joined.peerId;
		let device;
		try {
			device = new Device();
		} catch (err) {
			console.warn(`device detection failed (${err}), forcing Chrome111`);
			device = new Device({ handlerName: 'Chrome111' });
		}
		await device.load({ routerRtpCapabilities: joined.routerRtpCapabilities });
		state.device = device;
		state.sendTransport = await createTransport('send');
		state.recvTransport = await createTransport('recv');
		return {
			peerId: joined.peerId,
			handlerName: device.handlerName,
			userAgent: navigator.userAgent,
			recvRtpCapabilities: device.recvRtpCapabilities,
			sendRtpCapabilities: device.sendRtpCapabilities,
			canProduceAudio: device.canProduce('audio'),
			canProduceVideo: device.canProduce('video'),
		};
	},

	// produce({audio, video, simulcast, codec, width, height}): captures the
	// fake devices and produces them. codec is a mimeType ("video/VP8") for
	// the video producer; simulcast gives three layers (1/4, 1/2, full).
	async produce({ audio = false, video = false, simulcast = false, codec, width = 640, height = 480 }) {
		mustJoined();
		const stream = await navigator.mediaDevices.getUserMedia({
			audio: !!audio,
			video: video ? { width: { exact: width }, height: { exact: height }, frameRate: 30 } : false,
		});
		state.stream = stream;
		const out = [];
		for (const track of stream.getTracks()) {
			const opts = { track, stopTracks: true };
			if (track.kind === 'video') {
				if (simulcast) {
					opts.encodings = [
						{ rid: 'r0', scaleResolutionDownBy: 4, maxBitrate: 150000 },
						{ rid: 'r1', scaleResolutionDownBy: 2, maxBitrate: 500000 },
						{ rid: 'r2', scaleResolutionDownBy: 1, maxBitrate: 1500000 },
					];
				}
				if (codec) {
					const c = state.device.sendRtpCapabilities.codecs.find(
						(cc) => cc.mimeType.toLowerCase() === codec.toLowerCase());
					if (!c) throw new Error(`device cannot send ${codec}`);
					opts.codec = c;
				}
			}
			const producer = await state.sendTransport.produce(opts);
			state.producers.set(producer.id, { producer, track });
			producer.on('transportclose', () => record('producerTransportClose', { producerId: producer.id }));
			producer.on('trackended', () => record('producerTrackEnded', { producerId: producer.id }));
			out.push({ id: producer.id, kind: producer.kind, rtpParameters: producer.rtpParameters });
		}
		return out;
	},

	// consume({producerId}): server consume (paused), local consume, render
	// into a media element, then resume on the server.
	async consume({ producerId }) {
		mustJoined();
		const res = await state.sig.request('consume', {
			transportId: state.recvTransport.id,
			producerId,
			rtpCapabilities: state.device.recvRtpCapabilities,
			paused: true,
		});
		const consumer = await state.recvTransport.consume({
			id: res.id,
			producerId: res.producerId,
			kind: res.kind,
			rtpParameters: res.rtpParameters,
		});
		const element = document.createElement(consumer.kind === 'audio' ? 'audio' : 'video');
		element.autoplay = true;
		element.playsInline = true;
		element.muted = consumer.kind === 'video';
		element.srcObject = new MediaStream([consumer.track]);
		document.body.appendChild(element);
		element.play().catch((err) => console.warn(`play() of ${consumer.kind} failed: ${err}`));
		state.consumers.set(consumer.id, { consumer, element });
		consumer.on('transportclose', () => record('consumerTransportClose', { consumerId: consumer.id }));
		consumer.on('trackended', () => record('consumerTrackEnded', { consumerId: consumer.id }));
		consumer.observer.on('close', () => record('consumerClose', { consumerId: consumer.id }));
		consumer.observer.on('pause', () => record('consumerPause', { consumerId: consumer.id }));
		consumer.observer.on('resume', () => record('consumerResume', { consumerId: consumer.id }));
		await state.sig.request('resumeConsumer', { consumerId: consumer.id });
		return {
			id: consumer.id,
			kind: consumer.kind,
			type: res.type,
			rtpParameters: consumer.rtpParameters,
		};
	},

	// produceData({label, protocol, ordered}).
	async produceData({ label, protocol = '', ordered = true }) {
		mustJoined();
		const dp = await state.sendTransport.produceData({ label, protocol, ordered });
		state.dataProducers.set(dp.id, dp);
		if (dp.readyState !== 'open') {
			await new Promise((resolve, reject) => {
				const t = setTimeout(() => reject(new Error(`data producer ${label} did not open`)), 15000);
				dp.on('open', () => { clearTimeout(t); resolve(); });
				dp.on('error', (err) => { clearTimeout(t); reject(err); });
			});
		}
		return { id: dp.id, label: dp.label, sctpStreamParameters: dp.sctpStreamParameters, readyState: dp.readyState };
	},

	// sendData({id, text} | {id, binary: base64}).
	async sendData({ id, text, binary }) {
		const dp = getEntry(state.dataProducers, id, 'data producer');
		if (binary !== undefined) dp.send(fromBase64(binary));
		else dp.send(text);
		return {};
	},

	// consumeData({dataProducerId}): messages are kept and read with
	// dataMessages({id}).
	async consumeData({ dataProducerId }) {
		mustJoined();
		const res = await state.sig.request('consumeData', {
			transportId: state.recvTransport.id,
			dataProducerId,
		});
		const dc = await state.recvTransport.consumeData({
			id: res.id,
			dataProducerId: res.dataProducerId,
			sctpStreamParameters: res.sctpStreamParameters,
			label: res.label,
			protocol: res.protocol,
		});
		dc.binaryType = 'arraybuffer';
		const entry = { dataConsumer: dc, messages: [] };
		state.dataConsumers.set(dc.id, entry);
		dc.on('message', (data) => {
			if (typeof data === 'string') entry.messages.push({ text: data });
			else entry.messages.push({ binary: toBase64(data) });
		});
		dc.observer.on('close', () => record('dataConsumerClose', { dataConsumerId: dc.id }));
		if (dc.readyState !== 'open') {
			await new Promise((resolve, reject) => {
				const t = setTimeout(() => reject(new Error(`data consumer ${res.label} did not open`)), 15000);
				dc.on('open', () => { clearTimeout(t); resolve(); });
				dc.on('error', (err) => { clearTimeout(t); reject(err); });
			});
		}
		return { id: dc.id, label: dc.label, sctpStreamParameters: dc.sctpStreamParameters, readyState: dc.readyState };
	},

	async dataMessages({ id }) {
		return getEntry(state.dataConsumers, id, 'data consumer').messages;
	},

	// stats(): summaries of every live producer's and consumer's getStats.
	async stats() {
		mustJoined();
		const out = { producers: {}, consumers: {} };
		for (const [id, { producer }] of state.producers) {
			if (producer.closed) continue;
			out.producers[id] = summarize(await producer.getStats(), 'outbound-rtp');
		}
		for (const [id, { consumer }] of state.consumers) {
			if (consumer.closed) continue;
			out.consumers[id] = summarize(await consumer.getStats(), 'inbound-rtp');
		}
		return out;
	},

	async pauseProducer({ id }) {
		const { producer } = getEntry(state.producers, id, 'producer');
		producer.pause();
		await state.sig.request('pauseProducer', { producerId: id });
		return {};
	},

	async resumeProducer({ id }) {
		const { producer } = getEntry(state.producers, id, 'producer');
		producer.resume();
		await state.sig.request('resumeProducer', { producerId: id });
		return {};
	},

	async closeProducer({ id }) {
		const { producer } = getEntry(state.producers, id, 'producer');
		producer.close();
		await state.sig.request('closeProducer', { producerId: id });
		return {};
	},

	async pauseConsumer({ id }) {
		const { consumer } = getEntry(state.consumers, id, 'consumer');
		consumer.pause();
		await state.sig.request('pauseConsumer', { consumerId: id });
		return {};
	},

	async resumeConsumer({ id }) {
		const { consumer } = getEntry(state.consumers, id, 'consumer');
		consumer.resume();
		await state.sig.request('resumeConsumer', { consumerId: id });
		return {};
	},

	async closeConsumer({ id }) {
		const e = getEntry(state.consumers, id, 'consumer');
		e.consumer.close();
		if (e.element) e.element.remove();
		await state.sig.request('closeConsumer', { consumerId: id });
		return {};
	},

	// consumerState({id}): the local consumer's closed/paused flags.
	async consumerState({ id }) {
		const { consumer } = getEntry(state.consumers, id, 'consumer');
		return { closed: consumer.closed, paused: consumer.paused, trackState: consumer.track.readyState };
	},

	async events() {
		return state.events;
	},

	async leave() {
		for (const { producer } of state.producers.values()) producer.close();
		for (const { consumer } of state.consumers.values()) consumer.close();
		if (state.sendTransport) state.sendTransport.close();
		if (state.recvTransport) state.recvTransport.close();
		if (state.stream) state.stream.getTracks().forEach((t) => t.stop());
		if (state.sig) state.sig.close();
		return {};
	},
};

// summarize keeps the interesting fields of the RTP stats of one type, with
// the codec of each stream resolved.
function summarize(report, type) {
	const codecs = new Map();
	report.forEach((s) => {
		if (s.type === 'codec') codecs.set(s.id, s);
	});
	const rtp = [];
	report.forEach((s) => {
		if (s.type !== type) return;
		const c = codecs.get(s.codecId);
		const e = {
			kind: s.kind,
			ssrc: s.ssrc,
			mimeType: c ? c.mimeType : undefined,
			payloadType: c ? c.payloadType : undefined,
			sdpFmtpLine: c ? c.sdpFmtpLine : undefined,
		};
		const fields = type === 'inbound-rtp'
			? ['packetsReceived', 'packetsLost', 'bytesReceived', 'framesDecoded', 'framesReceived',
				'keyFramesDecoded', 'frameWidth', 'frameHeight', 'totalAudioEnergy', 'audioLevel',
				'totalSamplesReceived', 'nackCount', 'pliCount', 'firCount', 'jitter', 'decoderImplementation']
			: ['rid', 'packetsSent', 'bytesSent', 'framesEncoded', 'keyFramesEncoded', 'frameWidth',
				'frameHeight', 'scalabilityMode', 'qualityLimitationReason', 'nackCount', 'pliCount',
				'firCount', 'active', 'encoderImplementation', 'targetBitrate'];
		for (const f of fields) {
			if (s[f] !== undefined) e[f] = s[f];
		}
		rtp.push(e);
	});
	return rtp;
}

window.interop = {
	ready: true,
	// call(name, arg) resolves to the JSON of {ok, value} or {ok: false, error}.
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
console.log('interop page ready');
