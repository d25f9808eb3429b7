# Makefile: the front door. The real build is meson + ninja (meson.build).
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
PREFIX ?= /usr/local
# Link-time optimisation: ~8 % off `vramtop analyze` of a large trace (docs/PERFORMANCE.md).
MESON_FLAGS ?= -Db_lto=true

.PHONY: all deps setup demo check check-asan fuzz install clean bench lint golden screenshots soak oom-table

all: setup
	ninja -C $(BUILD)

deps:
	bash scripts/deps.sh

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX) $(MESON_FLAGS)

setup: $(BUILD)/build.ninja

demo: deps all
	$(BUILD)/vramtop --demo

# make check: deps, build, every test, then one line "N passed, N failed".
check: deps all
	@meson test -C $(BUILD) --no-rebuild --print-errorlogs --num-processes 2 >$(BUILD)/test-output.txt 2>&1; \
	  tail -n 25 $(BUILD)/test-output.txt; \
	  python3 scripts/test-summary.py $(BUILD)/meson-logs/testlog.json

# The whole suite under AddressSanitizer + UndefinedBehaviorSanitizer.
check-asan: deps
	[ -f $(ASAN_BUILD)/build.ninja ] || CC=clang meson setup $(ASAN_BUILD) -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(ASAN_BUILD)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
	  meson test -C $(ASAN_BUILD) --no-rebuild --print-errorlogs --num-processes 2 >$(ASAN_BUILD)/test-output.txt 2>&1; \
	  tail -n 25 $(ASAN_BUILD)/test-output.txt; \
	  python3 scripts/test-summary.py $(ASAN_BUILD)/meson-logs/testlog.json

# libFuzzer targets: a short run each (CI), or FUZZ_SECONDS=600 make fuzz.
FUZZ_SECONDS ?= 20
fuzz: deps
	[ -f $(FUZZ_BUILD)/build.ninja ] || CC=clang meson setup $(FUZZ_BUILD) -Dfuzz=true -Dtests=disabled -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C $(FUZZ_BUILD)
	FUZZ_SECONDS=$(FUZZ_SECONDS) bash scripts/run-fuzzers.sh $(FUZZ_BUILD)

bench: all
	bash bench/run.sh $(BUILD)

install: all
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

# Static checks: cppcheck and clang-tidy (bug-finding checks, .clang-tidy) over src/.
lint: all
	cppcheck --quiet --enable=warning,portability --error-exitcode=1 --inline-suppr \
	  -I src -D_GNU_SOURCE --suppress=missingIncludeSystem src/
	ls src/*.c src/*/*.c | xargs -P2 -n4 clang-tidy -p $(BUILD) --quiet
	@echo "lint: clean"

# Rewrite the UI's golden canvases (tests/unit/ui/golden/) from the current
# code; review their diff before committing.
golden: all
	VT_GOLDEN_UPDATE=1 meson test -C $(BUILD) --no-rebuild --suite ui >/dev/null || true
	meson test -C $(BUILD) --no-rebuild --suite ui
	git status --short tests/unit/ui/golden/

# README's screenshots: the demo trace's OOM warning in every theme, SVG and
# PNG (rsvg-convert) in docs/screenshots/.
SHOT_TRACE ?= examples/demo.jsonl.gz
SHOT_AT ?= 24
screenshots: all
	mkdir -p docs/screenshots
	$(BUILD)/bench/ui_shots $(SHOT_TRACE) $(SHOT_AT) 160 45 docs/screenshots
	for f in docs/screenshots/*.svg; do rsvg-convert -o $${f%.svg}.png $$f; done

# Soak (not in make check): 10^6 ticks of the live pipeline against a churning
# simulator (processes coming and going every tick, PIDs reused, a GPU lost
# and back, SIGHUP every second); fails if RSS, the heap or open fds grow.
# SOAK_TICKS=100000 for a shorter run; SOAK_BUILD=build-asan to run it under
# the sanitizers.
SOAK_TICKS ?= 1000000
SOAK_BUILD ?= $(BUILD)
soak: all
	ninja -C $(SOAK_BUILD) bench/soak tests/fake_nvml/libnvidia-ml.so.1
	python3 bench/soak.py $(SOAK_BUILD) $(SOAK_TICKS)

# docs/oom-prediction.md's table of every trace's score, regenerated.
oom-table: all
	python3 scripts/oom_table.py $(BUILD)/vramtop
