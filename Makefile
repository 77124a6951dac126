# handoff — GNU make. `make` builds ./handoff; `make test` runs every test;
# `make asan` runs them again under AddressSanitizer + UBSan in build-asan/.
# Modules are picked up by wildcard: a new core/foo.c joins libhd_core.a and
# tests/unit/core/test_foo.c becomes its own test binary.

VERSION := 0.1.0
PREFIX  ?= /usr/local
BUILD   ?= build
CC      ?= cc

PKG_CONFIG ?= pkg-config
DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags sqlite3 jansson 2>/dev/null)
DEP_LIBS   := $(shell $(PKG_CONFIG) --libs sqlite3 jansson 2>/dev/null) -lcsv -lm -lpthread
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null || echo -lcmocka)

WARN := -Wall -Wextra -Werror -Wpedantic -Wshadow -Wstrict-prototypes \
        -Wmissing-prototypes -Wold-style-definition -Wformat=2 -Wvla
OPT  ?= -O2
CFLAGS ?= $(OPT) -g
ifdef SAN
CFLAGS += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) \
             -I. $(DEP_CFLAGS) -DHD_VERSION='"$(VERSION)"' -MMD -MP
# core/alloc.c moves pages with mremap(2), a GNU extension.
GNU_SRC := core/alloc.c

