'use strict';

// A real mediasoup 3.12 server for the Go SDK's integration tests.
//
// JSON over WebSocket (any path on the HTTP port):
//   request       {id, method, data}
//   response      {response: true, id, ok: true, data}
//                 {response: true, id, ok: false, error, errorName}
//   notification  {notification: true, method, data}
// Static files from ./public are served over HTTP on the same port.
//
// Flags: --port N (or env PORT; 0 picks a free port), --verbose (log every
// request), --public DIR (or env TESTBED_PUBLIC_DIR: the static files;
// default ./public). Prints "LISTENING <port>" on stdout once ready.

const fs = require('fs');
const path = require('path');
const http = require('http');

// Point mediasoup at the worker built by testbed/install.sh before loading it.
if (!process.env.MEDIASOUP_WORKER_BIN) {
	const workerPathFile = path.join(__dirname, '.worker-path');
	if (fs.existsSync(workerPathFile)) {
		const p = fs.readFileSync(workerPathFile, 'utf8').trim();
		if (p) process.env.MEDIASOUP_WORKER_BIN = p;
	}
}

const mediasoup = require('mediasoup');
const { WebSocketServer } = require('ws');

// ---------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------

function parseArgs(argv) {
	const opts = {
		port: process.env.PORT !== undefined ? Number(process.env.PORT) : 0,
		verbose: process.env.TESTBED_VERBOSE === '1',
		publicDir: process.env.TESTBED_PUBLIC_DIR || path.join(__dirname, 'public'),
	};
	for (let i = 0; i < argv.length; i++) {
		const a = argv[i];
		if (a === '--port') opts.port = Number(argv[++i]);
		else if (a.startsWith('--port=')) opts.port = Number(a.slice(7));
		else if (a === '--verbose') opts.verbose = true;
		else if (a === '--public') opts.publicDir = argv[++i];
		else if (a.startsWith('--public=')) opts.publicDir = a.slice(9);
		else {
			console.error(`unknown argument ${a}`);
			process.exit(2);
		}
	}
	if (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535) {
		console.error('invalid port');
		process.exit(2);
	}
	if (typeof opts.publicDir !== 'string' || opts.publicDir === '') {
		console.error('invalid public directory');
		process.exit(2);
	}
	opts.publicDir = path.resolve(opts.publicDir);
	return opts;
}

const MEDIA_CODECS = [
	{
		kind: 'audio',
		mimeType: 'audio/opus',
		clockRate: 48000,
		channels: 2,
	},
	{
		kind: 'video',
		mimeType: 'video/VP8',
		clockRate: 90000,
		parameters: { 'x-google-start-bitrate': 1000 },
	},
	{
		kind: 'video',
		mimeType: 'video/VP9',
		clockRate: 90000,
		parameters: { 'profile-id': 2, 'x-google-start-bitrate': 1000 },
	},
	{
		kind: 'video',
		mimeType: 'video/VP9',
		clockRate: 90000,
		parameters: { 'profile-id': 0, 'x-google-start-bitrate': 1000 },
	},
	{
		kind: 'video',
		mimeType: 'video/H264',
		clockRate: 90000,
		parameters: {
			'packetization-mode': 1,
			'profile-level-id': '4d0032',
			'level-asymmetry-allowed': 1,
			'x-google-start-bitrate': 1000,
		},
	},
	{
		kind: 'video',
		mimeType: 'video/H264',
		clockRate: 90000,
		parameters: {
			'packetization-mode': 1,
			'profile-level-id': '42e01f',
			'level-asymmetry-allowed': 1,
			'x-google-start-bitrate': 1000,
		},
	},
];

const LISTEN_IP = '127.0.0.1';

// ---------------------------------------------------------------------------
// Errors and argument checks
// ---------------------------------------------------------------------------

class RequestError extends Error {
	constructor(message) {
		super(message);
		this.name = 'RequestError';
	}
}

