// Package testbed runs the real mediasoup test server (testbed/server, Node
// with mediasoup 3.12.16) as a child process and talks to it over its JSON
// WebSocket signaling protocol. It is for tests only.
//
// The server needs the mediasoup worker built by testbed/install.sh
// (`make install`); Start fails with a message saying so when it is missing.
package testbed

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const installHint = "run `make install` (or `bash testbed/install.sh`) from the repository root"

// Options configure Start. The zero value is ready to use.
type Options struct {
	// TB, when set, receives every line the server logs through TB.Logf, so
	// the mediasoup version and worker PID show in `go test -v` output.
	TB testing.TB
	// Logf, when set, receives every line the server logs (besides TB).
	Logf func(format string, args ...any)
	// Port to listen on; 0 picks a free port.
	Port int
	// Verbose makes the server log every request.
	Verbose bool
	// RepoRoot is the repository root; found by walking up from the working
	// directory to go.mod when empty.
	RepoRoot string
	// NodePath is the node binary; looked up in PATH when empty.
	NodePath string
	// WorkerBin is the mediasoup worker binary; when empty it is taken from
	// $MEDIASOUP_WORKER_BIN, then from testbed/server/.worker-path (written
	// by testbed/install.sh).
	WorkerBin string
	// StartTimeout bounds the wait for the server to listen (default 60 s).
	StartTimeout time.Duration
	// StopTimeout bounds the wait for a clean exit after SIGTERM before the
	// process group is killed (default 10 s).
	StopTimeout time.Duration
	// Env adds environment variables (KEY=VALUE) for the server.
	Env []string
}

// Server is a running test server.
type Server struct {
	// Port is the TCP port of the HTTP and WebSocket listener on 127.0.0.1.
	Port int
	// Version is the mediasoup version the server reported.
	Version string
	// WorkerPID is the PID of the mediasoup worker process.
	WorkerPID int
	// PID is the PID of the Node server process.
	PID int

	cmd      *exec.Cmd
	opts     Options
	readers  sync.WaitGroup
	exited   chan struct{}
	waitErr  error
	stopOnce sync.Once
	stopErr  error

	mu       sync.Mutex
	logLines []string
	logOn    bool
}

var versionLine = regexp.MustCompile(`mediasoup version (\S+) worker pid (\d+)`)

// FindRepoRoot walks up from the working directory to the directory holding
// go.mod.
func FindRepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("testbed: go.mod not found above the working directory")
		}
		dir = parent
	}
}

// resolve fills in the paths Start needs, failing with a message that names
// what is missing.
func resolve(opts *Options) (serverDir string, err error) {
	if opts.RepoRoot == "" {
		if opts.RepoRoot, err = FindRepoRoot(); err != nil {
			return "", err
		}
	}
	serverDir = filepath.Join(opts.RepoRoot, "testbed", "server")
	if _, err := os.Stat(filepath.Join(serverDir, "server.js")); err != nil {
		return "", fmt.Errorf("testbed: %s not found", filepath.Join(serverDir, "server.js"))
	}
	if opts.NodePath == "" {
		p, err := exec.LookPath("node")
		if err != nil {
			return "", fmt.Errorf("testbed: node not found in PATH: install Node.js >= 18, then %s", installHint)
		}
		opts.NodePath = p
	} else if _, err := os.Stat(opts.NodePath); err != nil {
		return "", fmt.Errorf("testbed: node binary %s not found: %w", opts.NodePath, err)
	}
	if _, err := os.Stat(filepath.Join(serverDir, "node_modules", "mediasoup", "package.json")); err != nil {
		return "", fmt.Errorf("testbed: the server's Node packages are not installed (testbed/server/node_modules/mediasoup missing): %s", installHint)
	}
	if opts.WorkerBin == "" {
		opts.WorkerBin = os.Getenv("MEDIASOUP_WORKER_BIN")
	}
	if opts.WorkerBin == "" {
		b, err := os.ReadFile(filepath.Join(serverDir, ".worker-path"))
		if err != nil {
			return "", fmt.Errorf("testbed: the mediasoup worker is not built (testbed/server/.worker-path missing): %s", installHint)
		}
		opts.WorkerBin = strings.TrimSpace(string(b))
	}
	st, err := os.Stat(opts.WorkerBin)
	if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return "", fmt.Errorf("testbed: mediasoup worker %q is missing or not executable: %s", opts.WorkerBin, installHint)
	}
	return serverDir, nil
}

