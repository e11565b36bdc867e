# keikai - front door. The build itself is Meson + Ninja; these targets wrap it.
#   make          build (build/)
#   make check    install missing packages, build, run every test and quality gate
#   make demo     install missing packages, build, run the sensor over sample captures
#   make bench    benchmarks (bench/; long)
BUILD ?= build

.PHONY: all deps build check demo bench clean format

all: build

deps:
	@sh scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --buildtype=debugoptimized

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

check: deps
	@bash scripts/check.sh

demo: deps build
	@bash scripts/demo.sh $(BUILD)

bench: deps
	@bash bench/sensor-offline.sh

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf $(BUILD) build-*