function isObject(v) {
	return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function reqString(data, key) {
	const v = data[key];
	if (typeof v !== 'string' || v === '') {
		throw new RequestError(`missing or invalid "${key}" (want a non-empty string)`);
	}
	return v;
}

function optString(data, key, def) {
	const v = data[key];
	if (v === undefined || v === null) return def;
	if (typeof v !== 'string') throw new RequestError(`invalid "${key}" (want a string)`);
	return v;
}

function optBool(data, key, def) {
	const v = data[key];
	if (v === undefined || v === null) return def;
	if (typeof v !== 'boolean') throw new RequestError(`invalid "${key}" (want a boolean)`);
	return v;
}

function reqObject(data, key) {
	const v = data[key];
	if (!isObject(v)) throw new RequestError(`missing or invalid "${key}" (want an object)`);
	return v;
}

function optObject(data, key, def) {
	const v = data[key];
	if (v === undefined || v === null) return def;
	if (!isObject(v)) throw new RequestError(`invalid "${key}" (want an object)`);
	return v;
}

function reqInt(data, key, min, max) {
	const v = data[key];
	if (!Number.isInteger(v) || v < min || v > max) {
		throw new RequestError(`missing or invalid "${key}" (want an integer in [${min}, ${max}])`);
	}
	return v;
}

function optInt(data, key, min, max, def) {
	if (data[key] === undefined || data[key] === null) return def;
	return reqInt(data, key, min, max);
}

// ---------------------------------------------------------------------------
// Rooms and peers
// ---------------------------------------------------------------------------

let worker;
const rooms = new Map(); // name -> Room
let nextPeerId = 1;
let verbose = false;

class Room {
	constructor(name, router) {
		this.name = name;
		this.router = router;
		this.peers = new Map(); // peerId -> Peer
		this.transports = new Map(); // id -> {transport, peer, kind}
		this.producers = new Map(); // id -> {producer, peer}
		this.consumers = new Map(); // id -> {consumer, peer}
		this.dataProducers = new Map(); // id -> {dataProducer, peer|null}
		this.dataConsumers = new Map(); // id -> {dataConsumer, peer}
		this.directTransport = null;
	}

	broadcast(except, method, data) {
		for (const peer of this.peers.values()) {
			if (peer !== except) peer.notify(method, data);
		}
	}

	get(mapName, id, what) {
		const entry = this[mapName].get(id);
		if (!entry) throw new RequestError(`${what} "${id}" not found`);
		return entry;
	}

	async getDirectTransport() {
		if (!this.directTransport) {
			this.directTransport = await this.router.createDirectTransport();
		}
		return this.directTransport;
	}

	close() {
		rooms.delete(this.name);
		this.router.close();
		console.log(`room "${this.name}" closed`);
	}
}

async function getOrCreateRoom(name) {
	let room = rooms.get(name);
	if (room) return room;
	const router = await worker.createRouter({ mediaCodecs: MEDIA_CODECS });
	// Another join may have created it while we awaited.
	room = rooms.get(name);
	if (room) {
		router.close();
		return room;
	}
	room = new Room(name, router);
	rooms.set(name, room);
	console.log(`room "${name}" created (router ${router.id})`);
	return room;
}

class Peer {
	constructor(ws) {
		this.ws = ws;
		this.id = null;
		this.room = null;
		this.transports = new Set(); // transport objects owned by this peer
	}

	notify(method, data) {
		if (this.ws.readyState !== this.ws.OPEN) return;
		this.ws.send(JSON.stringify({ notification: true, method, data }));
	}

	mustRoom() {
		if (!this.room) throw new RequestError('not joined: call "join" first');
		return this.room;
	}

	close() {
		for (const t of this.transports) t.close();
		this.transports.clear();
		const room = this.room;
		if (!room) return;
		room.peers.delete(this.id);
		this.room = null;
		console.log(`peer ${this.id} left room "${room.name}"`);
		if (room.peers.size === 0) room.close();
	}
}

// ---------------------------------------------------------------------------
// Handlers: each takes (peer, data) and returns the response data.
// ---------------------------------------------------------------------------

function statsTarget(room, type, id) {
	switch (type) {
		case 'transport': return room.get('transports', id, 'transport').transport;
		case 'producer': return room.get('producers', id, 'producer').producer;
		case 'consumer': return room.get('consumers', id, 'consumer').consumer;
		case 'dataProducer': return room.get('dataProducers', id, 'dataProducer').dataProducer;
		case 'dataConsumer': return room.get('dataConsumers', id, 'dataConsumer').dataConsumer;
		default:
			throw new RequestError(`invalid "type" ${JSON.stringify(type)} (want transport, producer, consumer, dataProducer or dataConsumer)`);
	}
}

function ownTransport(peer, room, id) {
	const entry = room.get('transports', id, 'transport');
	if (entry.peer !== peer) throw new RequestError(`transport "${id}" belongs to another peer`);
	return entry;
}

function registerTransport(peer, room, transport, kind) {
	if (peer.room !== room) {
		// The socket closed while the transport was being created.
		transport.close();
		throw new RequestError('peer left the room');
	}
	room.transports.set(transport.id, { transport, peer, kind });
	peer.transports.add(transport);
	transport.observer.once('close', () => {
		room.transports.delete(transport.id);
		peer.transports.delete(transport);
	});
}

function producerInfo(entry) {
	const p = entry.producer;
	return { producerId: p.id, kind: p.kind, peerId: entry.peer.id, appData: p.appData, paused: p.paused };
}

function dataProducerInfo(entry) {
	const d = entry.dataProducer;
	return {
		dataProducerId: d.id,
		label: d.label,
		protocol: d.protocol,
		peerId: entry.peer ? entry.peer.id : null,
		appData: d.appData,
	};
}

const handlers = {
	async join(peer, data) {
		if (peer.room) throw new RequestError(`already joined room "${peer.room.name}"`);
		const name = optString(data, 'room', 'default') || 'default';
		const wanted = optString(data, 'peerId', '');
		const room = await getOrCreateRoom(name);
		if (peer.ws.readyState !== peer.ws.OPEN) {
			if (room.peers.size === 0) room.close();
			throw new RequestError('socket closed');
		}
		let id = wanted || `peer-${nextPeerId++}`;
		if (room.peers.has(id)) throw new RequestError(`peerId "${id}" already in room "${name}"`);
		peer.id = id;
		peer.room = room;
		room.peers.set(id, peer);
		console.log(`peer ${id} joined room "${name}"`);
		return {
			peerId: id,
			room: name,
			routerRtpCapabilities: room.router.rtpCapabilities,
			producers: [...room.producers.values()].map(producerInfo),
			dataProducers: [...room.dataProducers.values()].map(dataProducerInfo),
		};
	},

	async getRouterRtpCapabilities(peer) {
		return peer.mustRoom().router.rtpCapabilities;
	},

	async createWebRtcTransport(peer, data) {
		const room = peer.mustRoom();
		const direction = reqString(data, 'direction');
		if (direction !== 'send' && direction !== 'recv') {
			throw new RequestError(`invalid "direction" ${JSON.stringify(direction)} (want "send" or "recv")`);
		}
		const sctp = optBool(data, 'sctp', false);
		const streams = optObject(data, 'numSctpStreams', { OS: 1024, MIS: 1024 });
		const numSctpStreams = {
			OS: reqInt(streams, 'OS', 1, 65535),
			MIS: reqInt(streams, 'MIS', 1, 65535),
		};
		const transport = await room.router.createWebRtcTransport({
			listenIps: [{ ip: LISTEN_IP }],
			enableUdp: true,
			enableTcp: true,
			preferUdp: true,
			enableSctp: sctp,
			numSctpStreams,
			initialAvailableOutgoingBitrate: 1000000,
			appData: { peerId: peer.id, direction },
		});
		registerTransport(peer, room, transport, 'webrtc');
		return {
			id: transport.id,
			iceParameters: transport.iceParameters,
			iceCandidates: transport.iceCandidates,
			dtlsParameters: transport.dtlsParameters,
			sctpParameters: transport.sctpParameters,
		};
	},

	async connectWebRtcTransport(peer, data) {
		const room = peer.mustRoom();
		const { transport, kind } = ownTransport(peer, room, reqString(data, 'transportId'));
		if (kind !== 'webrtc') throw new RequestError('not a WebRtcTransport');
		await transport.connect({ dtlsParameters: reqObject(data, 'dtlsParameters') });
		return {};
	},

	async restartIce(peer, data) {
		const room = peer.mustRoom();
		const { transport, kind } = ownTransport(peer, room, reqString(data, 'transportId'));
		if (kind !== 'webrtc') throw new RequestError('not a WebRtcTransport');
		const iceParameters = await transport.restartIce();
		return { iceParameters };
	},

	async closeTransport(peer, data) {
		const room = peer.mustRoom();
		ownTransport(peer, room, reqString(data, 'transportId')).transport.close();
		return {};
	},

	async createPlainTransport(peer, data) {
		const room = peer.mustRoom();
		const comedia = optBool(data, 'comedia', false);
		const rtcpMux = optBool(data, 'rtcpMux', true);
		const transport = await room.router.createPlainTransport({
			listenIp: { ip: LISTEN_IP },
			comedia,
			rtcpMux,
			enableSctp: optBool(data, 'sctp', false),
			appData: { peerId: peer.id },
		});
		registerTransport(peer, room, transport, 'plain');
		return {
			id: transport.id,
			ip: transport.tuple.localIp,
			port: transport.tuple.localPort,
			rtcpPort: transport.rtcpTuple ? transport.rtcpTuple.localPort : undefined,
		};
	},

	async connectPlainTransport(peer, data) {
		const room = peer.mustRoom();
		const { transport, kind } = ownTransport(peer, room, reqString(data, 'transportId'));
		if (kind !== 'plain') throw new RequestError('not a PlainTransport');
		const params = { ip: reqString(data, 'ip'), port: reqInt(data, 'port', 1, 65535) };
		const rtcpPort = optInt(data, 'rtcpPort', 1, 65535, undefined);
		if (rtcpPort !== undefined) params.rtcpPort = rtcpPort;
		await transport.connect(params);
		return {};
	},

	async produce(peer, data) {
		const room = peer.mustRoom();
		const { transport } = ownTransport(peer, room, reqString(data, 'transportId'));
		const kind = reqString(data, 'kind');
		if (kind !== 'audio' && kind !== 'video') {
			throw new RequestError(`invalid "kind" ${JSON.stringify(kind)} (want "audio" or "video")`);
		}
		const producer = await transport.produce({
			kind,
			rtpParameters: reqObject(data, 'rtpParameters'),
			paused: optBool(data, 'paused', false),
			appData: optObject(data, 'appData', {}),
		});
		const entry = { producer, peer };
		room.producers.set(producer.id, entry);
		producer.observer.once('close', () => room.producers.delete(producer.id));
		room.broadcast(peer, 'newProducer', producerInfo(entry));
		return { id: producer.id };
	},

	async closeProducer(peer, data) {
		const room = peer.mustRoom();
		room.get('producers', reqString(data, 'producerId'), 'producer').producer.close();
		return {};
	},

	async pauseProducer(peer, data) {
		const room = peer.mustRoom();
		await room.get('producers', reqString(data, 'producerId'), 'producer').producer.pause();
		return {};
	},

	async resumeProducer(peer, data) {
		const room = peer.mustRoom();
		await room.get('producers', reqString(data, 'producerId'), 'producer').producer.resume();
		return {};
	},

	async consume(peer, data) {
		const room = peer.mustRoom();
		const { transport } = ownTransport(peer, room, reqString(data, 'transportId'));
		const producerId = reqString(data, 'producerId');
		room.get('producers', producerId, 'producer');
		const rtpCapabilities = reqObject(data, 'rtpCapabilities');
		if (!room.router.canConsume({ producerId, rtpCapabilities })) {
			throw new RequestError(`cannot consume producer "${producerId}" with the given rtpCapabilities (no matching codec)`);
		}
		const opts = {
			producerId,
			rtpCapabilities,
			paused: optBool(data, 'paused', true),
			appData: optObject(data, 'appData', {}),
		};
		const pl = optObject(data, 'preferredLayers', undefined);
		if (pl) opts.preferredLayers = pl;
		const consumer = await transport.consume(opts);
		const consumerId = consumer.id;
		room.consumers.set(consumerId, { consumer, peer });
		consumer.observer.once('close', () => room.consumers.delete(consumerId));
		consumer.on('transportclose', () => {
			peer.notify('consumerClosed', { consumerId, producerId, reason: 'transportclose' });
		});
		consumer.on('producerclose', () => {
			peer.notify('consumerClosed', { consumerId, producerId, reason: 'producerclose' });
		});
		consumer.on('producerpause', () => peer.notify('consumerPaused', { consumerId, producerId }));
		consumer.on('producerresume', () => peer.notify('consumerResumed', { consumerId, producerId }));
		consumer.on('layerschange', (layers) => {
			peer.notify('consumerLayersChanged', {
				consumerId,
				spatialLayer: layers ? layers.spatialLayer : null,
				temporalLayer: layers ? layers.temporalLayer : null,
			});
		});
		return {
			id: consumerId,
			producerId,
			kind: consumer.kind,
			rtpParameters: consumer.rtpParameters,
			type: consumer.type,
			producerPaused: consumer.producerPaused,
			paused: consumer.paused,
		};
	},

	async resumeConsumer(peer, data) {
		const room = peer.mustRoom();
		await room.get('consumers', reqString(data, 'consumerId'), 'consumer').consumer.resume();
		return {};
	},

	async pauseConsumer(peer, data) {
		const room = peer.mustRoom();
		await room.get('consumers', reqString(data, 'consumerId'), 'consumer').consumer.pause();
		return {};
	},

	async closeConsumer(peer, data) {
		const room = peer.mustRoom();
		room.get('consumers', reqString(data, 'consumerId'), 'consumer').consumer.close();
		return {};
	},

	async setConsumerPreferredLayers(peer, data) {
		const room = peer.mustRoom();
		const { consumer } = room.get('consumers', reqString(data, 'consumerId'), 'consumer');
		const layers = { spatialLayer: reqInt(data, 'spatialLayer', 0, 255) };
		const t = optInt(data, 'temporalLayer', 0, 255, undefined);
		if (t !== undefined) layers.temporalLayer = t;
		await consumer.setPreferredLayers(layers);
		return { preferredLayers: consumer.preferredLayers, currentLayers: consumer.currentLayers };
	},

	async setConsumerPriority(peer, data) {
		const room = peer.mustRoom();
		const { consumer } = room.get('consumers', reqString(data, 'consumerId'), 'consumer');
		await consumer.setPriority(reqInt(data, 'priority', 1, 255));
		return {};
	},

	async requestConsumerKeyFrame(peer, data) {
		const room = peer.mustRoom();
		await room.get('consumers', reqString(data, 'consumerId'), 'consumer').consumer.requestKeyFrame();
		return {};
	},

	async produceData(peer, data) {
		const room = peer.mustRoom();
		const { transport } = ownTransport(peer, room, reqString(data, 'transportId'));
		const opts = {
			label: optString(data, 'label', ''),
			protocol: optString(data, 'protocol', ''),
			appData: optObject(data, 'appData', {}),
		};
		const ssp = optObject(data, 'sctpStreamParameters', undefined);
		if (ssp) opts.sctpStreamParameters = ssp;
		const dataProducer = await transport.produceData(opts);
		const entry = { dataProducer, peer };
		room.dataProducers.set(dataProducer.id, entry);
		dataProducer.observer.once('close', () => room.dataProducers.delete(dataProducer.id));
		room.broadcast(peer, 'newDataProducer', dataProducerInfo(entry));
		return { id: dataProducer.id };
	},

	async consumeData(peer, data) {
		const room = peer.mustRoom();
		const { transport } = ownTransport(peer, room, reqString(data, 'transportId'));
		const dataProducerId = reqString(data, 'dataProducerId');
		room.get('dataProducers', dataProducerId, 'dataProducer');
		const opts = { dataProducerId, appData: optObject(data, 'appData', {}) };
		if (data.ordered !== undefined) opts.ordered = optBool(data, 'ordered', true);
		const dataConsumer = await transport.consumeData(opts);
		const dataConsumerId = dataConsumer.id;
		room.dataConsumers.set(dataConsumerId, { dataConsumer, peer });
		dataConsumer.observer.once('close', () => room.dataConsumers.delete(dataConsumerId));
		dataConsumer.on('transportclose', () => {
			peer.notify('dataConsumerClosed', { dataConsumerId, dataProducerId, reason: 'transportclose' });
		});
		dataConsumer.on('dataproducerclose', () => {
			peer.notify('dataConsumerClosed', { dataConsumerId, dataProducerId, reason: 'dataproducerclose' });
		});
		return {
			id: dataConsumerId,
			dataProducerId,
			sctpStreamParameters: dataConsumer.sctpStreamParameters,
			label: dataConsumer.label,
			protocol: dataConsumer.protocol,
		};
	},

	async closeDataProducer(peer, data) {
		const room = peer.mustRoom();
		room.get('dataProducers', reqString(data, 'dataProducerId'), 'dataProducer').dataProducer.close();
		return {};
	},

	async closeDataConsumer(peer, data) {
		const room = peer.mustRoom();
		room.get('dataConsumers', reqString(data, 'dataConsumerId'), 'dataConsumer').dataConsumer.close();
		return {};
	},

	async createDirectDataProducer(peer, data) {
		const room = peer.mustRoom();
		const transport = await room.getDirectTransport();
		const dataProducer = await transport.produceData({
			label: optString(data, 'label', ''),
			protocol: optString(data, 'protocol', ''),
			appData: { createdBy: peer.id },
		});
		const entry = { dataProducer, peer: null };
		room.dataProducers.set(dataProducer.id, entry);
		dataProducer.observer.once('close', () => room.dataProducers.delete(dataProducer.id));
		room.broadcast(peer, 'newDataProducer', dataProducerInfo(entry));
		return { id: dataProducer.id };
	},

	async sendDirectData(peer, data) {
		const room = peer.mustRoom();
		const { dataProducer } = room.get('dataProducers', reqString(data, 'dataProducerId'), 'dataProducer');
		if (dataProducer.type !== 'direct') throw new RequestError('not a direct DataProducer');
		const binary = optBool(data, 'binary', false);
		const message = data.message;
		if (typeof message !== 'string') throw new RequestError('missing or invalid "message" (want a string)');
		dataProducer.send(binary ? Buffer.from(message, 'base64') : message);
		return {};
	},

	async getStats(peer, data) {
		const room = peer.mustRoom();
		return statsTarget(room, reqString(data, 'type'), reqString(data, 'id')).getStats();
	},

	async dump(peer, data) {
		const room = peer.mustRoom();
		const type = reqString(data, 'type');
		if (type === 'router') return room.router.dump();
		return statsTarget(room, type, reqString(data, 'id')).dump();
	},
};

// ---------------------------------------------------------------------------
// WebSocket plumbing
// ---------------------------------------------------------------------------

async function handleMessage(peer, raw) {
	let msg;
	try {
		msg = JSON.parse(raw);
	} catch (err) {
		return { response: true, id: null, ok: false, error: `malformed JSON: ${err.message}`, errorName: 'SyntaxError' };
	}
	if (!isObject(msg)) {
		return { response: true, id: null, ok: false, error: 'request must be a JSON object', errorName: 'RequestError' };
	}
	const id = msg.id === undefined ? null : msg.id;
	try {
		if (typeof msg.method !== 'string') throw new RequestError('missing or invalid "method"');
		if (!Object.prototype.hasOwnProperty.call(handlers, msg.method)) {
			throw new RequestError(`unknown method "${msg.method}"`);
		}
		const data = msg.data === undefined || msg.data === null ? {} : msg.data;
		if (!isObject(data)) throw new RequestError('"data" must be an object');
		if (verbose) console.log(`peer ${peer.id || '-'} -> ${msg.method}`);
		const result = await handlers[msg.method](peer, data);
		return { response: true, id, ok: true, data: result === undefined ? {} : result };
	} catch (err) {
		const name = (err && err.name) || 'Error';
		const message = (err && err.message) || String(err);
		console.log(`request ${msg.method} from peer ${peer.id || '-'} failed: ${name}: ${message}`);
		return { response: true, id, ok: false, error: message, errorName: name };
	}
}

function onConnection(ws) {
	const peer = new Peer(ws);
	ws.on('message', (raw) => {
		handleMessage(peer, raw.toString())
			.then((res) => {
				if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(res));
			})
			.catch((err) => console.error('internal error:', err));
	});
	ws.on('close', () => peer.close());
	ws.on('error', (err) => console.log(`socket error: ${err.message}`));
}

