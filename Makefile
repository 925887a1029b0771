# parlogit - build, test, benchmark, install.
#
#   make            library + binary (build/)
#   make run        set-up, build, fetch data, train configs/default.ini
#   make test       set-up, build, fetch data, whole test suite
#   make test-sanitize   the suite under AddressSanitizer + UBSan (build-asan/)
#   make test-race  the engine's threads under ThreadSanitizer + Archer (build-tsan/)
#   make fuzz       libFuzzer harnesses over every reader (fuzz/README.md)
#   make bench      benchmarks (bench/README.md)
#   make install PREFIX=/usr/local DESTDIR=
#
# Only the kernel files get instruction-set flags; the rest builds for the
# baseline x86-64, so one binary runs everywhere and picks kernels at run time.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
PYTHON  ?= /usr/bin/python3
CONFIG  ?= configs/default.ini
VERSION := 0.1.0

ifeq ($(SANITIZE),1)
BUILD   ?= build-asan
OPT     ?= -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=all
else
BUILD   ?= build
OPT     ?= -O3 -g
endif

# ompi-c: Open MPI's include and link flags, so any compiler (gcc, clang, the
# sanitizer builds) builds the one binary; no mpicc wrapper needed (src/dist/).
PKGS      := hwloc inih zlib libisal plplot libpng libjpeg libexif jansson ompi-c
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# Where PLplot looks for its device drivers when PLPLOT_DRV_DIR is unset.
PLPLOT_DRVDIR := $(shell pkg-config --variable=drvdir plplot 2>/dev/null)
CHECK_CFLAGS := $(shell pkg-config --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell pkg-config --libs check 2>/dev/null)

# make's targets keep MNIST in the repository's data/ (the binary's own default
# is a per-user directory; README: Data, offline).
PARLOGIT_DATA ?= $(CURDIR)/data
export PARLOGIT_DATA

WARN     := -Wall -Wextra -Wshadow -Wstrict-prototypes -Werror
CPPFLAGS += -Iinclude -Isrc -D_GNU_SOURCE -DPL_PLPLOT_DRVDIR='"$(PLPLOT_DRVDIR)"'
# -ffp-contract=off: no a * b + c is fused into one FMA behind the code's back
# (GCC's default under -std=c11 already; clang's is on), so a plain-C loop
# gives the same bits in every build and in each of its clones (util/clones.h)
CFLAGS   += -std=c11 -ffp-contract=off $(OPT) $(WARN) -fopenmp -fPIC $(PKG_CFLAGS)
LDLIBS   += $(PKG_LIBS) -lm
LDFLAGS  += -fopenmp $(filter -fsanitize%,$(OPT))

# Per-file instruction-set flags (kernels only).
ISA_avx2   := -mavx2 -mfma -mf16c
ISA_avx512 := -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma

LIB_SRC := $(sort $(wildcard src/util/*.c src/data/*.c src/config/*.c src/kernels/*.c \
                             src/engine/*.c src/train/*.c src/output/*.c src/dist/*.c \
                             src/plot/*.c src/report/*.c src/image/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
TEST_SRC := $(sort $(wildcard tests/check_*.c))
BENCH_SRC := $(sort $(wildcard bench/*.c))

LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)
LIB      := $(BUILD)/libparlogit.a
BIN      := $(BUILD)/parlogit
TESTBIN  := $(BUILD)/check_parlogit

.PHONY: all deps data run test test-sanitize test-race bench fuzz install uninstall clean
all: $(BIN) parlogit

parlogit: $(BIN)
	ln -sf $(BIN) $@

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(ISA_$(basename $(notdir $<))) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(CLI_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIB) $(LDLIBS)

# The test runner lists every "Suite *suite_NAME(void)" found in tests/check_*.c.
$(BUILD)/tests/suites.inc: $(TEST_SRC)
	@mkdir -p $(dir $@)
	sed -n 's/^Suite \*suite_\([a-z0-9_]*\)(void)$$/SUITE(\1)/p' $(TEST_SRC) > $@.tmp && mv $@.tmp $@

$(BUILD)/tests/main.o: tests/main.c $(BUILD)/tests/suites.inc
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) -I$(BUILD)/tests $(CFLAGS) $(CHECK_CFLAGS) -c $< -o $@

$(BUILD)/tests/check_%.o: tests/check_%.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -Wno-format-truncation $(CHECK_CFLAGS) -MMD -MP -c $< -o $@

$(TESTBIN): $(BUILD)/tests/main.o $(TEST_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(CHECK_LIBS) $(LDLIBS)

deps:
	@bash scripts/deps.sh

data: $(BIN)
	$(BIN) fetch $(CONFIG)

run: deps
	$(MAKE) all
	$(BIN) fetch $(CONFIG)
	$(BIN) train $(CONFIG)

test: deps
	$(MAKE) all $(TESTBIN)
	$(BIN) fetch configs/default.ini
	PARLOGIT_BIN=$(abspath $(BIN)) PYTHON=$(PYTHON) $(TESTBIN)

test-sanitize: deps
	$(MAKE) SANITIZE=1 BUILD=build-asan build-asan/parlogit build-asan/check_parlogit
	build-asan/parlogit fetch configs/default.ini
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  LSAN_OPTIONS=suppressions=$(abspath tests/lsan.supp):print_suppressions=0 \
	  PARLOGIT_BIN=$(abspath build-asan/parlogit) PYTHON=$(PYTHON) build-asan/check_parlogit

# clang's ThreadSanitizer with LLVM's libomp and its Archer tool (tests/race/race.sh)
test-race: deps
	$(MAKE) CC=clang OPT="-O1 -g -fsanitize=thread" BUILD=build-tsan build-tsan/parlogit
	build-tsan/parlogit fetch configs/default.ini
	bash tests/race/race.sh $(abspath build-tsan/parlogit) clang

# The peers run on the BLAS their users have (OpenBLAS) and compare with
# liblinear; the machine's OPENBLAS_* overrides are unset for the benchmarks.
bench: export PARLOGIT_EXTRA_DEPS += libopenblas0-pthread liblinear-tools
bench: deps
	$(MAKE) all
	$(BIN) fetch configs/default.ini
	env $(foreach v,$(filter OPENBLAS_% GOTO_NUM_THREADS,$(.VARIABLES)),-u $(v)) \
	  $(MAKE) -f bench/bench.mk BUILD=$(BUILD)

# libFuzzer harnesses for every reader of outside bytes (fuzz/README.md);
# FUZZ_SECONDS per harness.
fuzz: deps
	$(MAKE) -f fuzz/fuzz.mk

PCDIR := $(DESTDIR)$(PREFIX)/lib/pkgconfig
install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib $(DESTDIR)$(PREFIX)/include/parlogit $(PCDIR)
	install -m 755 $(BIN) $(DESTDIR)$(PREFIX)/bin/parlogit
	install -m 644 $(LIB) $(DESTDIR)$(PREFIX)/lib/libparlogit.a
	install -m 644 include/parlogit/*.h $(DESTDIR)$(PREFIX)/include/parlogit/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@VERSION@|$(VERSION)|' parlogit.pc.in > $(PCDIR)/parlogit.pc

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/parlogit $(DESTDIR)$(PREFIX)/lib/libparlogit.a $(PCDIR)/parlogit.pc
	rm -rf $(DESTDIR)$(PREFIX)/include/parlogit

clean:
	rm -rf build build-asan build-tsan parlogit

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
