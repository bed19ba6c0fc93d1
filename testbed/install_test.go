package testbed

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// listTree lists the paths under dir with their sizes and modification
// times.
func listTree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.Walk(dir, func(path string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.IsDir() && fi.Name() == "node_modules" {
			return filepath.SkipDir // installed by `make install`, not by the kit
		}
		out = append(out, path+" "+fi.ModTime().String())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(out)
	return out
}

// TestExtractKeyedByContentHash: the embedded files land in
// <cache>/server/<content hash>/testbed/, byte for byte, outside the
// module directory, and a second extraction reuses them.
func TestExtractKeyedByContentHash(t *testing.T) {
	cache := t.TempDir()
	hash, err := BundleHash()
	if err != nil {
		t.Fatal(err)
	}
	if len(hash) != 16 {
		t.Fatalf("hash %q", hash)
	}
	if h2, _ := BundleHash(); h2 != hash {
		t.Fatalf("hash not stable: %s, %s", hash, h2)
	}
	root, err := extract(cache)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(cache, "server", hash); root != want {
		t.Fatalf("extracted into %s, want %s", root, want)
	}
	pkgDir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasPrefix(root, pkgDir) {
		t.Fatalf("extracted into the module directory: %s", root)
	}
	names, err := bundleFiles()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"install.sh", "server/package-lock.json", "server/package.json", "server/public/index.html", "server/server.js"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Fatalf("embedded %v, want %v", names, want)
	}
	for _, name := range names {
		got, err := os.ReadFile(filepath.Join(root, "testbed", name))
		if err != nil {
			t.Fatal(err)
		}
		// The embedded copy is the repository's file.
		orig, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, readBundle(name)) || !bytes.Equal(got, orig) {
			t.Errorf("%s differs from the embedded file", name)
		}
	}
	if st, err := os.Stat(filepath.Join(root, "testbed", "install.sh")); err != nil || st.Mode()&0o100 == 0 {
		t.Errorf("install.sh not executable: %v", err)
	}
	// A second extraction reuses the directory and leaves no temporary one.
	if root2, err := extract(cache); err != nil || root2 != root {
		t.Fatalf("second extract: %s, %v", root2, err)
	}
	entries, _ := os.ReadDir(filepath.Join(cache, "server"))
	if len(entries) != 1 {
		t.Errorf("cache holds %d entries, want 1", len(entries))
	}
}

// TestInstallIntoFreshCache installs into an empty cache directory (with
// the worker of the real cache linked in, so it is not rebuilt), as a
// program reading the kit from a read-only module cache does, then serves
// from there. Nothing in the package directory changes.
func TestInstallIntoFreshCache(t *testing.T) {
	realCache, err := DefaultCacheDir()
	if err != nil {
		t.Fatal(err)
	}
	workers, _ := filepath.Glob(filepath.Join(realCache, "worker", MediasoupVersion+"-*", "mediasoup-worker"))
	if len(workers) == 0 {
		t.Fatalf("no mediasoup worker cached under %s: run `make install`", realCache)
	}
	cache := t.TempDir()
	if err := os.MkdirAll(filepath.Join(cache, "worker"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, w := range workers {
		dir := filepath.Dir(w)
		if err := os.Symlink(dir, filepath.Join(cache, "worker", filepath.Base(dir))); err != nil {
			t.Fatal(err)
		}
	}
	before := listTree(t, ".")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := Install(ctx, Options{CacheDir: cache, NoInstall: true}); err == nil || !strings.Contains(err.Error(), "install.sh") {
		t.Fatalf("NoInstall on an empty cache: %v", err)
	}
	s := StartTWith(t, Options{CacheDir: cache, Port: 0})
	in := s.Installation
	if !strings.HasPrefix(in.ServerDir, filepath.Join(cache, "server")+string(filepath.Separator)) {
		t.Fatalf("server dir %s is not in the cache %s", in.ServerDir, cache)
	}
	if !strings.HasPrefix(in.WorkerBin, filepath.Join(cache, "worker")) {
		t.Errorf("worker %s is not the cached one", in.WorkerBin)
	}
	if _, err := os.Stat(filepath.Join(in.ServerDir, "node_modules", "mediasoup", "package.json")); err != nil {
		t.Errorf("Node packages not installed in the cache: %v", err)
	}
	c, err := s.Dial(ctx, "fresh")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if len(c.Joined.RouterRTPCapabilities.Codecs) == 0 {
		t.Fatal("no router capabilities")
	}
	// The placeholder page is served from the extracted copy.
	resp, err := http.Get(s.HTTPURL())
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "test bed") {
		t.Errorf("index page: %s", body)
	}
	// Installed: a second Install only locates.
	start := time.Now()
	if _, err := Install(ctx, Options{CacheDir: cache, NoInstall: true}); err != nil {
		t.Fatalf("second install: %v", err)
	}
	t.Logf("locating an installed server took %s", time.Since(start))
	if after := listTree(t, "."); strings.Join(before, "\n") != strings.Join(after, "\n") {
		t.Errorf("the package directory changed:\nbefore %v\nafter  %v", before, after)
	}
}

// TestPublicDir: Options.PublicDir replaces the static files.
func TestPublicDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	s := StartTWith(t, Options{PublicDir: dir})
	resp, err := http.Get(s.HTTPURL() + "hello.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "hello\n" {
		t.Fatalf("GET hello.txt: %d %q", resp.StatusCode, body)
	}
}
