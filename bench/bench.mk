# bench/bench.mk - builds and runs parlogit's benchmarks (see bench/README.md).
#
#   make -f bench/bench.mk BUILD=build            ceilings, then product benchmarks
#   make -f bench/bench.mk BUILD=build ceilings   this machine's ceilings only
#   make -f bench/bench.mk BUILD=build scale      scaling over threads and ranks only
#
# The top Makefile's `bench` target calls the first form from the repository
# root after building the library.  Everything goes to $(BUILD)/bench/; each
# group's output is printed and also kept in a text file there.  Benchmarks
# never run concurrently (.NOTPARALLEL), whatever -j says, since they would
# measure each other.  Only files named *_avx2.c / *_avx512.c get instruction-
# set flags, as in the library.

BUILD     ?= build
BENCH_DIR := $(BUILD)/bench
LIB       := $(BUILD)/libparlogit.a

BENCH_CPPFLAGS := -Iinclude -Isrc -Ibench -D_GNU_SOURCE
BENCH_CFLAGS   := -std=c11 -O3 -g -fopenmp -Wall -Wextra -Werror
BENCH_LDFLAGS  := -fopenmp
BENCH_LDLIBS   := -lm
ISA_AVX2       := -mavx2 -mfma
ISA_AVX512     := -mavx512f -mavx512bw -mavx512vl -mfma

# Fail a recipe whose pipeline fails, not just its last command (tee).
SHELL      := /bin/bash
.SHELLFLAGS := -o pipefail -c

# Pin one OpenMP thread per core unless the caller chose otherwise.
export OMP_PROC_BIND ?= spread
export OMP_PLACES    ?= cores

.NOTPARALLEL:
.SECONDARY:
.PHONY: all ceilings product scale
.DEFAULT_GOAL := all

all: ceilings product

# ---------------------------------------------------------------------------
# Machine ceilings: memory bandwidth (ceiling_stream), FMA and pixel-pipeline
# throughput (ceiling_fma).  Independent of the library.

CEILINGS := $(BENCH_DIR)/ceiling_stream $(BENCH_DIR)/ceiling_fma

$(BENCH_DIR)/ceiling_stream: $(BENCH_DIR)/ceiling_stream.o $(BENCH_DIR)/ceiling_stream_avx2.o
$(BENCH_DIR)/ceiling_fma: $(BENCH_DIR)/ceiling_fma.o $(BENCH_DIR)/ceiling_fma_avx2.o \
                          $(BENCH_DIR)/ceiling_fma_avx512.o

$(CEILINGS):
	$(CC) $(BENCH_LDFLAGS) -o $@ $^ $(BENCH_LDLIBS)

ceilings: $(CEILINGS)
	{ echo "# parlogit ceilings, $$(date -u '+%Y-%m-%d %H:%M UTC'), $$(uname -n)," \
	       "$$(lscpu | sed -n 's/^Model name: *//p'), $$(nproc) CPUs," \
	       "OMP_PROC_BIND=$$OMP_PROC_BIND OMP_PLACES=$$OMP_PLACES"; \
	  $(BENCH_DIR)/ceiling_stream && $(BENCH_DIR)/ceiling_fma; } \
	  | tee $(BENCH_DIR)/ceilings.txt.tmp
	mv $(BENCH_DIR)/ceilings.txt.tmp $(BENCH_DIR)/ceilings.txt

# ===========================================================================
# >>> PRODUCT BENCHMARKS GO HERE <<<
#
# The product's own benchmarks (the gradient pass first) link against the
# library built by the top Makefile.  To add one, write bench/bench_NAME.c
# (and, if it needs intrinsics, bench/bench_NAME_avx2.c / _avx512.c), then:
#   - add $(BENCH_DIR)/bench_NAME to PRODUCT_BENCHES;
#   - list its extra objects as prerequisites, e.g.
#       $(BENCH_DIR)/bench_NAME: $(BENCH_DIR)/bench_NAME_avx2.o
#   - add its run command to the `product` recipe, writing through tee like
#     the ceilings do, to $(BENCH_DIR)/NAME.txt.
# The rule below links every bench_% binary with the library and its libraries.

PRODUCT_BENCHES := $(BENCH_DIR)/bench_grad $(BENCH_DIR)/bench_fused
PKG_LIBS := $(shell pkg-config --libs hwloc inih zlib libisal plplot libpng libjpeg libexif jansson ompi-c 2>/dev/null)

# Scaling over threads and ranks (bench_scale.py).  Its two MPI helpers are
# built with Open MPI's mpicc: mpi_pingpong measures loopback latency,
# bandwidth and the collectives the rows split makes; libmpi_count.so is
# preloaded into parlogit's ranks to count the bytes they exchange (MPI's
# profiling interface).  SCALE_DATA: the directory holding MNIST's 10k set.
MPICC      ?= mpicc
SCALE_DATA ?= data/mnist
SCALE_BINS := $(BENCH_DIR)/mpi_pingpong $(BENCH_DIR)/libmpi_count.so
define SCALE_RUN
/usr/bin/python3 bench/bench_scale.py $(BUILD) --data $(SCALE_DATA) \
  | tee $(BENCH_DIR)/scale.txt.tmp
mv $(BENCH_DIR)/scale.txt.tmp $(BENCH_DIR)/scale.txt
endef

