// Package sdk holds the SDK's integration tests: Go devices talking to a
// real mediasoup 3.12.16 server (testbed/server), never a fake. The server
// is started once for the package; each test joins its own room.
package sdk

import (
	"flag"
	"os"
	"testing"

	"github.com/soupkit/mediasoup-client-go/testbed"
)

var server *testbed.Server

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(testbed.RunTests(m, func(s *testbed.Server) { server = s }))
}
