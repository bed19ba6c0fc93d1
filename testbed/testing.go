package testbed

import (
	"context"
	"fmt"
	"os"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// closeTimeout bounds the cleanup requests made after a failure.
const closeTimeout = 5 * time.Second

// installTimeout bounds Start in StartT and RunTests: long enough to build
// the worker the first time.
const installTimeout = 15 * time.Minute

// StartT starts a server for a test, failing the test (never skipping)
// when it cannot start, and closes it when the test ends. Server log lines
// go to t.Logf.
func StartT(t testing.TB) *Server {
	t.Helper()
	return StartTWith(t, Options{})
}

// StartTWith is StartT with options; opts.TB is set to t.
func StartTWith(t testing.TB, opts Options) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	defer cancel()
	opts.TB = t
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("start the mediasoup test server: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("stop the mediasoup test server: %v", err)
		}
	})
	return s
}

// RunTests is the TestMain of a package of integration tests:
//
//	var server *testbed.Server
//
//	func TestMain(m *testing.M) {
//		os.Exit(testbed.RunTests(m, func(s *testbed.Server) { server = s }))
//	}
//
// It starts one server (logging it when verbose), hands it to use, runs the
// tests, closes the server and fails the run if goroutines are left. It
// never skips: a server that cannot start fails the package. It returns
// the exit code.
func RunTests(m *testing.M, use func(*Server)) int {
	return RunTestsWith(m, Options{}, use)
}

// RunTestsWith is RunTests with server options.
func RunTestsWith(m *testing.M, opts Options, use func(*Server)) int {
	ignore := goleak.IgnoreCurrent()
	ctx, cancel := context.WithTimeout(context.Background(), installTimeout)
	logf := opts.Logf
	opts.Logf = func(f string, a ...any) {
		if logf != nil {
			logf(f, a...)
		}
		if testing.Verbose() {
			fmt.Printf("server: "+f+"\n", a...)
		}
	}
	s, err := Start(ctx, opts)
	cancel()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: cannot start the mediasoup test server: %v\n", err)
		return 1
	}
	fmt.Printf("mediasoup %s, worker pid %d, server on port %d\n", s.Version, s.WorkerPID, s.Port)
	use(s)
	code := m.Run()
	if err := s.Close(); err != nil {
		fmt.Fprintf(os.Stderr, "stop server: %v\n", err)
	}
	if code == 0 {
		if err := goleak.Find(ignore); err != nil {
			fmt.Fprintf(os.Stderr, "FAIL: goroutines left after all tests: %v\n", err)
			code = 1
		}
	}
	return code
}
