# SPDX-License-Identifier: MIT
#
# Xenling's build. `make` builds build/xenling (plus a symbol map and a
# disassembly listing); `make test` runs everything (see README.md).

BUILD      := build
KERNEL     := $(BUILD)/xenling
CC         ?= gcc
LD         := ld
NASM       := nasm
XEN_INC    := /usr/include/xen
XEN_IFACE  := 0x00040e00

# Xen's public headers come from Debian's libxen-dev. A private include
# directory holding only a link to them keeps the rest of /usr/include
# (the C library's headers) out of the freestanding kernel build.
XENINC_DIR := $(BUILD)/xeninc

# -mstack-protector-guard=global: the canary is __stack_chk_guard, not
# %fs:40 (kernel/arch/x86/stack_protector.c says why).
KCFLAGS := -std=gnu11 -O2 -g -ffreestanding -fstack-protector-strong \
	-mstack-protector-guard=global \
	-fno-pic -fno-pie -mno-red-zone -mgeneral-regs-only -mcmodel=small \
	-fno-omit-frame-pointer -fno-asynchronous-unwind-tables \
	-fno-strict-aliasing -Wall -Wextra -Werror -Wno-unused-parameter \
	-nostdinc -isystem $(shell $(CC) -print-file-name=include) \
	-Iinclude -I. -isystem $(XENINC_DIR) \
	-D__XEN_INTERFACE_VERSION__=$(XEN_IFACE) -MMD -MP
KLDFLAGS := -nostdlib -z max-page-size=4096 -z noexecstack -T kernel/kernel.ld
NASMFLAGS := -f elf64 -g
LIBGCC := $(shell $(CC) -print-libgcc-file-name)

