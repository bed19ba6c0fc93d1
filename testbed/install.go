package testbed

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MediasoupVersion is the version of the mediasoup package the bundled
// server runs.
const MediasoupVersion = "3.12.16"

// The server's files and the install script, extracted at run time into the
// cache (never run from the module directory, which may be read-only).
//
//go:embed install.sh server/server.js server/package.json server/package-lock.json server/public/index.html
var bundle embed.FS

// CacheDirEnv names the environment variable that overrides the cache
// directory (shared with testbed/install.sh).
const CacheDirEnv = "MEDIASOUP_CLIENT_GO_CACHE"

// DefaultCacheDir is where the worker, the server files and their Node
// packages are cached: $MEDIASOUP_CLIENT_GO_CACHE when set, else
// ${XDG_CACHE_HOME:-$HOME/.cache}/mediasoup-client-go, exactly as
// testbed/install.sh (`make install`) computes it.
func DefaultCacheDir() (string, error) {
	if d := os.Getenv(CacheDirEnv); d != "" {
		return d, nil
	}
	base := os.Getenv("XDG_CACHE_HOME")
	if base == "" {
		home := os.Getenv("HOME")
		if home == "" {
			return "", fmt.Errorf("testbed: neither $%s, $XDG_CACHE_HOME nor $HOME is set: set Options.CacheDir", CacheDirEnv)
		}
		base = filepath.Join(home, ".cache")
	}
	return filepath.Join(base, "mediasoup-client-go"), nil
}

// bundleFiles lists the embedded files, sorted.
func bundleFiles() ([]string, error) {
	var names []string
	err := fs.WalkDir(bundle, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			names = append(names, path)
		}
		return nil
	})
	sort.Strings(names)
	return names, err
}

// BundleHash is the content hash of the embedded server files and install
// script (16 hex digits); it names their extracted copy in the cache.
func BundleHash() (string, error) {
	names, err := bundleFiles()
	if err != nil {
		return "", fmt.Errorf("testbed: reading the embedded server files: %w", err)
	}
	h := sha256.New()
	for _, name := range names {
		b, err := bundle.ReadFile(name)
		if err != nil {
			return "", fmt.Errorf("testbed: reading the embedded %s: %w", name, err)
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))[:16], nil
}

// extract writes the embedded files under cacheDir/server/<hash>/testbed/
// (the layout of the repository, so the script finds the server next to
// it) unless they are there already, and returns cacheDir/server/<hash>.
func extract(cacheDir string) (string, error) {
	hash, err := BundleHash()
	if err != nil {
		return "", err
	}
	parent := filepath.Join(cacheDir, "server")
	root := filepath.Join(parent, hash)
	if _, err := os.Stat(filepath.Join(root, "testbed", "server", "server.js")); err == nil {
		return root, nil
	}
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", fmt.Errorf("testbed: creating the cache directory: %w", err)
	}
	tmp, err := os.MkdirTemp(parent, hash+".tmp-")
	if err != nil {
		return "", fmt.Errorf("testbed: extracting the server files: %w", err)
	}
	defer os.RemoveAll(tmp) // a no-op once renamed
	names, err := bundleFiles()
	if err != nil {
		return "", err
	}
	for _, name := range names {
		b, err := bundle.ReadFile(name)
		if err != nil {
			return "", fmt.Errorf("testbed: reading the embedded %s: %w", name, err)
		}
		dst := filepath.Join(tmp, "testbed", filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", fmt.Errorf("testbed: extracting %s: %w", name, err)
		}
		mode := os.FileMode(0o644)
		if strings.HasSuffix(name, ".sh") {
			mode = 0o755
		}
		if err := os.WriteFile(dst, b, mode); err != nil {
			return "", fmt.Errorf("testbed: extracting %s: %w", name, err)
		}
	}
	if err := os.Rename(tmp, root); err != nil {
		// Another process extracted the same content first.
		if _, serr := os.Stat(filepath.Join(root, "testbed", "server", "server.js")); serr == nil {
			return root, nil
		}
		return "", fmt.Errorf("testbed: extracting the server files: %w", err)
	}
	return root, nil
}

// Installation says where the installed server and worker are.
type Installation struct {
	// CacheDir is the cache root (see DefaultCacheDir).
	CacheDir string
	// Dir is the extracted copy of the embedded files, keyed by their
	// content hash: Dir/testbed/install.sh and Dir/testbed/server/.
	Dir string
	// ServerDir holds server.js and its node_modules.
	ServerDir string
	// WorkerBin is the mediasoup worker binary.
	WorkerBin string
	// NodePath is the node binary.
	NodePath string
}

// InstallScript is the path of the extracted install script.
func (in *Installation) InstallScript() string {
	return filepath.Join(in.Dir, "testbed", "install.sh")
}

// installMu serializes installs within the process; a file lock does it
// across processes.
var installMu sync.Mutex

