# SPDX-License-Identifier: BSD-2-Clause
# rcode top-level Makefile.
#
#   make                 build everything into $(BUILD) (default: build/)
#   make test            run every test; userspace tests also once under
#                        AddressSanitizer + UndefinedBehaviorSanitizer
#   make deps            install missing Debian packages (needs root)
#   make fresh-check     the install and build on a fresh Debian 12 root
#   make fuzz            the libFuzzer harnesses, FUZZ_SECONDS each
#   make demo            the main job (see README)
#   make install         PREFIX=/usr/local DESTDIR= (ldconfig when DESTDIR is empty)
#   make uninstall       the same PREFIX and DESTDIR: removes what install put
#   make man             the man pages, from docs/ and rloader's tables (pandoc)
#   make clean
#
# Sources are found by wildcard: a new rcode2bpf/*.c joins the R-code
# toolchain, a new userlib/*.c the kernel-facing library, a new loader/*.c
# joins rloader, a new selftests/test_*.c becomes a test program, and a new
# bpf/*.bpf.c or bpf/ref/*.bpf.c becomes a BPF object under $(BUILD)/bpf/
# that is also embedded into the userspace binaries (see bpf/embed.sh), so
# rloader needs no object files at run time: bpf/rc_*.bpf.c into librcode,
# the others (baselines, test programs) only into tests, tools and benches; a userlib/*.r (a handler the
# library installs itself) is embedded into librcode as text (embed.sh's
# text set).
#
# librcode is the toolchain and the library together, built twice: as
# librcode.a, which rloader, the tests and the benchmarks link (they also
# use what rcode_private.h declares), and as librcode.so.1, which exports
# only the public API listed in userlib/librcode.map (docs/userlib.md).
# librcode2bpf.a is the toolchain alone, for the traffic tools.

BUILD	?= build
PREFIX	?= /usr/local
DESTDIR	?=
SAN	?=

CC	?= gcc
CFLAGS	?= -O2 -g
WFLAGS	:= -Wall -Wextra -Werror -Wswitch-enum -Wno-missing-field-initializers \
	-Wno-format-truncation
# What pkg-config says is read when a recipe first needs it, not when the
# Makefile is read: 'make deps all' installs json-c and the others in its
# first goal, so a value taken at parse time would miss them on a fresh
# machine.  'lazy NAME,COMMAND' defines NAME to run COMMAND once, on first
# use, and keep its output.
lazy = $(eval $(1) = $$(eval $(1) := $$$$(shell $(2)))$$($(1)))
$(call lazy,PKG_CFLAGS,pkg-config --cflags json-c 2>/dev/null)
$(call lazy,PKG_LIBS,pkg-config --libs libxdp libbpf json-c 2>/dev/null || \
	echo -lxdp -lbpf -ljson-c)
$(call lazy,PKG_SO_LIBS,pkg-config --libs libxdp libbpf 2>/dev/null || \
	echo -lxdp -lbpf)
ALL_CFLAGS = -std=gnu11 $(WFLAGS) $(CFLAGS) -fPIC -Ircode2bpf -Iuserlib -Iloader \
	-Iselftests -Ibpf -I$(BUILD)/bpf $(PKG_CFLAGS) -MMD -MP
ifneq ($(SAN),)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
LDSAN := -fsanitize=address,undefined
endif
LDLIBS	= $(PKG_LIBS) -lelf -lz
SO_LDLIBS = $(PKG_SO_LIBS)

CLANG	?= clang
BPF_CFLAGS := -O2 -g -target bpf -Wall -Werror -Ibpf \
	-I/usr/include/$(shell uname -m)-linux-gnu

