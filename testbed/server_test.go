//go:build unix

package testbed

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// alive reports whether pid runs (zombies count as gone).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z' && s[i+2] != 'X'
	}
	return true
}

func waitGone(t *testing.T, what string, pid int) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for alive(pid) {
		if time.Now().After(deadline) {
			t.Fatalf("%s (pid %d) still running", what, pid)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestStartDialStop(t *testing.T) {
	s := StartT(t)
	if s.Port == 0 || s.Version != "3.12.16" || s.WorkerPID == 0 {
		t.Fatalf("server %+v", s)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := s.Dial(ctx, "lifecycle")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Joined.RouterRTPCapabilities.Codecs) == 0 || c.PeerID == "" {
		t.Fatalf("join %+v", c.Joined)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}
	select {
	case <-c.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("client not closed after the server stopped")
	}
	if _, err := c.GetRouterRTPCapabilities(ctx); err == nil {
		t.Fatal("call on a dead connection succeeded")
	}
	waitGone(t, "node server", s.PID)
	waitGone(t, "mediasoup worker", s.WorkerPID)
	if !strings.Contains(s.LogText(), "SIGTERM: shutting down") {
		t.Errorf("no clean shutdown in the log:\n%s", s.LogText())
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

func TestStartFailsClearly(t *testing.T) {
	ctx := context.Background()
	_, err := Start(ctx, Options{CacheDir: t.TempDir(), NoInstall: true})
	if err == nil || !strings.Contains(err.Error(), "install.sh") || !strings.Contains(err.Error(), "make install") {
		t.Errorf("nothing installed: %v", err)
	}
	_, err = Start(ctx, Options{NodePath: "/nonexistent/node"})
	if err == nil || !strings.Contains(err.Error(), "node") || !strings.Contains(err.Error(), "apt-get install nodejs npm") {
		t.Errorf("missing node: %v", err)
	}
	_, err = Start(ctx, Options{WorkerBin: "/nonexistent/mediasoup-worker", NoInstall: true})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/mediasoup-worker") {
		t.Errorf("missing worker: %v", err)
	}
	_, err = Start(ctx, Options{PublicDir: "/nonexistent/public"})
	if err == nil || !strings.Contains(err.Error(), "/nonexistent/public") {
		t.Errorf("missing public directory: %v", err)
	}
}

// When the test binary is killed, the server and its worker die with it.
func TestNoOrphansWhenParentDies(t *testing.T) {
	if os.Getenv("TESTBED_ORPHAN_HELPER") == "1" {
		s, err := Start(context.Background(), Options{})
		if err != nil {
			fmt.Println("ERROR", err)
			os.Exit(1)
		}
		fmt.Printf("PIDS %d %d\n", s.PID, s.WorkerPID)
		time.Sleep(time.Minute)
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestNoOrphansWhenParentDies$")
	cmd.Env = append(os.Environ(), "TESTBED_ORPHAN_HELPER=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	var nodePID, workerPID int
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if _, err := fmt.Sscanf(sc.Text(), "PIDS %d %d", &nodePID, &workerPID); err == nil {
			break
		}
		t.Logf("helper: %s", sc.Text())
	}
	if nodePID == 0 || workerPID == 0 {
		t.Fatal("helper did not start a server")
	}
	if !alive(nodePID) || !alive(workerPID) {
		t.Fatal("server not running in the helper")
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	_ = cmd.Wait()
	waitGone(t, "node server", nodePID)
	waitGone(t, "mediasoup worker", workerPID)
}
