# The two set-up commands: `make run` and `make test` (see README.md).
BUILD ?= build
PREFIX ?= /usr/local
DESTDIR ?=
SAN ?= build-san
JOBS ?= $(shell nproc)

.PHONY: all deps build run test test-fast test-san bench bench-ui bench-agent bench-glance install soak clean

all: build

deps:
	@scripts/deps.sh
	@$(MAKE) --no-print-directory node_modules/.package-lock.json

# npm's packages: uPlot (embedded into the binary), playwright-core (UI tests).
# npm writes node_modules/.package-lock.json; touched so it is newer than the lock.
node_modules/.package-lock.json: package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/tidemark serve

# The binary (web UI inside) to $(DESTDIR)$(PREFIX)/bin, the systemd unit to
# $(DESTDIR)$(PREFIX)/lib/systemd/system.
install: build
	@cmake -S . -B $(BUILD) -DCMAKE_INSTALL_PREFIX=$(PREFIX) >/dev/null
	DESTDIR=$(DESTDIR) cmake --install $(BUILD) --strip

# Unit + end-to-end tests, then the same suite under ASan+UBSan with the fuzz targets.
test: build
	cd $(BUILD) && ctest --output-on-failure -j 2
	@$(MAKE) --no-print-directory test-san

test-san: deps
	@CC=clang cmake -S . -B $(SAN) -DCMAKE_BUILD_TYPE=Debug -DTM_SANITIZE=ON -DTM_FUZZ=ON >/dev/null
	@cmake --build $(SAN) -j $(JOBS)
	cd $(SAN) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j 2

bench: build
	bench/run.sh $(BUILD)/tidemark
	bench/codec.sh $(BUILD)
	bench/memory.sh $(BUILD)/tidemark
	bench/protocols.sh $(BUILD)/tidemark $(BUILD)
	python3 bench/promql_bench.py $(BUILD)/tidemark
	python3 bench/graphite_bench.py $(BUILD)/tidemark
	bench/forward.sh $(BUILD)/tidemark
	bench/alerts.sh $(BUILD)/tidemark

# The web UI in chromium: fps and sample-to-pixel latency, 100 live series.
# The agent beside collectd, same plugins at 1 s: peak RSS and CPU (DURATION=60).
bench-agent: build
	bench/agent.sh $(BUILD)/tidemark

# glance beside goaccess on one generated Combined log; the first screen of a 1 GB log.
bench-glance: build
	bench/glance.sh $(BUILD)/tidemark

bench-ui: build
	node bench/ui_bench.mjs $(BUILD)/tidemark

# Not in CI: 20 kill -9 cycles under load (every acknowledged sample checked),
# a disk-full episode on a tmpfs (as root), a 10-minute soak of every protocol
# with 20 stream clients (RSS, descriptors, p99 query latency every 30 s).
# SOAK_CYCLES, SOAK_MINUTES and SOAK_PHASES=kill9,diskfull,soak shorten it.
soak: build
	TIDEMARK_BIN=$(BUILD)/tidemark python3 scripts/soak.py

clean:
	rm -rf $(BUILD) $(SAN)
