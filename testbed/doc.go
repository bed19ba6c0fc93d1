// Package testbed is a kit for testing applications built on
// mediasoup-client-go against a real mediasoup server.
//
// It starts the bundled mediasoup 3.12.16 test server (Node with the
// mediasoup package, embedded in this package) as a child process, and talks
// to it with a typed client of its JSON-over-WebSocket signaling protocol:
//
//	srv := testbed.StartT(t) // fails the test (never skips) when it cannot start
//	peer, err := srv.JoinPeer(ctx, testbed.PeerOptions{Room: "demo"})
//	send, err := peer.CreateSendTransport(ctx, testbed.PeerTransportOptions{})
//	producer, err := send.Produce(ctx, msc.ProducerOptions{Track: track})
//
// The server needs Node.js (>= 18) and npm, and a mediasoup worker built
// from source. Start installs what is missing with the embedded install
// script (the repository's `make install` runs the same script): Debian
// packages when absent (root or sudo), the worker, built once and cached
// under ~/.cache/mediasoup-client-go/worker/ (shared with `make install`),
// and the server's Node packages, in a copy of the server files extracted
// under ~/.cache/mediasoup-client-go/server/<content hash>/. Nothing is
// ever written into the module's own directory, so the kit works from a
// read-only module cache.
//
// The server listens on 127.0.0.1 only. Its processes (Node and the
// mediasoup worker) run in their own process group, are stopped by
// Server.Close and, on Linux, are killed by the kernel if the parent dies.
//
// The protocol, as server.js speaks it:
//
//	request       {id, method, data}
//	response      {response: true, id, ok: true, data}
//	              {response: true, id, ok: false, error, errorName}
//	notification  {notification: true, method, data}
package testbed