KSRC_C := $(sort $(wildcard kernel/*.c kernel/lib/*.c kernel/mm/*.c \
	kernel/xen/*/*.c kernel/arch/x86/*.c drivers/*/*.c tests/kernel/*.c))
KSRC_ASM := $(sort $(wildcard boot/*.asm kernel/arch/x86/*.asm))
KOBJ := $(patsubst %.c,$(BUILD)/k/%.o,$(KSRC_C)) \
	$(patsubst %.asm,$(BUILD)/k/%.o,$(KSRC_ASM))

# Portable code, also built on the host with coverage and sanitizers:
# generic helpers in kernel/lib/, and the host-tested halves that live in
# each Xen subsystem's folder beside the code that uses them.
PORTABLE := kernel/lib/ktest.c kernel/lib/glob.c kernel/lib/cmdline.c \
	kernel/lib/format.c kernel/lib/bootinfo.c kernel/lib/bitmap.c \
	kernel/lib/byte_ring.c kernel/lib/xen_errno.c kernel/lib/stats.c \
	kernel/xen/evtchn/evtchn_2l_scan.c kernel/xen/evtchn/evtchn_fifo_queue.c \
	kernel/xen/time/pvclock_math.c kernel/xen/time/timerq.c \
	kernel/xen/time/timer_core.c kernel/xen/ipi/ipi_queue.c \
	kernel/xen/grant/gnt_entries.c \
	drivers/blk/blkif_ring.c drivers/blk/blkif_req.c drivers/blk/blkif_shadow.c \
	drivers/blk/blkif_negot.c drivers/blk/blkif_order.c drivers/blk/blk_pattern.c \
	drivers/blk/blkif_engine.c drivers/blk/blkif_feat.c drivers/blk/blkif_pool.c \
	drivers/blk/blkif_requeue.c \
	kernel/xen/xenstore/xs_wire.c kernel/xen/xenbus/xenbus_state.c
# The coverage runtime's portable half (kernel/gcov.c is the rest).
PORTABLE += kernel/lib/crc32.c kernel/lib/gcov_gcda.c kernel/lib/tsc_time.c
# The hard-lockup rule (kernel/hardlockup.c acts on it).
PORTABLE += kernel/lib/lockup.c
HCFLAGS := -std=gnu11 -O0 -g -DXENLING_HOST -Iinclude -I. -isystem $(XENINC_DIR) \
	-D__XEN_INTERFACE_VERSION__=$(XEN_IFACE) -Wall -Wextra -Werror \
	-Wno-unused-parameter -fsanitize=address,undefined \
	-fno-sanitize-recover=all --coverage -MMD -MP
HOST_SRC := $(PORTABLE) $(sort $(wildcard tests/host/*.c))
HOST_OBJ := $(patsubst %.c,$(BUILD)/host/%.o,$(HOST_SRC))
HOST_BIN := $(BUILD)/host/unit-tests

VCPUS ?= 2

.PHONY: all clean test test-host test-qemu test-tier1 test-tier2 \
	test-harness coverage run run-tier1 iso check-docs format format-check \
	setup bench soak fuzz fuzz-build fuzz-corpus test-tsan qemu-gdb \
	test-gdb cov-kernel

all: $(KERNEL)

$(XENINC_DIR)/xen:
	@test -d $(XEN_INC) || { echo "missing $(XEN_INC): run tools/setup.sh (libxen-dev)"; exit 1; }
	@mkdir -p $(XENINC_DIR)
	ln -sfn $(XEN_INC) $@

$(BUILD)/k/%.o: %.c | $(XENINC_DIR)/xen
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) -c $< -o $@

$(BUILD)/k/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) $< -o $@

$(KERNEL): $(KOBJ) kernel/kernel.ld
	$(LD) $(KLDFLAGS) -Map=$(KERNEL).map -o $@ $(KOBJ) $(LIBGCC)
	objdump -d -M intel $@ > $(KERNEL).lst
	@size $@

$(BUILD)/host/%.o: %.c | $(XENINC_DIR)/xen
	@mkdir -p $(dir $@)
	@rm -f $(@:.o=.gcda)
	$(CC) $(HCFLAGS) -c $< -o $@

$(HOST_BIN): $(HOST_OBJ)
	$(CC) $(HCFLAGS) -o $@ $(HOST_OBJ)

# --- fuzzing: clang's libFuzzer over every parser of untrusted input -----
# One harness per tests/fuzz/NAME.c, linked with the portable files it
# needs (FUZZ_SRC_NAME); seeds in tests/fuzz/corpus/NAME/. See
# tests/fuzz/README.md. Separate from test-host: clang, not gcc.
FUZZ_CC := clang-14
FUZZ_CFLAGS := -std=gnu11 -O1 -g -DXENLING_HOST -Iinclude -I. \
	-isystem $(XENINC_DIR) -D__XEN_INTERFACE_VERSION__=$(XEN_IFACE) \
	-Wall -Wextra -Werror -Wno-unused-parameter -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=all -MMD -MP
FUZZ_NAMES := bootinfo_pvh bootinfo_mb2 bootinfo_e820 byte_ring \
	evtchn_2l_scan evtchn_fifo gnt_entries pvclock xs_wire xs_values \
	blkif_engine
FUZZ_COMMON := tests/fuzz/fuzz_common.c kernel/lib/format.c
FUZZ_SRC_bootinfo_pvh := tests/fuzz/fuzz_loader.c kernel/lib/bootinfo.c
FUZZ_SRC_bootinfo_mb2 := tests/fuzz/fuzz_loader.c kernel/lib/bootinfo.c
FUZZ_SRC_bootinfo_e820 := tests/fuzz/fuzz_loader.c kernel/lib/bootinfo.c
FUZZ_SRC_byte_ring := kernel/lib/byte_ring.c
FUZZ_SRC_evtchn_2l_scan := kernel/xen/evtchn/evtchn_2l_scan.c \
	kernel/lib/bitmap.c
FUZZ_SRC_evtchn_fifo := kernel/xen/evtchn/evtchn_fifo_queue.c
FUZZ_SRC_gnt_entries := kernel/xen/grant/gnt_entries.c
FUZZ_SRC_pvclock := kernel/xen/time/pvclock_math.c
FUZZ_SRC_xs_wire := kernel/xen/xenstore/xs_wire.c kernel/lib/xen_errno.c
FUZZ_SRC_xs_values := kernel/xen/xenstore/xs_wire.c \
	kernel/xen/xenbus/xenbus_state.c kernel/lib/xen_errno.c
FUZZ_SRC_blkif_engine := drivers/blk/blkif_engine.c drivers/blk/blkif_ring.c \
	drivers/blk/blkif_req.c drivers/blk/blkif_shadow.c drivers/blk/blkif_order.c \
	drivers/blk/blkif_feat.c
FUZZ_BINS := $(patsubst %,$(BUILD)/fuzz/bin/%,$(FUZZ_NAMES))
FUZZ_RUNS ?= 10000000

$(BUILD)/fuzz/%.o: %.c | $(XENINC_DIR)/xen
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

define fuzz_bin
$(BUILD)/fuzz/bin/$(1): $(patsubst %.c,$(BUILD)/fuzz/%.o,tests/fuzz/$(1).c \
		$(FUZZ_COMMON) $(FUZZ_SRC_$(1)))
	@mkdir -p $$(dir $$@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $$@ $$^
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call fuzz_bin,$(n))))

fuzz-build: $(FUZZ_BINS)

# Each harness for FUZZ_RUNS executions (default 10^7), one at a time.
fuzz: $(FUZZ_BINS)
	tools/run-fuzz.sh --runs $(FUZZ_RUNS) $(FUZZ_NAMES)

# The short pass `make test` runs: every checked-in corpus input, once.
fuzz-corpus: $(FUZZ_BINS)
	tools/run-fuzz.sh --corpus-only $(FUZZ_NAMES)

# --- concurrency: host threads under ThreadSanitizer --------------------
# tests/tsan/ stress the portable concurrent code with pthreads, through
# the host runner (tests/host/main.c). Separate from test-host: TSan and
# ASan cannot share a binary.
TSAN_CFLAGS := -std=gnu11 -O1 -g -DXENLING_HOST -Iinclude -I. \
	-isystem $(XENINC_DIR) -D__XEN_INTERFACE_VERSION__=$(XEN_IFACE) \
	-Wall -Wextra -Werror -Wno-unused-parameter -fno-omit-frame-pointer \
	-fsanitize=thread -pthread -MMD -MP
TSAN_SRC := tests/host/main.c kernel/lib/ktest.c kernel/lib/glob.c \
	kernel/lib/cmdline.c kernel/lib/format.c kernel/xen/ipi/ipi_queue.c \
	kernel/xen/time/timerq.c kernel/xen/time/timer_core.c \
	$(sort $(wildcard tests/tsan/*.c))
TSAN_OBJ := $(patsubst %.c,$(BUILD)/tsan/%.o,$(TSAN_SRC))
TSAN_BIN := $(BUILD)/tsan/tsan-tests

$(BUILD)/tsan/%.o: %.c | $(XENINC_DIR)/xen
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(TSAN_CFLAGS) -c $< -o $@

$(TSAN_BIN): $(TSAN_OBJ)
	$(FUZZ_CC) $(TSAN_CFLAGS) -o $@ $(TSAN_OBJ)

# A race report fails the run (exit 66) even if every check passed.
test-tsan: $(TSAN_BIN)
	TSAN_OPTIONS="halt_on_error=1 exitcode=66 $(TSAN_OPTIONS)" $(TSAN_BIN)

# The sample tests/host/test_gcov.c compares with libgcov is built as the
# coverage kernel is: its records go to the gcov_info section.
$(BUILD)/host/tests/host/gcov_sample.o: HCFLAGS += -fprofile-info-section=gcov_info

# --- the kernel with coverage counters -----------------------------------
# The same sources built with gcc's --coverage into build/cov/ (make
# coverage; docs/ch0-getting-started.md). Counters are updated atomically
# (every vCPU counts) and found through the gcov_info section; at the end
# of a run kernel/gcov.c prints them. The runtime does not count itself.
COV_BUILD := $(BUILD)/cov
COV_KERNEL := $(COV_BUILD)/xenling
COV_KOBJ := $(patsubst $(BUILD)/k/%,$(COV_BUILD)/k/%,$(KOBJ))
GCOV_KCFLAGS := --coverage -fprofile-update=atomic \
	-fprofile-info-section=gcov_info
GCOV_RUNTIME := kernel/gcov.c kernel/lib/gcov_gcda.c kernel/lib/crc32.c

$(COV_BUILD)/k/%.o: %.c | $(XENINC_DIR)/xen
	@mkdir -p $(dir $@)
	$(CC) $(KCFLAGS) $(if $(filter $<,$(GCOV_RUNTIME)),,$(GCOV_KCFLAGS)) -c $< -o $@

$(COV_BUILD)/k/%.o: %.asm
	@mkdir -p $(dir $@)
	$(NASM) $(NASMFLAGS) $< -o $@

$(COV_KERNEL): $(COV_KOBJ) kernel/kernel.ld
	$(LD) $(KLDFLAGS) -Map=$(COV_KERNEL).map -o $@ $(COV_KOBJ) $(LIBGCC)
	@size $@

cov-kernel: $(COV_KERNEL)

# --- tests ---------------------------------------------------------------

test-host: $(HOST_BIN)
	$(HOST_BIN)

test-qemu: $(KERNEL)
	tools/run-qemu.sh $(KERNEL)

test-tier1: $(KERNEL)
	tools/run-tier1.sh --vcpus $(VCPUS) $(KERNEL)

test-tier2: $(KERNEL)
	tools/run-tier2.sh --vcpus $(VCPUS) $(KERNEL)

# A GRUB2 rescue ISO: boots Xenling through its multiboot2 header.
iso: $(BUILD)/xenling.iso
$(BUILD)/xenling.iso: $(KERNEL) tools/mkiso.sh
	tools/mkiso.sh $(KERNEL) $@

# The harness must be able to fail: a deliberately failing test, selected
# by a tests= glob, must make every tier report failure.
test-harness: $(KERNEL)
	tools/test-harness.sh $(KERNEL)

test: $(KERNEL) $(HOST_BIN)
	tools/test-all.sh

# Benchmarks (tests/kernel/bench.c) on tier 1, then the block table
# (tools/blk/bench.sh: Xenling, a Linux PVH domU and dom0 on one tier-2
# boot, BENCH_RUNS boots; table and charts in build/bench/blk/; with
# BENCH_BLK=OPTS Xenling runs with blk=OPTS, into build/bench/blk-OPTS/):
# numbers, never a verdict on speed.
BENCH_RUNS ?= 1
BENCH_BLK ?=
bench: $(KERNEL)
	tools/bench.sh --vcpus $(VCPUS) $(KERNEL)
	tools/blk/bench.sh --runs $(BENCH_RUNS) $(if $(BENCH_BLK),--blk $(BENCH_BLK)) \
		$(KERNEL)

# Long runs that look for rare failures (not in make test): IPI and timer
# storms on tier 1, then tier-2 boot cycles beside a Linux control
# (tools/soak.sh, docs/hardening.md).
SOAK_CYCLES ?= 100
SOAK_SECONDS ?= 600
soak: $(KERNEL)
	tools/soak.sh --cycles $(SOAK_CYCLES) --storm-seconds $(SOAK_SECONDS) \
		$(KERNEL)

# One lcov report: the host unit tests plus the coverage kernel's runs on
# plain QEMU, tier 1 and tier 2 (tools/coverage.sh; KERNEL_RUNS=0 for the
# host part alone).
coverage: $(HOST_BIN) $(COV_KERNEL)
	tools/coverage.sh $(HOST_BIN) $(COV_KERNEL)

# The user's path: Xen + a Linux dom0 that runs `xl create` (type = "pvh")
# on build/xenling, its PV console shown as `xl console` shows it. On a
# terminal it adds `monitor` and forwards what is typed to the guest, so a
# newcomer ends at the monitor's prompt ('poweroff' ends the run). Does
# all set-up on first use.
run: $(BUILD)/.setup-done $(KERNEL)
	@if [ -t 0 ]; then \
	    tools/run-tier2.sh --vcpus $(VCPUS) --interactive --cmdline monitor $(KERNEL); \
	else \
	    tools/run-tier2.sh --vcpus $(VCPUS) --console $(KERNEL); \
	fi

# The fast loop: Xenling as Xen's PVH dom0.
run-tier1: $(BUILD)/.setup-done $(KERNEL)
	tools/run-tier1.sh --vcpus $(VCPUS) --console $(KERNEL)

# Debugging (docs/ch0-getting-started.md): QEMU waits with its gdb stub
# and prints the one command that attaches gdb through .gdbinit. Plain
# QEMU, 1 CPU unless VCPUS is given; XEN=1 boots tier 1 instead, where
# Xen starts every vCPU (gdb cannot read memory there). CMDLINE="..."
# is the kernel command line (e.g. tests=mm.*).
QEMU_GDB_CPUS = $(if $(filter command line environment,$(origin VCPUS)),$(VCPUS),1)
qemu-gdb: $(KERNEL)
ifeq ($(XEN),1)
	tools/run-tier1.sh --gdb --console --vcpus $(QEMU_GDB_CPUS) --cmdline "$(CMDLINE)" $(KERNEL)
else
	tools/run-qemu.sh --gdb --console --smp $(QEMU_GDB_CPUS) --cmdline "$(CMDLINE)" $(KERNEL)
endif

# The batch-mode proof that qemu-gdb works (part of make test).
test-gdb: $(KERNEL)
	tools/test-gdb.sh $(KERNEL)

$(BUILD)/.setup-done:
	tools/setup.sh

check-docs:
	python3 tools/check-docs.py

FORMAT_SRC = $(shell git ls-files '*.c' '*.h' 2>/dev/null)
format:
	clang-format -i $(FORMAT_SRC)
format-check:
	tools/check-format.sh

setup:
	tools/setup.sh

clean:
	rm -rf $(BUILD)/k $(BUILD)/host $(KERNEL) $(KERNEL).map $(KERNEL).lst \
		$(BUILD)/coverage $(BUILD)/coverage.info $(XENINC_DIR) \
		$(BUILD)/fuzz $(BUILD)/tsan $(COV_BUILD)

-include $(KOBJ:.o=.d) $(HOST_OBJ:.o=.d) $(COV_KOBJ:.o=.d)
-include $(shell find $(BUILD)/fuzz $(BUILD)/tsan -name '*.d' 2>/dev/null)