LIB_SRCS	:= $(sort $(wildcard rcode2bpf/*.c))
ULIB_SRCS	:= $(sort $(wildcard userlib/*.c))
LOADER_SRCS	:= $(sort $(wildcard loader/*.c))
BPF_SRCS	:= $(sort $(wildcard bpf/*.bpf.c bpf/ref/*.bpf.c))
TEST_SRCS	:= $(sort $(wildcard selftests/test_*.c))
TESTLIB_SRCS	:= $(sort $(filter-out $(TEST_SRCS),$(wildcard selftests/*.c)))

LIB_OBJS	:= $(LIB_SRCS:%.c=$(BUILD)/%.o)
ULIB_OBJS	:= $(ULIB_SRCS:%.c=$(BUILD)/%.o)
BPF_OBJS	:= $(BPF_SRCS:%.bpf.c=$(BUILD)/%.bpf.o)
# The library's BPF objects, and the ones only tests and benches load
LIB_BPF_OBJS	:= $(filter $(BUILD)/bpf/rc_%,$(BPF_OBJS))
TEST_BPF_OBJS	:= $(filter-out $(LIB_BPF_OBJS),$(BPF_OBJS))
EMBED_OBJ	:= $(BUILD)/bpf/embedded.o
EMBED_TEST_OBJ	:= $(BUILD)/bpf/embedded_test.o
# R-code handlers the library installs by itself (userlib/*.r, and the
# collectives' handler compiled from C by rcc at build time), as text
ULIB_R		:= $(sort $(wildcard userlib/*.r)) $(BUILD)/userlib/coll.r
RTEXT_OBJ	:= $(BUILD)/userlib/rtext.o
LOADER_OBJS	:= $(LOADER_SRCS:%.c=$(BUILD)/%.o)
TESTLIB_OBJS	:= $(TESTLIB_SRCS:%.c=$(BUILD)/%.o)
TEST_BINS	:= $(TEST_SRCS:%.c=$(BUILD)/%)
# Standalone tools the shell tests and the demo run (traffic senders,
# collectives' members): each selftests/tools/*.c is one program, linked
# with the libraries.
TOOL_SRCS	:= $(sort $(wildcard selftests/tools/*.c))
TOOL_BINS	:= $(TOOL_SRCS:%.c=$(BUILD)/%)

LIBRCODE2BPF	:= $(BUILD)/librcode2bpf.a
LIBRCODE	:= $(BUILD)/librcode.a
RLOADER		:= $(BUILD)/rloader
LIBS		:= $(LIBRCODE)

# The C front end (rcc/, docs/c-handlers.md) needs libclang's C API 17 or
# later; it is built only where that header exists, so nothing else in
# rcode depends on LLVM.  Its objects live in $(BUILD)/obj-rcc, since
# $(BUILD)/rcc is the tool.  -Wswitch-enum guards the opcode table; rcc
# switches over libclang's enums of hundreds of kinds it refuses by default.
LLVM_DIR	?= /usr/lib/llvm-19
RCC		:= $(BUILD)/rcc
RCC_SRCS	:= $(sort $(wildcard rcc/*.c))
RCC_OBJS	:= $(RCC_SRCS:rcc/%.c=$(BUILD)/obj-rcc/%.o)
# Whether the header is there is asked when 'all' is made, not when the
# Makefile is read: 'make deps all' installs it in its first goal.
RCC_TARGET	:= rcc-if-libclang

# One version for the whole project, in the file VERSION: rloader -V,
# librcode's file name and soname, and librcode.pc all take it from here.
# The soname changes with the major version, which changes when the API
# breaks; RCODE_1.0 in librcode.map is its first symbol version.
VERSION		:= $(shell cat VERSION)
SO_MAJOR	:= $(firstword $(subst ., ,$(VERSION)))
SO_VERSION	:= $(VERSION)
SONAME		:= librcode.so.$(SO_MAJOR)
LIBRCODE_SO	:= $(BUILD)/librcode.so.$(SO_VERSION)
LIBRCODE_MAP	:= userlib/librcode.map
LIBDIR		?= $(PREFIX)/lib
INCLUDEDIR	?= $(PREFIX)/include
# What <rcode/...> holds: every header a public header includes.
PUB_HDRS	:= userlib/librcode.h userlib/rcode_handler.h bpf/rc_abi.h \
	rcode2bpf/rcode.h rcode2bpf/rc_opcodes.def rcode2bpf/rc_diag.h \
	rcode2bpf/rc_xlate.h

.PHONY: all test test-userspace deps demo install uninstall man clean \
	vm-test bench bench-mpi fresh-check soak
# Objects are never intermediate: keep them for incremental builds.
.SECONDARY:
all: $(BPF_OBJS) $(LIBS) $(LIBRCODE2BPF) $(LIBRCODE_SO) $(RLOADER) \
	$(TEST_BINS) $(TOOL_BINS) $(RCC_TARGET)

.PHONY: rcc-if-libclang
rcc-if-libclang:
	@if [ -f $(LLVM_DIR)/include/clang-c/Index.h ]; then \
		$(MAKE) --no-print-directory $(RCC); \
	else \
		echo "rcc: not built: no $(LLVM_DIR)/include/clang-c/Index.h (make deps installs libclang-19-dev)"; \
	fi

$(BUILD)/obj-rcc/%.o: rcc/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-switch-enum -I$(LLVM_DIR)/include -c $< -o $@

$(RCC): $(RCC_OBJS) $(LIBRCODE2BPF)
	$(CC) $(LDSAN) -o $@ $(RCC_OBJS) $(LIBRCODE2BPF) -L$(LLVM_DIR)/lib \
		-Wl,-rpath,$(LLVM_DIR)/lib -lclang

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# Userspace objects that include the embedded-object index need it first.
$(ULIB_OBJS) $(LOADER_OBJS) $(TEST_SRCS:%.c=$(BUILD)/%.o): $(BUILD)/bpf/embedded.h

$(BUILD)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h bpf/ref/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@

# One recipe writes both files; the header follows the source so that
# 'make -j' runs it once.
$(BUILD)/bpf/embedded.c: $(LIB_BPF_OBJS) bpf/embed.sh
	sh bpf/embed.sh $(BUILD)/bpf lib $(LIB_BPF_OBJS)
$(BUILD)/bpf/embedded.h: $(BUILD)/bpf/embedded.c ;
$(BUILD)/bpf/embedded_test.c: $(TEST_BPF_OBJS) bpf/embed.sh
	sh bpf/embed.sh $(BUILD)/bpf test $(TEST_BPF_OBJS)

# (A static pattern: in 'embedded%.o' the stem could not be empty.)
$(EMBED_OBJ) $(EMBED_TEST_OBJ): %.o: %.c $(BUILD)/bpf/embedded.h
	$(CC) $(ALL_CFLAGS) -c $< -o $@

# The collectives' handler is written once in C (userlib/coll/coll.c):
# rcc compiles it here, so librcode carries R-code text and never needs
# libclang; the .loc lines go, since at run time no C file is there to
# name (test_coll_diff checks the result against the natively built one).
$(BUILD)/userlib/coll.r: userlib/coll/coll.c userlib/coll/coll_abi.h \
		rcc/include/rcode.h $(RCC)
	@mkdir -p $(dir $@)
	$(RCC) -o $@.tmp userlib/coll/coll.c 2>$@.log || { cat $@.log >&2; exit 1; }
	sed '/^\.loc /d' $@.tmp > $@ && rm -f $@.tmp

$(BUILD)/userlib/rtext.c: $(ULIB_R) bpf/embed.sh
	sh bpf/embed.sh $(BUILD)/userlib text $(ULIB_R)

$(RTEXT_OBJ): $(BUILD)/userlib/rtext.c $(BUILD)/bpf/embedded.h
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBRCODE2BPF): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(LIBRCODE): $(LIB_OBJS) $(ULIB_OBJS) $(EMBED_OBJ) $(RTEXT_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(LIBRCODE_SO): $(LIB_OBJS) $(ULIB_OBJS) $(EMBED_OBJ) $(RTEXT_OBJ) $(LIBRCODE_MAP)
	$(CC) $(LDSAN) -shared -Wl,-soname,$(SONAME) \
		-Wl,--version-script=$(LIBRCODE_MAP) -Wl,--no-undefined \
		-o $@ $(filter %.o,$^) $(SO_LDLIBS)
	ln -sf $(notdir $@) $(BUILD)/$(SONAME)
	ln -sf $(SONAME) $(BUILD)/librcode.so


# rloader -V says VERSION: rebuild what prints it when it changes.
$(BUILD)/loader/rloader.o: VERSION
$(BUILD)/loader/rloader.o: ALL_CFLAGS += -DRCODE_VERSION='"$(VERSION)"'

$(RLOADER): $(LOADER_OBJS) $(LIBS)
	$(CC) $(LDSAN) -o $@ $(LOADER_OBJS) $(LIBS) $(LDLIBS)

$(BUILD)/selftests/test_%: $(BUILD)/selftests/test_%.o $(TESTLIB_OBJS) $(EMBED_TEST_OBJ) $(LIBS)
	$(CC) $(LDSAN) -o $@ $< $(TESTLIB_OBJS) $(EMBED_TEST_OBJ) $(LIBS) $(LDLIBS)

$(TOOL_SRCS:%.c=$(BUILD)/%.o): $(BUILD)/bpf/embedded.h

$(BUILD)/selftests/tools/%: $(BUILD)/selftests/tools/%.o $(EMBED_TEST_OBJ) $(LIBS)
	$(CC) $(LDSAN) -o $@ $< $(EMBED_TEST_OBJ) $(LIBS) $(LDLIBS) -lm -lpthread

# The sanitizer build lives beside the normal one so both stay current.
test: all fuzz-build
	$(MAKE) --no-print-directory BUILD=$(BUILD)/san SAN=1 all
	sh selftests/run.sh --build $(BUILD) --san-build $(BUILD)/san

test-userspace: all
	sh selftests/run.sh --build $(BUILD) --userspace

# The selftests in a VM on Debian's kernel, JIT on and off (vm-images/README.md).
vm-test: all
	sh vm-images/run-vm.sh --build $(BUILD)

deps:
	sh scripts/install-deps.sh

# The README's first command's install and build in a freshly bootstrapped
# Debian 12 root, then the offline checks (scripts/fresh-check.sh).
fresh-check:
	sh scripts/fresh-check.sh

demo: all
	sh scripts/demo.sh $(BUILD)

# Man pages (scripts/mkman.sh, pandoc): rloader(8) from each verb's own
# option table ('rloader -j CMD --help') and docs/rloader.md, librcode(3)
# from docs/userlib.md, rcode(7) from docs/rcode.md, so that they say
# what the tool and the documents say.
MAN_PAGES	:= $(BUILD)/man/rloader.8 $(BUILD)/man/librcode.3 $(BUILD)/man/rcode.7
man: $(MAN_PAGES)
$(BUILD)/man/rloader.8: $(RLOADER) docs/rloader.md scripts/mkman.sh VERSION
	sh scripts/mkman.sh rloader $(RLOADER) $(VERSION) $@
$(BUILD)/man/librcode.3: docs/userlib.md scripts/mkman.sh VERSION
	sh scripts/mkman.sh librcode $(RLOADER) $(VERSION) $@
$(BUILD)/man/rcode.7: docs/rcode.md scripts/mkman.sh VERSION
	sh scripts/mkman.sh rcode $(RLOADER) $(VERSION) $@

# rloader is linked with librcode.a, so it runs without the library
# installed; applications use the headers, the libraries and librcode.pc,
# which is written here for this PREFIX.  Installing into the real root
# (no DESTDIR) runs ldconfig, so that librcode.so.N is found at once.
MANDIR		?= $(PREFIX)/share/man
COMPLDIR	?= $(PREFIX)/share/bash-completion/completions
install: all man
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/rcode/examples \
		$(DESTDIR)$(INCLUDEDIR)/rcode $(DESTDIR)$(LIBDIR)/pkgconfig \
		$(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man3 $(DESTDIR)$(MANDIR)/man7 \
		$(DESTDIR)$(COMPLDIR)
	install -m 755 $(RLOADER) $(DESTDIR)$(PREFIX)/bin/rloader
	install -d $(DESTDIR)$(PREFIX)/share/rcode/include
	install -m 644 rcc/include/rcode.h $(DESTDIR)$(PREFIX)/share/rcode/include/
	install -m 644 examples/*.c $(DESTDIR)$(PREFIX)/share/rcode/examples/
	if [ -x $(RCC) ]; then install -m 755 $(RCC) $(DESTDIR)$(PREFIX)/bin/rcc; fi
	install -m 644 examples/*.r $(DESTDIR)$(PREFIX)/share/rcode/examples/
	install -m 644 $(PUB_HDRS) $(DESTDIR)$(INCLUDEDIR)/rcode/
	install -m 755 $(LIBRCODE_SO) $(DESTDIR)$(LIBDIR)/
	ln -sf $(notdir $(LIBRCODE_SO)) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/librcode.so
	install -m 644 $(LIBRCODE) $(DESTDIR)$(LIBDIR)/
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
	    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(VERSION)|' \
	    userlib/librcode.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/librcode.pc
	install -m 644 $(BUILD)/man/rloader.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 644 $(BUILD)/man/librcode.3 $(DESTDIR)$(MANDIR)/man3/
	install -m 644 $(BUILD)/man/rcode.7 $(DESTDIR)$(MANDIR)/man7/
	install -m 644 scripts/rloader.bash-completion $(DESTDIR)$(COMPLDIR)/rloader
	$(if $(DESTDIR),,ldconfig)

# Exactly what install put there, and the directories only rcode uses
# (include/rcode, share/rcode) if that leaves them empty; shared ones
# (bin, lib, man8, ...) stay.
uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/rloader $(DESTDIR)$(PREFIX)/bin/rcc \
		$(addprefix $(DESTDIR)$(PREFIX)/share/rcode/examples/,$(notdir $(wildcard examples/*.r examples/*.c))) \
		$(DESTDIR)$(PREFIX)/share/rcode/include/rcode.h \
		$(addprefix $(DESTDIR)$(INCLUDEDIR)/rcode/,$(notdir $(PUB_HDRS))) \
		$(DESTDIR)$(LIBDIR)/$(notdir $(LIBRCODE_SO)) $(DESTDIR)$(LIBDIR)/$(SONAME) \
		$(DESTDIR)$(LIBDIR)/librcode.so $(DESTDIR)$(LIBDIR)/librcode.a \
		$(DESTDIR)$(LIBDIR)/pkgconfig/librcode.pc \
		$(DESTDIR)$(MANDIR)/man8/rloader.8 $(DESTDIR)$(MANDIR)/man3/librcode.3 \
		$(DESTDIR)$(MANDIR)/man7/rcode.7 $(DESTDIR)$(COMPLDIR)/rloader
	-rmdir $(DESTDIR)$(INCLUDEDIR)/rcode $(DESTDIR)$(PREFIX)/share/rcode/examples \
		$(DESTDIR)$(PREFIX)/share/rcode/include $(DESTDIR)$(PREFIX)/share/rcode \
		2>/dev/null
	$(if $(DESTDIR),,ldconfig)

# Benchmarks: bench/bench_*.c are programs, the other bench/*.c their
# shared code.  Neither 'all' nor 'test' builds or runs them.
BENCH_SRCS	:= $(sort $(wildcard bench/bench_*.c))
BENCH_LIB_OBJS	:= $(patsubst %.c,$(BUILD)/%.o,$(sort $(filter-out \
	$(BENCH_SRCS),$(wildcard bench/*.c))))
BENCH_BINS	:= $(BENCH_SRCS:%.c=$(BUILD)/%)

$(BENCH_SRCS:%.c=$(BUILD)/%.o) $(BENCH_LIB_OBJS): $(BUILD)/bpf/embedded.h

$(BUILD)/bench/bench_%: $(BUILD)/bench/bench_%.o $(BENCH_LIB_OBJS) $(EMBED_TEST_OBJ) $(LIBS)
	$(CC) $(LDSAN) -o $@ $< $(BENCH_LIB_OBJS) $(EMBED_TEST_OBJ) $(LIBS) $(LDLIBS) -lm

# The OSU-method loop on MPI (bench/osu/), for bench/osu.sh: built with
# each MPI's own compiler wrapper where it is installed (Debian's
# openmpi-bin + libopenmpi-dev, mpich + libmpich-dev:
# scripts/install-deps.sh --bench), and left out where it is not.
MPICC_OPENMPI	?= $(shell command -v mpicc.openmpi 2>/dev/null)
MPICC_MPICH	?= $(shell command -v mpicc.mpich 2>/dev/null)
OSU_MPI_BINS	:= $(if $(MPICC_OPENMPI),$(BUILD)/bench/osu_coll_mpi.openmpi) \
		   $(if $(MPICC_MPICH),$(BUILD)/bench/osu_coll_mpi.mpich)

$(BUILD)/bench/osu_coll_mpi.openmpi: bench/osu/osu_coll_mpi.c bench/osu/osu_loop.h
	@mkdir -p $(dir $@)
	$(MPICC_OPENMPI) -std=gnu11 -O2 -Wall -Wextra -o $@ $<

$(BUILD)/bench/osu_coll_mpi.mpich: bench/osu/osu_coll_mpi.c bench/osu/osu_loop.h
	@mkdir -p $(dir $@)
	$(MPICC_MPICH) -std=gnu11 -O2 -Wall -Wextra -o $@ $<

bench-mpi: $(OSU_MPI_BINS)

bench: $(BPF_OBJS) $(BENCH_BINS) $(OSU_MPI_BINS)
	sh bench/run.sh $(BUILD)

# libFuzzer harnesses (fuzz/fuzz_*.c), with AddressSanitizer and
# UndefinedBehaviorSanitizer, over the library built again with clang
# for coverage.  'make fuzz FUZZ_SECONDS=N' runs each for N seconds from
# its seed corpus (fuzz/corpus/NAME/); the suite runs each for 30 s
# (selftests/test_fuzz.sh).  fuzz/README.md says what each checks.
FUZZ_SRCS	:= $(sort $(filter-out fuzz/fuzz_rcc.c,$(wildcard fuzz/fuzz_*.c)))
FUZZ_BINS	:= $(FUZZ_SRCS:fuzz/%.c=$(BUILD)/fuzz/%)
# The C front end's harness links libclang, and is built, as rcc is,
# when its header is there at the time (fuzz-rcc-if-libclang).
FUZZ_RCC_OBJS	:= $(patsubst rcc/%.c,$(BUILD)/fuzz/obj-rcc/%.o,$(filter-out \
	rcc/rcc_main.c,$(RCC_SRCS)))
FUZZ_LIB_OBJS	:= $(patsubst %.c,$(BUILD)/fuzz/obj/%.o,$(LIB_SRCS) $(ULIB_SRCS)) \
	$(BUILD)/fuzz/obj/embedded.o $(BUILD)/fuzz/obj/rtext.o
FUZZ_CFLAGS	= -std=gnu11 -g -O1 -fno-omit-frame-pointer \
	-fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-Ircode2bpf -Iuserlib -Ibpf -I$(BUILD)/bpf $(PKG_CFLAGS)
FUZZ_SECONDS	?= 60
.PHONY: fuzz fuzz-build
fuzz-build: $(FUZZ_BINS) fuzz-rcc-if-libclang

.PHONY: fuzz-rcc-if-libclang
fuzz-rcc-if-libclang:
	@if [ -f $(LLVM_DIR)/include/clang-c/Index.h ]; then \
		$(MAKE) --no-print-directory $(BUILD)/fuzz/fuzz_rcc; \
	else \
		echo "fuzz_rcc: not built: no $(LLVM_DIR)/include/clang-c/Index.h"; \
	fi
$(BUILD)/fuzz/obj-rcc/%.o: rcc/%.c
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -I$(LLVM_DIR)/include -fsanitize=fuzzer-no-link -c $< -o $@
$(BUILD)/fuzz/fuzz_rcc: fuzz/fuzz_rcc.c fuzz/fuzz_common.h $(FUZZ_RCC_OBJS) $(FUZZ_LIB_OBJS)
	$(CLANG) $(FUZZ_CFLAGS) -Ircc -I$(LLVM_DIR)/include -fsanitize=fuzzer $< \
		$(FUZZ_RCC_OBJS) $(FUZZ_LIB_OBJS) -o $@ $(LDLIBS) \
		-L$(LLVM_DIR)/lib -Wl,-rpath,$(LLVM_DIR)/lib -lclang

$(BUILD)/fuzz/obj/%.o: %.c $(BUILD)/bpf/embedded.h
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@
$(BUILD)/fuzz/obj/embedded.o: $(BUILD)/bpf/embedded.c
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@
$(BUILD)/fuzz/obj/rtext.o: $(BUILD)/userlib/rtext.c $(BUILD)/bpf/embedded.h
	@mkdir -p $(dir $@)
	$(CLANG) $(FUZZ_CFLAGS) -c $< -o $@
$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/fuzz_common.h $(FUZZ_LIB_OBJS)
	$(CLANG) $(FUZZ_CFLAGS) -fsanitize=fuzzer $< $(FUZZ_LIB_OBJS) \
		-o $@ $(LDLIBS)

fuzz: fuzz-build
	RC_FUZZ_SECONDS=$(FUZZ_SECONDS) sh selftests/test_fuzz.sh --build $(BUILD)

# The generated-program soak (selftests/test_priv_gen.c): SOAK_N programs
# from SOAK_SEED on the reference and the translation, the interpreter and
# inline loops on every SOAK_EVERY-th; the figures go to
# bench/results/soak.json and soak.md; then every fuzzer for FUZZ_SECONDS.
# Needs root.
SOAK_N		?= 100000
SOAK_SEED	?= 0x50a6
SOAK_EVERY	?= 1
soak: all fuzz-build
	mkdir -p bench/results
	RC_GEN_N=$(SOAK_N) RC_GEN_SEED=$(SOAK_SEED) RC_GEN_EVERY=$(SOAK_EVERY) \
		RC_GEN_REPORT=bench/results $(BUILD)/selftests/test_priv_gen
	RC_FUZZ_SECONDS=$(FUZZ_SECONDS) sh selftests/test_fuzz.sh --build $(BUILD)

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