LAYERS := core analyzer simulator reports
core_SRC      := $(wildcard core/*.c)
analyzer_SRC  := $(wildcard analyzer/*.c)
simulator_SRC := $(wildcard simulator/*.c)
reports_SRC   := $(wildcard reports/*.c)
cli_SRC       := $(wildcard cli/*.c)

objs = $(patsubst %.c,$(BUILD)/%.o,$(1))
LIB_core      := $(BUILD)/libhd_core.a
LIB_analyzer  := $(BUILD)/libhd_analyzer.a
LIB_simulator := $(BUILD)/libhd_simulator.a
LIB_reports   := $(BUILD)/libhd_reports.a
# Link order follows the dependency direction: cli -> reports -> analyzer, simulator -> core.
ALL_LIBS := $(LIB_reports) $(LIB_analyzer) $(LIB_simulator) $(LIB_core)

BIN := $(BUILD)/handoff

UNIT_core      := $(patsubst tests/unit/core/%.c,$(BUILD)/tests/core/%,$(wildcard tests/unit/core/test_*.c))
UNIT_analyzer  := $(patsubst tests/unit/analyzer/%.c,$(BUILD)/tests/analyzer/%,$(wildcard tests/unit/analyzer/test_*.c))
UNIT_simulator := $(patsubst tests/unit/simulator/%.c,$(BUILD)/tests/simulator/%,$(wildcard tests/unit/simulator/test_*.c))
UNIT_reports   := $(patsubst tests/unit/reports/%.c,$(BUILD)/tests/reports/%,$(wildcard tests/unit/reports/test_*.c))
UNIT := $(UNIT_core) $(UNIT_analyzer) $(UNIT_simulator) $(UNIT_reports)

.PHONY: all test unit golden lint asan demo demo-check bench install format format-check clean deps fuzz valgrind faults
.DELETE_ON_ERROR:

all: handoff

# ./handoff is the normal build; sanitizer builds stay inside their BUILD dir.
handoff: $(BIN)
ifeq ($(BUILD),build)
	@cp $(BIN) handoff
endif

$(call objs,$(GNU_SRC)): ALL_CFLAGS += -D_GNU_SOURCE

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

define lib_rule
$$(LIB_$(1)): $$(call objs,$$($(1)_SRC))
	@mkdir -p $$(dir $$@)
	@rm -f $$@
	ar rcs $$@ $$^
endef
$(foreach l,$(LAYERS),$(eval $(call lib_rule,$(l))))

$(BIN): $(call objs,$(cli_SRC)) $(ALL_LIBS)
	$(CC) $(LDFLAGS) -o $@ $(call objs,$(cli_SRC)) $(ALL_LIBS) $(DEP_LIBS)

# Unit tests: one binary per module, linked only with its layer and below.
$(BUILD)/tests/core/%: tests/unit/core/%.c $(LIB_core)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_core) $(CMOCKA_LIBS) $(DEP_LIBS)
$(BUILD)/tests/analyzer/%: tests/unit/analyzer/%.c $(LIB_analyzer) $(LIB_core)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_analyzer) $(LIB_core) $(CMOCKA_LIBS) $(DEP_LIBS)
$(BUILD)/tests/simulator/%: tests/unit/simulator/%.c $(LIB_simulator) $(LIB_core)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(LDFLAGS) -o $@ $< $(LIB_simulator) $(LIB_core) $(CMOCKA_LIBS) $(DEP_LIBS)
$(BUILD)/tests/reports/%: tests/unit/reports/%.c $(ALL_LIBS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) $(LDFLAGS) -o $@ $< $(ALL_LIBS) $(CMOCKA_LIBS) $(DEP_LIBS)

deps:
	@scripts/install-deps

# `make test` installs what is missing first (a sub-make, so that the
# pkg-config flags above are read again once the packages are there).
test: deps
	@$(MAKE) --no-print-directory test-run

.PHONY: test-run
test-run: handoff $(UNIT)
	@tests/run-all.sh "$(BUILD)" "$(BIN)" $(UNIT)

unit: $(UNIT)
	@tests/run-unit.sh $(UNIT)

golden: handoff
	@tests/run-golden.sh "$(BIN)"

lint:
	@tests/lint.sh

asan: deps
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 OPT=-O1 test-run

# valgrind: the end-to-end (golden and bad-input) tests with handoff under
# valgrind; any error or definite/indirect leak fails the case.
valgrind: handoff
	@command -v valgrind >/dev/null || { echo "make valgrind: install valgrind first" >&2; exit 1; }
	@VALGRIND=1 tests/run-golden.sh "$(BIN)"

# fuzz: libFuzzer targets tests/fuzz/fuzz_<name>.c, built with clang from the
# same sources as ./handoff (core, analyzer, simulator; not cli/main.c) into
# build-fuzz/, each run for FUZZ_SECONDS with a seed corpus from samples/ and
# tests/data (tests/fuzz/run.sh). A crash found becomes an input under
# tests/fuzz/regressions/<target>/, which `make faults` replays.
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_B       := build-fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
# clang's -Wformat=2 also flags vprintf-style wrappers, which gcc allows.
FUZZ_CFLAGS   = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) -Wno-format-nonliteral \
                -O1 -g $(FUZZ_SAN) \
                -I. $(DEP_CFLAGS) -DHD_VERSION='"$(VERSION)"' -MMD -MP
$(patsubst %.c,$(FUZZ_B)/obj/%.o,$(GNU_SRC)): FUZZ_CFLAGS += -D_GNU_SOURCE
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_OBJ     := $(patsubst %.c,$(FUZZ_B)/obj/%.o,$(core_SRC) $(analyzer_SRC) $(simulator_SRC))

.PRECIOUS: $(FUZZ_B)/obj/%.o
$(FUZZ_B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(FUZZ_B)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_OBJ)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_OBJ) $(DEP_LIBS)

fuzz:
	@scripts/install-deps --fuzz
	@$(MAKE) --no-print-directory $(addprefix $(FUZZ_B)/,$(FUZZ_TARGETS))
	@tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# faults: replay every fuzz regression input under ASan + UBSan (build-asan/),
# then the fault tests tests/faults/*.sh (disk full, read-only and corrupt
# databases, SIGKILL, limits) against ./handoff.
$(BUILD)/fuzz-replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(LIB_analyzer) $(LIB_simulator) $(LIB_core)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $< tests/fuzz/replay.c $(LIB_analyzer) $(LIB_simulator) $(LIB_core) $(DEP_LIBS)

faults: deps
	@$(MAKE) --no-print-directory BUILD=build-asan SAN=1 OPT=-O1 $(addprefix build-asan/fuzz-replay/,$(FUZZ_TARGETS))
	@for t in $(FUZZ_TARGETS); do build-asan/fuzz-replay/$$t tests/fuzz/regressions/$$t || exit 1; done
	@$(MAKE) --no-print-directory handoff
	@tests/faults/run.sh ./handoff

demo: deps
	@$(MAKE) --no-print-directory handoff
	@scripts/demo.sh ./handoff out/demo

demo-check:
	@scripts/install-deps --demo-check
	@$(MAKE) --no-print-directory demo
	@scripts/demo-check.sh out/demo

bench: handoff
	@scripts/install-deps --bench
	@bench/run.sh

install: handoff
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 handoff $(DESTDIR)$(PREFIX)/bin/handoff
	install -m 644 docs/handoff.1 $(DESTDIR)$(PREFIX)/share/man/man1/handoff.1

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_FILES)

format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)

clean:
	rm -rf build build-asan build-fuzz handoff out

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
-include $(shell find $(FUZZ_B) -name '*.d' 2>/dev/null)
