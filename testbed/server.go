package testbed

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options configure Start (and Install). The zero value is ready to use.
type Options struct {
	// Port to listen on, on 127.0.0.1; 0 picks a free port.
	Port int
	// Logf, when set, receives every line the server logs, and the install
	// script's output.
	Logf func(format string, args ...any)
	// TB, when set, receives the same lines through TB.Logf (until the
	// server is closed), so they show in `go test -v` output.
	TB testing.TB
	// Verbose makes the server log every request.
	Verbose bool
	// CacheDir overrides DefaultCacheDir.
	CacheDir string
	// NoInstall makes Start fail, naming the command to run, instead of
	// installing what is missing (Node packages, the mediasoup worker).
	NoInstall bool
	// NodePath is the node binary; looked up in PATH when empty.
	NodePath string
	// WorkerBin is the mediasoup worker binary; when empty it is taken from
	// $MEDIASOUP_WORKER_BIN, then from the installation.
	WorkerBin string
	// PublicDir is the directory of static files served over HTTP; when
	// empty, a placeholder index page.
	PublicDir string
	// StartTimeout bounds the wait for the server to listen once started
	// (default 60 s); installing is bounded by the context only.
	StartTimeout time.Duration
	// StopTimeout bounds the wait for a clean exit after SIGTERM in Close
	// before the process group is killed (default 10 s).
	StopTimeout time.Duration
	// Env adds environment variables (KEY=VALUE) for the server.
	Env []string
}

func (o *Options) logf() func(string, ...any) {
	return func(f string, a ...any) {
		if o.Logf != nil {
			o.Logf(f, a...)
		}
		if o.TB != nil {
			o.TB.Logf(f, a...)
		}
	}
}

// Server is a running mediasoup test server.
type Server struct {
	// Port is the TCP port of the HTTP and WebSocket listener on 127.0.0.1.
	Port int
	// Version is the mediasoup version the server reported.
	Version string
	// WorkerPID is the PID of the mediasoup worker process.
	WorkerPID int
	// PID is the PID of the Node server process.
	PID int
	// Installation says where the server files and the worker are.
	Installation *Installation

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

// maxLogLines bounds the log a Server keeps in memory.
const maxLogLines = 10000

var versionLine = regexp.MustCompile(`mediasoup version (\S+) worker pid (\d+)`)

// Start installs (see Install) and runs the test server, waiting until it
// listens on 127.0.0.1. ctx bounds the install and the start; once Start
// returns, the server runs until Close. Errors name what is missing and
// the command that installs it.
func Start(ctx context.Context, opts Options) (*Server, error) {
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = 60 * time.Second
	}
	if opts.StopTimeout <= 0 {
		opts.StopTimeout = 10 * time.Second
	}
	if opts.Port < 0 || opts.Port > 65535 {
		return nil, fmt.Errorf("testbed: invalid port %d", opts.Port)
	}
	in, err := Install(ctx, opts)
	if err != nil {
		return nil, err
	}
	args := []string{filepath.Join(in.ServerDir, "server.js"), "--port", strconv.Itoa(opts.Port)}
	if opts.Verbose {
		args = append(args, "--verbose")
	}
	if opts.PublicDir != "" {
		dir, err := filepath.Abs(opts.PublicDir)
		if err != nil {
			return nil, fmt.Errorf("testbed: public directory: %w", err)
		}
		if st, err := os.Stat(dir); err != nil || !st.IsDir() {
			return nil, fmt.Errorf("testbed: public directory %s is not a directory", dir)
		}
		args = append(args, "--public", dir)
	}
	cmd := exec.Command(in.NodePath, args...)
	cmd.Dir = in.ServerDir
	cmd.Env = append(os.Environ(), "MEDIASOUP_WORKER_BIN="+in.WorkerBin, "DEBUG=")
	cmd.Env = append(cmd.Env, opts.Env...)
	cmd.SysProcAttr = sysProcAttr()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("testbed: %w", err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		return nil, fmt.Errorf("testbed: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("testbed: starting %s: %w", in.NodePath, err)
	}
	s := &Server{cmd: cmd, opts: opts, PID: cmd.Process.Pid, Installation: in, exited: make(chan struct{}), logOn: true}

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
		killGroup(s.PID)
		return nil, fmt.Errorf("testbed: server exited before listening (%v); log:\n%s", s.waitErr, s.LogText())
	case <-timer.C:
		_ = s.Close()
		return nil, fmt.Errorf("testbed: server did not listen within %s; log:\n%s", opts.StartTimeout, s.LogText())
	case <-ctx.Done():
		_ = s.Close()
		return nil, fmt.Errorf("testbed: starting server: %w", ctx.Err())
	}
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
		s.mu.Lock()
		if m := versionLine.FindStringSubmatch(line); m != nil {
			s.Version = m[1]
			s.WorkerPID, _ = strconv.Atoi(m[2])
		}
		s.logLines = append(s.logLines, prefix+line)
		if len(s.logLines) > 2*maxLogLines {
			s.logLines = append([]string(nil), s.logLines[len(s.logLines)-maxLogLines:]...)
		}
		if s.logOn {
			// Logging under the lock keeps Close from returning (and a
			// test from ending) while a line is being logged.
			s.opts.logf()("mediasoup-server: %s%s", prefix, line)
		}
		s.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r)
}

// URL is the WebSocket URL of the signaling endpoint.
func (s *Server) URL() string { return fmt.Sprintf("ws://127.0.0.1:%d/", s.Port) }

// HTTPURL is the base URL of the static files (Options.PublicDir).
func (s *Server) HTTPURL() string { return fmt.Sprintf("http://127.0.0.1:%d/", s.Port) }

// Log returns the lines the server has logged so far (the last 10000 at
// least).
func (s *Server) Log() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.logLines...)
}

// LogText returns the server log as one string.
func (s *Server) LogText() string { return strings.Join(s.Log(), "\n") }

// Exited is closed when the server process has exited.
func (s *Server) Exited() <-chan struct{} { return s.exited }

// Close stops the server: SIGTERM, a wait of up to Options.StopTimeout for
// a clean exit, then SIGKILL to the whole process group (Node and its
// mediasoup worker). Safe to call more than once; later calls return the
// first call's result.
func (s *Server) Close() error {
	ctx, cancel := context.WithTimeout(context.Background(), s.opts.StopTimeout)
	defer cancel()
	return s.Shutdown(ctx)
}

// Shutdown is Close with the wait for a clean exit bounded by ctx instead
// of Options.StopTimeout.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() {
		s.stopErr = s.stop(ctx)
		s.mu.Lock()
		s.logOn = false
		s.mu.Unlock()
	})
	return s.stopErr
}

func (s *Server) stop(ctx context.Context) error {
	pgid := s.cmd.Process.Pid
	select {
	case <-s.exited:
		killGroup(pgid)
		return fmt.Errorf("testbed: server had already exited: %v", s.waitErr)
	default:
	}
	_ = terminate(s.cmd.Process)
	select {
	case <-s.exited:
		killGroup(pgid) // in case a worker outlived the server
		if s.waitErr != nil {
			return fmt.Errorf("testbed: server exit: %w", s.waitErr)
		}
		return nil
	case <-ctx.Done():
		killGroup(pgid)
		<-s.exited
		return fmt.Errorf("testbed: server did not exit after SIGTERM (%w); killed", ctx.Err())
	}
}
