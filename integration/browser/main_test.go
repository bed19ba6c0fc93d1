// Package browser proves interop between the Go SDK and the real
// mediasoup-client 3.24.1 running in Debian's headless Chromium: both join
// the same room of the real mediasoup 3.12.16 test server (testbed/server)
// and exchange media and data both ways.
//
// Needs testbed/install.sh (server and worker) and testbed/install-browser.sh
// (Chromium and the page bundle served at /interop/). The server is started
// once for the package; each test joins its own room with its own browser.
package browser

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/soupkit/mediasoup-client-go/testbed"
)

var server *testbed.Server

func TestMain(m *testing.M) {
	flag.Parse()
	if err := preflight(); err != nil {
		// Never skip: a missing browser or page is a failure.
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
	root, err := repoRoot()
	if err != nil {
		fmt.Fprintf(os.Stderr, "FAIL: %v\n", err)
		os.Exit(1)
	}
	// The page bundle is built into the repository's public directory.
	opts := testbed.Options{PublicDir: filepath.Join(root, "testbed", "server", "public")}
	os.Exit(testbed.RunTestsWith(m, opts, func(s *testbed.Server) { server = s }))
}

// repoRoot walks up from the working directory to the directory holding
// go.mod.
func repoRoot() (string, error) {
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
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// preflight checks Chromium and the page bundle before anything starts.
func preflight() error {
	const hint = "run `bash testbed/install-browser.sh` from the repository root"
	if st, err := os.Stat(chromiumPath); err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return fmt.Errorf("%s is missing: %s", chromiumPath, hint)
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	node, err := exec.LookPath("node")
	if err != nil {
		return fmt.Errorf("node not found in PATH: %w", err)
	}
	cmd := exec.Command(node, "build.js", "--check")
	cmd.Dir = filepath.Join(root, "testbed", "browser")
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("interop page bundle: %s(%v): %s", out, err, hint)
	}
	return nil
}
