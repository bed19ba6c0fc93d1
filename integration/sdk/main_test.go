// Package sdk holds the SDK's integration tests: Go devices talking to a
// real mediasoup 3.12.16 server (testbed/server), never a fake. The server
// is started once for the package; each test joins its own room.
package sdk

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/soupkit/mediasoup-client-go/internal/testbed"
)

var server *testbed.Server

func TestMain(m *testing.M) {
	flag.Parse()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	s, err := testbed.Start(ctx, testbed.Options{Logf: func(f string, a ...any) {
		if testing.Verbose() {
			fmt.Printf("server: "+f+"\n", a...)
		}
	}})
	cancel()
	if err != nil {
		// Never skip: a missing server is a failure.
		fmt.Fprintf(os.Stderr, "FAIL: cannot start the mediasoup test server: %v\n", err)
		os.Exit(1)
	}
	fmt.Printf("mediasoup %s, worker pid %d, server on port %d\n", s.Version, s.WorkerPID, s.Port)
	server = s
	code := m.Run()
	if err := s.Stop(); err != nil {
		fmt.Fprintf(os.Stderr, "stop server: %v\n", err)
	}
	if code == 0 {
		if err := goleak.Find(goleak.IgnoreCurrent()); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: goroutines left after all tests: %v\n", err)
			code = 1
		}
	}
	os.Exit(code)
}