// ---------------------------------------------------------------------------
// Static files
// ---------------------------------------------------------------------------

let PUBLIC_DIR = path.join(__dirname, 'public'); // set by main
const CONTENT_TYPES = {
	'.html': 'text/html; charset=utf-8',
	'.js': 'text/javascript; charset=utf-8',
	'.mjs': 'text/javascript; charset=utf-8',
	'.css': 'text/css; charset=utf-8',
	'.json': 'application/json',
	'.map': 'application/json',
	'.png': 'image/png',
	'.svg': 'image/svg+xml',
	'.ico': 'image/x-icon',
	'.txt': 'text/plain; charset=utf-8',
};

function serveStatic(req, res) {
	if (req.method !== 'GET' && req.method !== 'HEAD') {
		res.writeHead(405, { Allow: 'GET, HEAD' });
		res.end();
		return;
	}
	let pathname;
	try {
		pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
	} catch (err) {
		res.writeHead(400);
		res.end('bad request\n');
		return;
	}
	if (pathname.endsWith('/')) pathname += 'index.html';
	const file = path.join(PUBLIC_DIR, path.normalize(pathname));
	if (file !== PUBLIC_DIR && !file.startsWith(PUBLIC_DIR + path.sep)) {
		res.writeHead(403);
		res.end('forbidden\n');
		return;
	}
	fs.stat(file, (err, st) => {
		if (err || !st.isFile()) {
			res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
			res.end('not found\n');
			return;
		}
		res.writeHead(200, {
			'Content-Type': CONTENT_TYPES[path.extname(file)] || 'application/octet-stream',
			'Content-Length': st.size,
			'Cache-Control': 'no-store',
		});
		if (req.method === 'HEAD') {
			res.end();
			return;
		}
		fs.createReadStream(file).pipe(res);
	});
}