// Start runs the test server and waits until it listens. Stop it with Stop.
func Start(ctx context.Context, opts Options) (*Server, error) {
	serverDir, err := resolve(&opts)
	if err != nil {
		return nil, err
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 60 * time.Second
	}
	if opts.StopTimeout <= 0 {
		opts.StopTimeout = 10 * time.Second
	}
	args := []string{filepath.Join(serverDir, "server.js"), "--port", strconv.Itoa(opts.Port)}
	if opts.Verbose {
		args = append(args, "--verbose")
	}
	cmd := exec.Command(opts.NodePath, args...)
	cmd.Dir = serverDir
	cmd.Env = append(os.Environ(), "MEDIASOUP_WORKER_BIN="+opts.WorkerBin, "DEBUG=")
	cmd.Env = append(cmd.Env, opts.Env...)
	cmd.SysProcAttr = sysProcAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("testbed: starting %s: %w", opts.NodePath, err)
	}
	s := &Server{cmd: cmd, opts: opts, PID: cmd.Process.Pid, exited: make(chan struct{}), logOn: true}

	listening := make(chan int, 1)
	s.readers.Add(2)
	go s.readLog(stdout, "", listening)
	go s.readLog(stderr, "stderr: ", nil)
	go func() {
		s.readers.Wait()
		s.waitErr = cmd.Wait()
		close(s.exited)
	}()

	timer := time.NewTimer(opts.StartTimeout)
	defer timer.Stop()
	select {
	case port := <-listening:
		s.Port = port
		return s, nil
	case <-s.exited:
		return nil, fmt.Errorf("testbed: server exited before listening (%v); log:\n%s", s.waitErr, s.LogText())
	case <-timer.C:
		_ = s.Stop()
		return nil, fmt.Errorf("testbed: server did not listen within %s; log:\n%s", opts.StartTimeout, s.LogText())
	case <-ctx.Done():
		_ = s.Stop()
		return nil, fmt.Errorf("testbed: starting server: %w", ctx.Err())
	}
}

// StartT starts a server for a test, failing the test (never skipping) when
// it cannot start, and stops it when the test ends. Server log lines go to
// t.Logf.
func StartT(t testing.TB) *Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	s, err := Start(ctx, Options{TB: t})
	if err != nil {
		t.Fatalf("start mediasoup test server: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Errorf("stop mediasoup test server: %v", err)
		}
	})
	return s
}

func (s *Server) readLog(r io.Reader, prefix string, listening chan<- int) {
	defer s.readers.Done()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		if listening != nil && strings.HasPrefix(line, "LISTENING ") {
			if port, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "LISTENING "))); err == nil {
				select {
				case listening <- port:
				default:
				}
			}
		}
		if m := versionLine.FindStringSubmatch(line); m != nil {
			pid, _ := strconv.Atoi(m[2])
			s.mu.Lock()
			s.Version, s.WorkerPID = m[1], pid
			s.mu.Unlock()
		}
		s.mu.Lock()
		s.logLines = append(s.logLines, prefix+line)
		on := s.logOn
		if on {
			// Logging under the lock keeps Stop from returning (and the
			// test from ending) while a line is being logged.
			if s.opts.TB != nil {
				s.opts.TB.Logf("mediasoup-server: %s%s", prefix, line)
			}
			if s.opts.Logf != nil {
				s.opts.Logf("mediasoup-server: %s%s", prefix, line)
			}
		}
		s.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r)
}

// URL is the WebSocket URL of the signaling endpoint.
func (s *Server) URL() string { return fmt.Sprintf("ws://127.0.0.1:%d/", s.Port) }

// HTTPURL is the base URL of the static files (testbed/server/public).
func (s *Server) HTTPURL() string { return fmt.Sprintf("http://127.0.0.1:%d/", s.Port) }

// Log returns the lines the server has logged so far.
func (s *Server) Log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.logLines...)
}

// LogText returns the server log as one string.
func (s *Server) LogText() string { return strings.Join(s.Log(), "\n") }

// Exited is closed when the server process has exited.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// Stop sends SIGTERM, waits for a clean exit and kills the whole process
// group (the Node server and its mediasoup worker) if it does not exit in
// time. It is safe to call more than once.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		s.stopErr = s.stop()
		s.mu.Lock()
		s.logOn = false
		s.mu.Unlock()
	})
	return s.stopErr
}

func (s *Server) stop() error {
	pgid := s.cmd.Process.Pid
	select {
	case <-s.exited:
		killGroup(pgid)
		return fmt.Errorf("testbed: server had already exited: %v", s.waitErr)
	default:
	}
	_ = s.cmd.Process.Signal(syscall.SIGTERM)
	timer := time.NewTimer(s.opts.StopTimeout)
	defer timer.Stop()
	select {
	case <-s.exited:
		killGroup(pgid) // in case a worker outlived the server
		if s.waitErr != nil {
			return fmt.Errorf("testbed: server exit: %v", s.waitErr)
		}
		return nil
	case <-timer.C:
		killGroup(pgid)
		<-s.exited
		return fmt.Errorf("testbed: server did not exit within %s of SIGTERM; killed", s.opts.StopTimeout)
	}
}
