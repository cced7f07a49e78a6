# pvrcu: the one entry point. `make demo` and `make check` set up
# everything they need (make deps) and are safe to run again.

SHELL := /bin/bash
TOP := $(CURDIR)
BUILD := $(TOP)/build
export PVRCU_CACHE ?= $(if $(filter 0,$(shell id -u)),/var/cache/pvrcu,$(HOME)/.cache/pvrcu)

CC ?= cc
CFLAGS_HOST := -std=gnu11 -O2 -g -Wall -Wextra -Werror -D_GNU_SOURCE \
	-I$(TOP)/virtio-rcu/include -I$(TOP)/virtio-rcu/device \
	-I$(TOP)/rcu-core/include
LDLIBS_HOST := -pthread

# Written by `make deps`: QEMU_PREFIX, KERNEL_DIR, KERNEL_RELEASE.
-include $(BUILD)/config.mk

RCU_CORE_SRC := $(wildcard rcu-core/src/*.c)
VRCU_DEV_SRC := $(wildcard virtio-rcu/device/*.c)
PVRCUD_SRC := $(wildcard host/pvrcud/*.c)
# host/pvrcuctl is built on its own: it talks to pvrcud only by socket
UNIT_SRC := $(wildcard tests/unit/test_*.c)

.PHONY: all deps host module image demo check unit vm-test harness fresh-check bench soak fuzz fuzz-regress model model-deep install clean help

help:
	@echo "make demo   - set up, boot a VM with pvrcud, show the guest using it"
	@echo "make check  - set up, build (host code with -Werror), run the test suite"
	@echo "make deps | host | module | image | unit | vm-test | clean"
	@echo "make install [PREFIX=/usr/local] [DESTDIR=]"

deps:
	@mkdir -p $(BUILD) $(PVRCU_CACHE)
	@sh images/deps.sh
	@qemu=$$(sh images/qemu/build.sh) && \
	 kdir=$$(sh images/guest-kernel.sh) && \
	 { echo "QEMU_PREFIX := $$qemu"; \
	   echo "KERNEL_DIR := $$kdir"; \
	   echo "KERNEL_RELEASE := $$(cat $$kdir/release)"; } > $(BUILD)/config.mk.new && \
	 mv $(BUILD)/config.mk.new $(BUILD)/config.mk
	@echo "deps: ready ($(PVRCU_CACHE))"

# ---- host side ----------------------------------------------------------

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_HOST) $(EXTRA_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/librcucore.a: $(RCU_CORE_SRC:%.c=$(BUILD)/obj/%.o)
	ar rcs $@ $^

$(BUILD)/libvrcudev.a: $(VRCU_DEV_SRC:%.c=$(BUILD)/obj/%.o)
	ar rcs $@ $^

$(BUILD)/obj/host/pvrcud/%.o: EXTRA_CFLAGS = -I$(QEMU_PREFIX)/include/libvhost-user

$(BUILD)/pvrcud: $(PVRCUD_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/libvrcudev.a $(BUILD)/librcucore.a $(QEMU_PREFIX)/lib/libvhost-user.a
	$(CC) -o $@ $^ $(LDLIBS_HOST)

PVRCUCTL_SRC := $(wildcard host/pvrcuctl/*.c)

# The domain template, built into pvrcuctl as a C string.
$(BUILD)/gen/domain_template.h: host/libvirt/pvrcu-domain.xml.in
	@mkdir -p $(dir $@)
	@{ echo '/* Generated from $< by the Makefile. */'; \
	   echo 'const char domain_xml_template[] ='; \
	   sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/\t"/' -e 's/$$/\\n"/' $<; \
	   echo ';'; } > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/host/pvrcuctl/%.o: EXTRA_CFLAGS = -I$(BUILD)/gen
$(BUILD)/obj/host/pvrcuctl/domain_xml.o: $(BUILD)/gen/domain_template.h

$(BUILD)/pvrcuctl: $(PVRCUCTL_SRC:%.c=$(BUILD)/obj/%.o)
	$(CC) -o $@ $^

host: $(BUILD)/pvrcud $(BUILD)/pvrcuctl

# ---- guest side ---------------------------------------------------------

KBUILD_DIR = /usr/src/linux-headers-$(KERNEL_RELEASE)

