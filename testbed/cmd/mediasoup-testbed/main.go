// Command mediasoup-testbed runs the bundled mediasoup test server from the
// Go kit (package testbed), installing what it needs into the cache first:
//
//	go run github.com/soupkit/mediasoup-client-go/testbed/cmd/mediasoup-testbed -port 3000
//
// With -install it only installs (the repository's `make install` runs it
// so that tests find the kit's copy ready) and prints where.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/soupkit/mediasoup-client-go/testbed"
)

func main() {
	port := flag.Int("port", 3000, "TCP port on 127.0.0.1 (0 picks a free one)")
	install := flag.Bool("install", false, "only install the server and the worker into the cache, then exit")
	public := flag.String("public", "", "directory of static files to serve over HTTP")
	verbose := flag.Bool("verbose", false, "log every request")
	flag.Parse()
	if err := run(*port, *install, *public, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "mediasoup-testbed:", err)
		os.Exit(1)
	}
}

func run(port int, installOnly bool, public string, verbose bool) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	opts := testbed.Options{
		Port: port, PublicDir: public, Verbose: verbose,
		Logf: func(f string, a ...any) { fmt.Printf(f+"\n", a...) },
	}
	if installOnly {
		in, err := testbed.Install(ctx, opts)
		if err != nil {
			return err
		}
		fmt.Printf("server ready in %s, worker %s\n", in.ServerDir, in.WorkerBin)
		return nil
	}
	srv, err := testbed.Start(ctx, opts)
	if err != nil {
		return err
	}
	fmt.Printf("mediasoup %s on %s (Ctrl-C stops)\n", srv.Version, srv.URL())
	select {
	case <-ctx.Done():
	case <-srv.Exited():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(sctx)
}
