package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/soupkit/mediasoup-client-go/examples/botlib"
	"github.com/soupkit/mediasoup-client-go/testbed"
)

// TestLoadgen runs a bot and the load generator against the bundled
// server: every consumer of every peer receives media.
func TestLoadgen(t *testing.T) {
	defer goleak.VerifyNone(t)
	root, err := filepath.Abs(filepath.Join("..", ".."))
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	srv, err := testbed.Start(ctx, testbed.Options{})
	require.NoError(t, err, "the mediasoup test server must run here (make install)")
	defer func() { require.NoError(t, srv.Close()) }()

	bot, err := botlib.Start(ctx, botlib.Config{
		Server: srv.URL(), Room: "load", Loopback: true,
		Audio: filepath.Join(root, "testdata", "media", "opus-48k-stereo.ogg"),
		Video: filepath.Join(root, "testdata", "media", "vp8-320x240.ivf"),
	})
	require.NoError(t, err)
	defer func() { _ = bot.Close() }()

	var out bytes.Buffer
	runCtx, stop := context.WithTimeout(ctx, 4*time.Second)
	defer stop()
	got, err := run(runCtx, config{server: srv.URL(), room: "load", peers: 3, copies: 4, loopback: true, interval: time.Second, out: &out})
	require.NoError(t, err)
	t.Logf("\n%s", out.String())
	assert.Equal(t, 3*2*4, got.consumers, "peers × producers × copies")
	assert.Zero(t, got.silent, "every consumer received media")
	assert.Greater(t, got.packets, int64(3*2*4*20))
	assert.Zero(t, got.lost, "no loss on loopback")
	assert.Contains(t, out.String(), "3 peers, 24 consumers")
	assert.GreaterOrEqual(t, strings.Count(out.String(), "\n"), 4, "a report line per second")

	// An empty room is an error, not a silent run.
	_, err = run(ctx, config{server: srv.URL(), room: "empty", peers: 1, copies: 1, loopback: true, interval: time.Second, out: &out})
	require.ErrorContains(t, err, "no producers")
}