// ---------------------------------------------------------------------------
// Main
// ---------------------------------------------------------------------------

async function main() {
	const opts = parseArgs(process.argv.slice(2));
	verbose = opts.verbose;
	PUBLIC_DIR = opts.publicDir;

	worker = await mediasoup.createWorker({ logLevel: 'warn' });
	console.log(`mediasoup version ${mediasoup.version} worker pid ${worker.pid}`);
	worker.on('died', (err) => {
		console.error(`mediasoup worker died: ${err && err.message}`);
		process.exit(1);
	});

	const server = http.createServer(serveStatic);
	const wss = new WebSocketServer({ server, maxPayload: 16 * 1024 * 1024 });
	wss.on('connection', onConnection);

	let stopping = false;
	const shutdown = (sig) => {
		if (stopping) return;
		stopping = true;
		console.log(`${sig}: shutting down`);
		for (const ws of wss.clients) ws.terminate();
		wss.close();
		server.close();
		worker.close();
		setImmediate(() => process.exit(0));
	};
	process.on('SIGTERM', () => shutdown('SIGTERM'));
	process.on('SIGINT', () => shutdown('SIGINT'));

	server.listen(opts.port, '127.0.0.1', () => {
		console.log(`LISTENING ${server.address().port}`);
	});
}

process.on('unhandledRejection', (err) => console.error('unhandled rejection:', err));

main().catch((err) => {
	console.error(`server failed to start: ${err && err.stack ? err.stack : err}`);
	if (!process.env.MEDIASOUP_WORKER_BIN) {
		console.error('hint: run testbed/install.sh (make install) to build the mediasoup worker');
	}
	process.exit(1);
});
