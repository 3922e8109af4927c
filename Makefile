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

KCFLAGS := -std=gnu11 -O2 -g -ffreestanding -fno-stack-protector \
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
	kernel/xen/grant/gnt_entries.c \
	drivers/blk/blkif_ring.c drivers/blk/blkif_req.c drivers/blk/blkif_shadow.c \
	drivers/blk/blkif_negot.c drivers/blk/blkif_order.c drivers/blk/blk_pattern.c \
	drivers/blk/blkif_engine.c
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
	setup bench

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

# Benchmarks (tests/kernel/bench.c) on tier 1: numbers, never a verdict
# on speed.
bench: $(KERNEL)
	tools/bench.sh --vcpus $(VCPUS) $(KERNEL)

coverage: $(HOST_BIN)
	find $(BUILD)/host -name '*.gcda' -delete
	$(HOST_BIN) > /dev/null
	lcov --quiet --capture --directory $(BUILD)/host --output-file $(BUILD)/coverage.info
	lcov --quiet --extract $(BUILD)/coverage.info $(addprefix '*/,$(addsuffix ',$(PORTABLE))) --output-file $(BUILD)/coverage.info
	genhtml --quiet $(BUILD)/coverage.info --output-directory $(BUILD)/coverage
	@lcov --summary $(BUILD)/coverage.info
	@echo "coverage report: $(BUILD)/coverage/index.html"

# The user's path: Xen + a Linux dom0 that runs `xl create` (type = "pvh")
# on build/xenling, console attached. Does all set-up on first use.
run: $(BUILD)/.setup-done $(KERNEL)
	tools/run-tier2.sh --vcpus $(VCPUS) --console $(KERNEL)

# The fast loop: Xenling as Xen's PVH dom0.
run-tier1: $(BUILD)/.setup-done $(KERNEL)
	tools/run-tier1.sh --vcpus $(VCPUS) --console $(KERNEL)

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
		$(BUILD)/coverage $(BUILD)/coverage.info $(XENINC_DIR)

-include $(KOBJ:.o=.d) $(HOST_OBJ:.o=.d)