// Install extracts the embedded server files into the cache and, unless
// they are ready, runs the embedded install script there (the one `make
// install` runs): it installs missing Debian packages, builds the mediasoup
// worker when it is not cached (minutes), and installs the server's Node
// packages. With Options.NoInstall it only locates them, failing with the
// command to run. Concurrent calls, from any process, wait for each other.
func Install(ctx context.Context, opts Options) (*Installation, error) {
	cacheDir := opts.CacheDir
	if cacheDir == "" {
		var err error
		if cacheDir, err = DefaultCacheDir(); err != nil {
			return nil, err
		}
	}
	cacheDir, err := filepath.Abs(cacheDir)
	if err != nil {
		return nil, fmt.Errorf("testbed: cache directory: %w", err)
	}
	node, err := findNode(opts.NodePath)
	if err != nil {
		return nil, err
	}
	root, err := extract(cacheDir)
	if err != nil {
		return nil, err
	}
	in := &Installation{CacheDir: cacheDir, Dir: root, ServerDir: filepath.Join(root, "testbed", "server"), NodePath: node}

	installMu.Lock()
	defer installMu.Unlock()
	unlock, err := lockFile(ctx, root+".lock")
	if err != nil {
		return nil, err
	}
	defer unlock()

	if why := in.locate(opts.WorkerBin); why == "" {
		return in, nil
	} else if opts.NoInstall {
		return nil, fmt.Errorf("testbed: %s: run `bash %s` (what `make install` runs in a checkout of the repository), or start without NoInstall", why, in.InstallScript())
	}
	if err := in.runScript(ctx, opts); err != nil {
		return nil, err
	}
	if why := in.locate(opts.WorkerBin); why != "" {
		return nil, fmt.Errorf("testbed: %s after running %s", why, in.InstallScript())
	}
	return in, nil
}

const nodeHint = "install Node.js >= 18 and npm (Debian: `apt-get install nodejs npm`), then run `make install` in a checkout of the repository or let testbed.Start install the rest"

func findNode(path string) (string, error) {
	if path == "" {
		p, err := exec.LookPath("node")
		if err != nil {
			return "", fmt.Errorf("testbed: node not found in PATH: %s", nodeHint)
		}
		return p, nil
	}
	if st, err := os.Stat(path); err != nil || st.IsDir() {
		return "", fmt.Errorf("testbed: node binary %s not found: %s", path, nodeHint)
	}
	return path, nil
}

// locate fills in WorkerBin and returns "" when everything is installed,
// else what is missing.
func (in *Installation) locate(workerBin string) string {
	stamp := filepath.Join(in.ServerDir, "node_modules", ".install-stamp")
	pkg := filepath.Join(in.ServerDir, "node_modules", "mediasoup", "package.json")
	for _, f := range []string{stamp, pkg} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Sprintf("the server's Node packages are not installed in %s", in.ServerDir)
		}
	}
	if workerBin == "" {
		workerBin = os.Getenv("MEDIASOUP_WORKER_BIN")
	}
	if workerBin == "" {
		b, err := os.ReadFile(filepath.Join(in.ServerDir, ".worker-path"))
		if err != nil {
			return "the mediasoup worker is not installed"
		}
		workerBin = strings.TrimSpace(string(b))
	}
	st, err := os.Stat(workerBin)
	if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
		return fmt.Sprintf("the mediasoup worker %s is missing or not executable", workerBin)
	}
	in.WorkerBin = workerBin
	return ""
}

// runScript runs the extracted install script, logging its output.
func (in *Installation) runScript(ctx context.Context, opts Options) error {
	bash, err := exec.LookPath("bash")
	if err != nil {
		return errors.New("testbed: bash not found in PATH: it runs the install script")
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return fmt.Errorf("testbed: npm not found in PATH: %s", nodeHint)
	}
	logf := opts.logf()
	logf("installing the mediasoup test server in %s (the worker is built once, in minutes, and cached)", in.Dir)
	cmd := exec.Command(bash, in.InstallScript())
	cmd.Dir = in.Dir
	cmd.Env = append(os.Environ(),
		CacheDirEnv+"="+in.CacheDir,
		"TESTBED_SKIP_BROWSER=1",
		"PATH="+filepath.Dir(in.NodePath)+string(os.PathListSeparator)+os.Getenv("PATH"),
	)
	cmd.SysProcAttr = sysProcAttr()
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("testbed: install script: %w", err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("testbed: starting the install script: %w", err)
	}
	var tail []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			line := sc.Text()
			logf("install: %s", line)
			tail = append(tail, line)
			if len(tail) > 40 {
				tail = tail[1:]
			}
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	stop := context.AfterFunc(ctx, func() { killGroup(cmd.Process.Pid) })
	<-done
	werr := cmd.Wait()
	stop()
	if ctx.Err() != nil {
		return fmt.Errorf("testbed: installing the server: %w", ctx.Err())
	}
	if werr != nil {
		return fmt.Errorf("testbed: the install script %s failed (%v); its last lines:\n%s", in.InstallScript(), werr, strings.Join(tail, "\n"))
	}
	return nil
}

// lockFile takes an exclusive lock on path, waiting until ctx ends.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("testbed: install lock: %w", err)
	}
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("testbed: install lock %s: %w", path, err)
		}
		if ok {
			_ = f.Truncate(0)
			_, _ = f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
			return func() { unlockFile(f); f.Close() }, nil
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, fmt.Errorf("testbed: waiting for another install (lock %s): %w", path, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// readBundle returns an embedded file; for tests.
func readBundle(name string) []byte {
	b, _ := bundle.ReadFile(name)
	return bytes.Clone(b)
}
