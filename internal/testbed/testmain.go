package testbed

import (
	"context"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
	"go.uber.org/goleak"
)

// RunTests is the TestMain of a package of integration tests: it starts the
// server (logging it when verbose), hands it to use, runs the tests, stops
// the server and fails the run if goroutines are left. It never skips: a
// server that cannot start fails the package. It returns the exit code.
func RunTests(m *testing.M, use func(*Server)) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	s, err := Start(ctx, Options{Logf: func(f string, a ...any) {
		if testing.Verbose() {
			fmt.Printf("server: "+f+"\n", a...)
		}
	}})
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start the mediasoup test server: %v\n", err)
		return 1
	}
	fmt.Printf("mediasoup %s, worker pid %d, server on port %d\n", s.Version, s.WorkerPID, s.Port)
	use(s)
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
	return code
}

// LoopbackSettingEngine keeps pion on 127.0.0.1 (UDP over IPv4 only): tests
// and benchmarks send traffic nowhere else.
func LoopbackSettingEngine() *webrtc.SettingEngine {
	se := &webrtc.SettingEngine{}
	se.SetIncludeLoopbackCandidate(true)
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	return se
}
