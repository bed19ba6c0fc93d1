# Targets:
#   make install  build/install the test bed (Debian packages, mediasoup worker, Node server)
#   make test     install, then vet, gofmt check and every test with the race detector
#   make demo     install, then the main job: bundled mediasoup server + bot + recorder, recordings checked
#   make bench    install, then the consume-scaling bench (writes BENCHMARKS.md)
#   make soak     install, then an hour of consume/close churn (goroutine and heap curve)
#   make media    regenerate testdata/media with ffmpeg
#   make clips    regenerate the clips built into mediafile (mediafile/clips) with ffmpeg
SHELL := /bin/bash
GO ?= go

.PHONY: install test vet fmt-check demo bench media soak clips

# The second step prepares the Go kit's copy of the server in the cache
# (same worker), so tests find it ready.
install:
	bash testbed/install.sh
	$(GO) run ./testbed/cmd/mediasoup-testbed -install

# cmd/bench is a module of its own: vet and gofmt cover it too.
vet:
	$(GO) vet ./...
	$(GO) -C cmd/bench vet ./...

fmt-check:
	@out="$$(gofmt -l $$($(GO) list -f '{{.Dir}}' ./...) cmd/bench)"; \
	if [ -n "$$out" ]; then echo "gofmt needed on:"; echo "$$out"; exit 1; fi

test: install vet fmt-check
	@# The server smoke test first, verbose: its log names the mediasoup version and worker PID.
	$(GO) test -count=1 -v -run 'TestServerSmoke' ./integration/
	$(GO) test -race -count=1 -timeout 40m ./...
	@# The integration and interop suites again, receive transports on the ORTC handler.
	MSC_TEST_HANDLER=PionV3ORTC $(GO) test -race -count=1 -timeout 40m ./integration/sdk/ ./integration/browser/

demo: install
	$(GO) run ./cmd/demo

soak: install
	$(GO) run ./cmd/soak -duration 1h -every 1m

bench: install
	$(GO) -C cmd/bench run .

media:
	bash testbed/media.sh

clips:
	bash testbed/clips.sh