module:
	@test -n "$(KERNEL_RELEASE)" || { echo "run make deps first"; exit 1; }
	$(MAKE) -C $(KBUILD_DIR) M=$(TOP)/guest-driver PVRCU_TOP=$(TOP) modules
	@mkdir -p $(BUILD)/guest
	cp guest-driver/*.ko $(BUILD)/guest/

image: module
	sh images/mkinitramfs.sh $(KERNEL_DIR) $(BUILD)/guest $(BUILD)/initramfs.cpio.gz

# ---- install ------------------------------------------------------------
# PREFIX/sbin/pvrcud (also PREFIX/libexec/vhost-user-rcu, with QEMU's
# vhost-user JSON descriptor), PREFIX/bin/pvrcuctl, the project's QEMU in
# PREFIX/lib/pvrcu/qemu, the domain template, man pages; the libvirt hook
# and its settings under /etc; the guest modules' sources for DKMS in
# /usr/src/pvrcu-VERSION. DESTDIR is prepended to every path.

VERSION := 0.1
PREFIX ?= /usr/local
DESTDIR ?=
SYSCONFDIR ?= /etc
LIBVIRT_HOOKDIR ?= /etc/libvirt/hooks
DKMS_SRCDIR ?= /usr/src/pvrcu-$(VERSION)
SBINDIR = $(PREFIX)/sbin
BINDIR = $(PREFIX)/bin
LIBEXECDIR = $(PREFIX)/libexec
DATADIR = $(PREFIX)/share
MANDIR = $(DATADIR)/man
PVRCU_QEMUDIR = $(PREFIX)/lib/pvrcu/qemu
# the guest modules' sources (not Kbuild's generated *.mod.c)
DKMS_GUEST_SRC = $(filter-out %.mod.c,$(wildcard guest-driver/*.c)) $(wildcard guest-driver/*.h)

SUBST = sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@PVRCUD@|$(SBINDIR)/pvrcud|g' \
	-e 's|@LIBEXECDIR@|$(LIBEXECDIR)|g' -e 's|@HOOKDIR@|$(LIBVIRT_HOOKDIR)|g' \
	-e 's|@HOOK_CONF@|$(SYSCONFDIR)/pvrcu/hook.conf|g'

install: host
	@test -x "$(QEMU_PREFIX)/bin/qemu-system-x86_64" || { echo "install: run make deps first"; exit 1; }
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBEXECDIR) \
		$(DESTDIR)$(DATADIR)/qemu/vhost-user $(DESTDIR)$(DATADIR)/pvrcu \
		$(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(PVRCU_QEMUDIR)/bin $(DESTDIR)$(PVRCU_QEMUDIR)/share \
		$(DESTDIR)$(LIBVIRT_HOOKDIR)/qemu.d $(DESTDIR)$(SYSCONFDIR)/pvrcu \
		$(DESTDIR)$(DKMS_SRCDIR)/guest-driver/include $(DESTDIR)$(DKMS_SRCDIR)/virtio-rcu/include
	install -m 755 $(BUILD)/pvrcud $(DESTDIR)$(SBINDIR)/pvrcud
	ln -sfn ../sbin/pvrcud $(DESTDIR)$(LIBEXECDIR)/vhost-user-rcu
	install -m 755 $(BUILD)/pvrcuctl $(DESTDIR)$(BINDIR)/pvrcuctl
	$(SUBST) host/vhost-user/50-pvrcu-rcu.json.in > $(DESTDIR)$(DATADIR)/qemu/vhost-user/50-pvrcu-rcu.json
	install -m 755 $(QEMU_PREFIX)/bin/qemu-system-x86_64 $(DESTDIR)$(PVRCU_QEMUDIR)/bin/
	cp -R $(QEMU_PREFIX)/share/qemu $(DESTDIR)$(PVRCU_QEMUDIR)/share/
	install -m 644 host/libvirt/pvrcu-domain.xml.in $(DESTDIR)$(DATADIR)/pvrcu/
	install -m 644 man/pvrcuctl.1 $(DESTDIR)$(MANDIR)/man1/
	install -m 644 man/pvrcud.8 $(DESTDIR)$(MANDIR)/man8/
	$(SUBST) host/libvirt/pvrcu-hook.in > $(DESTDIR)$(LIBVIRT_HOOKDIR)/qemu.d/pvrcu
	chmod 755 $(DESTDIR)$(LIBVIRT_HOOKDIR)/qemu.d/pvrcu
	@# the settings file is the administrator's once it exists
	test -e $(DESTDIR)$(SYSCONFDIR)/pvrcu/hook.conf || \
		$(SUBST) host/libvirt/hook.conf.in > $(DESTDIR)$(SYSCONFDIR)/pvrcu/hook.conf
	$(SUBST) dkms/dkms.conf.in > $(DESTDIR)$(DKMS_SRCDIR)/dkms.conf
	install -m 644 guest-driver/Kbuild guest-driver/Makefile $(DKMS_GUEST_SRC) \
		$(DESTDIR)$(DKMS_SRCDIR)/guest-driver/
	install -m 644 guest-driver/include/*.h $(DESTDIR)$(DKMS_SRCDIR)/guest-driver/include/
	install -m 644 virtio-rcu/include/*.h $(DESTDIR)$(DKMS_SRCDIR)/virtio-rcu/include/
	@echo "install: done under $(DESTDIR)$(PREFIX); restart libvirtd once so it sees the hook"

# ---- tests --------------------------------------------------------------

TEST_LIB_SRC := $(wildcard tests/lib/*.c tests/torture/torture.c) host/pvrcud/kvm_stats.c
TEST_CFLAGS := -Itests/lib -Itests/torture -Ihost/pvrcud

$(BUILD)/libtestsupport.a: $(TEST_LIB_SRC:%.c=$(BUILD)/obj/%.o)
	ar rcs $@ $^

$(BUILD)/obj/tests/%.o: EXTRA_CFLAGS = $(TEST_CFLAGS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libtestsupport.a $(BUILD)/libvrcudev.a $(BUILD)/librcucore.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_HOST) $(TEST_CFLAGS) -MMD -MP -o $@ $(filter %.c %.o %.a,$^) -lcriterion $(LDLIBS_HOST)

# pvrcuctl's domain-xml generator
$(BUILD)/tests/test_domain_xml: $(BUILD)/obj/host/pvrcuctl/domain_xml.o
$(BUILD)/tests/test_domain_xml: TEST_CFLAGS += -Ihost/pvrcuctl

$(BUILD)/torture-soak: tests/torture/soak.c $(BUILD)/libtestsupport.a $(BUILD)/librcucore.a
	$(CC) $(CFLAGS_HOST) $(TEST_CFLAGS) -o $@ $^ $(LDLIBS_HOST)

soak: $(BUILD)/torture-soak
	$(BUILD)/torture-soak $(or $(SECONDS),600)

UNIT_BINS := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

unit: $(UNIT_BINS)
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t --jobs=1; done

# ---- model checking (spin) --------------------------------------------------

model:
	bash tests/model/run_spin.sh

model-deep:
	bash tests/model/run_spin.sh --deep

# ---- fuzzing (libFuzzer) ------------------------------------------------

FUZZ_TARGETS := request region
FUZZ_CFLAGS := -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
	-I$(TOP)/virtio-rcu/include -I$(TOP)/virtio-rcu/device -I$(TOP)/rcu-core/include
FUZZ_SECONDS ?= 60

$(BUILD)/fuzz/fuzz_request: tests/fuzz/fuzz_request.c $(VRCU_DEV_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^

$(BUILD)/fuzz/fuzz_region: tests/fuzz/fuzz_region.c $(RCU_CORE_SRC)
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -o $@ $^

FUZZ_BINS := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/fuzz_%)

# make check: replay the committed corpus (regression), no new inputs. An
# input that runs 60 s (an engine that loops) fails the replay.
fuzz-regress: $(FUZZ_BINS)
	@set -e -o pipefail; for t in $(FUZZ_TARGETS); do \
		echo "== fuzz corpus replay: $$t"; \
		$(BUILD)/fuzz/fuzz_$$t -runs=0 -timeout=60 tests/fuzz/corpus/$$t 2>&1 | tail -1; \
	done

# make fuzz: explore for FUZZ_SECONDS per target; new inputs land in
# build/fuzz/corpus-TARGET (copy the interesting ones to tests/fuzz/corpus).
fuzz: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_TARGETS); do \
		mkdir -p $(BUILD)/fuzz/corpus-$$t; \
		$(BUILD)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) \
			$(BUILD)/fuzz/corpus-$$t tests/fuzz/corpus/$$t; \
	done

# ---- benchmarks ---------------------------------------------------------

BENCH_SRC := $(wildcard bench/*.c)
BENCH_LIBS := -lurcu-qsbr -lurcu-memb -lurcu-common

$(BUILD)/bench_rcu: $(BENCH_SRC) $(wildcard bench/*.h) $(BUILD)/libtestsupport.a $(BUILD)/librcucore.a
	$(CC) $(CFLAGS_HOST) $(TEST_CFLAGS) -Ibench -o $@ $(filter %.c %.a,$^) $(BENCH_LIBS) $(LDLIBS_HOST)

bench:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory $(BUILD)/bench_rcu
	$(BUILD)/bench_rcu

vm-test: host image
	bash tests/vm/run_vm_tests.sh

# Tests of the harness and the recipes themselves (no VM): tests/harness.
harness:
	bash tests/harness/run.sh

# A fresh Debian root from the machine's apt source, the tree cloned into
# it, `make demo` and `make check` run inside (about 20 minutes; not part
# of make check). Run it after any change to deps, images/ or this file.
fresh-check:
	bash tests/fresh/fresh_check.sh

demo:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory host image
	bash images/demo.sh

check:
	@$(MAKE) --no-print-directory deps
	@$(MAKE) --no-print-directory host image $(UNIT_BINS)
	@$(MAKE) --no-print-directory unit
	@$(MAKE) --no-print-directory fuzz-regress
	@$(MAKE) --no-print-directory model
	@$(MAKE) --no-print-directory harness
	@$(MAKE) --no-print-directory vm-test

clean:
	rm -rf $(BUILD)
	-$(MAKE) -C guest-driver clean 2>/dev/null

-include $(shell find $(BUILD)/obj $(BUILD)/tests -name '*.d' 2>/dev/null)
