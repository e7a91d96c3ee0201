# The two set-up commands: `make run` and `make test` (see README.md).
BUILD ?= build
SAN ?= build-san
JOBS ?= $(shell nproc)

.PHONY: all deps build run test test-fast test-san bench clean

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

run: build
	./$(BUILD)/tidemark serve

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
	bench/protocols.sh $(BUILD)/tidemark $(BUILD)

clean:
	rm -rf $(BUILD) $(SAN)
