# fuzz.mk - libFuzzer harnesses for every reader of outside bytes (fuzz/README.md).
#
#   make fuzz                      build, make seed corpora, run each harness FUZZ_SECONDS
#   make -f fuzz/fuzz.mk build     only build fuzz/build/fuzz_*
#   make -f fuzz/fuzz.mk run-NAME  one harness (e.g. run-fuzz_csv)
#
# The library's sources are built again with clang and
# -fsanitize=fuzzer-no-link,address,undefined into fuzz/build/ (ignored by
# git), each harness fuzz/fuzz_NAME.c is linked with -fsanitize=fuzzer.  A run
# grows fuzz/corpus/NAME/ (ignored; seeded by fuzz/make_corpus.sh) and writes
# what crashes to fuzz/build/crashes/NAME-crash-*; it fails on the first one.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_FLAGS   ?=
FB           := fuzz/build
CORPUS       := fuzz/corpus

PKGS       := hwloc inih zlib libisal plplot libpng libjpeg libexif jansson ompi-c
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

SAN      := -fsanitize=address,undefined -fno-sanitize-recover=all
CPPFLAGS := -Iinclude -Isrc -D_GNU_SOURCE -DPL_PLPLOT_DRVDIR='""'
CFLAGS   := -std=c11 -O1 -g -fno-omit-frame-pointer $(SAN) -fopenmp \
            -Wall -Wextra -Wshadow -Wstrict-prototypes -Werror $(PKG_CFLAGS)
ISA_avx2   := -mavx2 -mfma -mf16c
ISA_avx512 := -mavx512f -mavx512bw -mavx512vl -mavx2 -mfma

LIB_SRC := $(sort $(wildcard src/util/*.c src/data/*.c src/config/*.c src/kernels/*.c \
                             src/engine/*.c src/train/*.c src/output/*.c \
                             src/plot/*.c src/report/*.c src/image/*.c src/dist/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(FB)/%.o)
LIB     := $(FB)/libparlogit-fuzz.a

# One harness per reader.
HARNESSES := fuzz_idx fuzz_idx_gz fuzz_csv fuzz_config fuzz_set fuzz_npy \
             fuzz_results fuzz_best fuzz_curves fuzz_digit_matrix fuzz_rundir \
             fuzz_sidecar fuzz_model fuzz_npz fuzz_image
BINS := $(HARNESSES:%=$(FB)/%)

.PHONY: all build corpus run $(HARNESSES:%=run-%)
all: run
build: $(BINS)

$(FB)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer-no-link \
	  $(ISA_$(basename $(notdir $<))) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

$(FB)/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz.h $(LIB)
	$(FUZZ_CC) $(CPPFLAGS) $(CFLAGS) -fsanitize=fuzzer $< $(LIB) $(PKG_LIBS) -lm -o $@

# Seed corpora: made once (the script needs the release binary to train a
# tiny run directory).
$(CORPUS)/.made: fuzz/make_corpus.sh
	$(MAKE) -f Makefile all
	bash fuzz/make_corpus.sh $(CORPUS)
	touch $@
corpus: $(CORPUS)/.made

run: $(HARNESSES:%=run-%)
	@echo "fuzz: $(words $(HARNESSES)) harnesses ran $(FUZZ_SECONDS) s each, no crash"

# libFuzzer's default limits stay: a reader that allocates 2 GB because a
# header says so is a crash (-rss_limit_mb=2048, the same for one malloc).
$(HARNESSES:%=run-%): run-%: $(FB)/% $(CORPUS)/.made
	@mkdir -p $(CORPUS)/$* $(FB)/crashes
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  $(FB)/$* -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	  -artifact_prefix=$(FB)/crashes/$*- $(FUZZ_FLAGS) $(CORPUS)/$*

-include $(LIB_OBJ:.o=.d)