# Both read the ceilings file; bench_grad also times the ceilings' convert+FMA
# kernels next to every pass.
$(BENCH_DIR)/bench_grad: $(BENCH_DIR)/ceiling_file.o $(BENCH_DIR)/ceiling_fma_avx2.o \
                         $(BENCH_DIR)/ceiling_fma_avx512.o
$(BENCH_DIR)/bench_fused: $(BENCH_DIR)/ceiling_file.o

$(BENCH_DIR)/bench_%: $(BENCH_DIR)/bench_%.o $(LIB)
	$(CC) $(BENCH_LDFLAGS) -o $@ $(filter %.o,$^) $(LIB) $(PKG_LIBS) $(BENCH_LDLIBS)

# The gradient pass (bench_grad.c) against the ceilings, then the default sweep
# timed as a whole process against the same sweep in NumPy (bench_sweep.py),
# then the ten-class softmax sweep the same way (bench_softmax.py; it also
# writes softmax.json and fails the recipe if parlogit and NumPy disagree),
# then the penalized solvers against scikit-learn and liblinear, and SGD's
# rows per second (bench_solvers.py), then the default run's report drawn by
# 1 and by nproc worker processes
# (bench_report.sh; it fails the recipe if the two draw different bytes).
# then the 45-pair sweep on 1 and 2 threads next to a competing busy loop
# (bench_busy.sh), then the peak memory of a 60,000-row 45-pair sweep
# (bench_memory.py), then scaling over threads and ranks, measured and modelled
# (bench_scale.py with mpi_pingpong and libmpi_count.so; see `scale` below).
product: $(PRODUCT_BENCHES) $(SCALE_BINS)
	$(BENCH_DIR)/bench_grad $(BENCH_DIR)/ceilings.txt | tee $(BENCH_DIR)/grad.txt.tmp
	mv $(BENCH_DIR)/grad.txt.tmp $(BENCH_DIR)/grad.txt
	$(BENCH_DIR)/bench_fused $(BENCH_DIR)/ceilings.txt | tee $(BENCH_DIR)/fused.txt.tmp
	mv $(BENCH_DIR)/fused.txt.tmp $(BENCH_DIR)/fused.txt
	/usr/bin/python3 bench/bench_sweep.py $(BUILD) --numpy | tee $(BENCH_DIR)/sweep.txt.tmp
	mv $(BENCH_DIR)/sweep.txt.tmp $(BENCH_DIR)/sweep.txt
	/usr/bin/python3 bench/bench_softmax.py $(BUILD) --json $(BENCH_DIR)/softmax.json \
	  | tee $(BENCH_DIR)/softmax.txt.tmp
	mv $(BENCH_DIR)/softmax.txt.tmp $(BENCH_DIR)/softmax.txt
	/usr/bin/python3 bench/bench_solvers.py $(BUILD) --json $(BENCH_DIR)/solvers.json \
	  --ceilings $(BENCH_DIR)/ceilings.txt | tee $(BENCH_DIR)/solvers.txt.tmp
	mv $(BENCH_DIR)/solvers.txt.tmp $(BENCH_DIR)/solvers.txt
	bash bench/bench_report.sh $(BUILD) 5 | tee $(BENCH_DIR)/report.txt.tmp
	mv $(BENCH_DIR)/report.txt.tmp $(BENCH_DIR)/report.txt
	bash bench/bench_busy.sh $(BUILD) | tee $(BENCH_DIR)/busy.txt.tmp
	mv $(BENCH_DIR)/busy.txt.tmp $(BENCH_DIR)/busy.txt
	/usr/bin/python3 bench/bench_memory.py $(BUILD) | tee $(BENCH_DIR)/memory.txt.tmp
	mv $(BENCH_DIR)/memory.txt.tmp $(BENCH_DIR)/memory.txt
	$(SCALE_RUN)

$(BENCH_DIR)/mpi_pingpong: bench/mpi_pingpong.c
	@mkdir -p $(dir $@)
	$(MPICC) -std=c11 -O2 -g -Wall -Wextra -Werror -o $@ $<

$(BENCH_DIR)/libmpi_count.so: bench/mpi_count.c
	@mkdir -p $(dir $@)
	$(MPICC) -std=c11 -O2 -g -Wall -Wextra -Werror -fPIC -shared -o $@ $<

scale: $(SCALE_BINS)
	$(SCALE_RUN)

$(LIB):
	@echo "bench.mk: $(LIB) is missing; run 'make' first (or 'make bench')" >&2; exit 1

# <<< END OF PRODUCT BENCHMARKS
# ===========================================================================

# Objects: the ISA of a file is in its name; the most specific pattern wins.
$(BENCH_DIR)/%_avx512.o: bench/%_avx512.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CPPFLAGS) $(BENCH_CFLAGS) $(ISA_AVX512) -MMD -MP -c $< -o $@

$(BENCH_DIR)/%_avx2.o: bench/%_avx2.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CPPFLAGS) $(BENCH_CFLAGS) $(ISA_AVX2) -MMD -MP -c $< -o $@

$(BENCH_DIR)/%.o: bench/%.c
	@mkdir -p $(dir $@)
	$(CC) $(BENCH_CPPFLAGS) $(BENCH_CFLAGS) -MMD -MP -c $< -o $@

-include $(wildcard $(BENCH_DIR)/*.d)
