# SPDX-License-Identifier: BSD-2-Clause
# rcode top-level Makefile.
#
#   make                 build everything into $(BUILD) (default: build/)
#   make test            run every test; userspace tests also once under
#                        AddressSanitizer + UndefinedBehaviorSanitizer
#   make deps            install missing Debian packages (needs root)
#   make demo            the main job (see README)
#   make install         PREFIX=/usr/local DESTDIR=
#   make clean
#
# Sources are found by wildcard: a new rcode2bpf/*.c joins librcode, a new
# loader/*.c joins rloader, a new selftests/test_*.c becomes a test program.

BUILD	?= build
PREFIX	?= /usr/local
DESTDIR	?=
SAN	?=

CC	?= gcc
CFLAGS	?= -O2 -g
WFLAGS	:= -Wall -Wextra -Werror -Wswitch-enum -Wno-missing-field-initializers \
	-Wno-format-truncation
ALL_CFLAGS := -std=gnu11 $(WFLAGS) $(CFLAGS) -Ircode2bpf -Iloader -Iselftests \
	$(shell pkg-config --cflags json-c 2>/dev/null) -MMD -MP
ifneq ($(SAN),)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer \
	-fno-sanitize-recover=undefined
LDSAN := -fsanitize=address,undefined
endif
LDLIBS	:= $(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c)

LIB_SRCS	:= $(sort $(wildcard rcode2bpf/*.c))
LOADER_SRCS	:= $(sort $(wildcard loader/*.c))
TEST_SRCS	:= $(sort $(wildcard selftests/test_*.c))
TESTLIB_SRCS	:= $(sort $(filter-out $(TEST_SRCS),$(wildcard selftests/*.c)))

LIB_OBJS	:= $(LIB_SRCS:%.c=$(BUILD)/%.o)
LOADER_OBJS	:= $(LOADER_SRCS:%.c=$(BUILD)/%.o)
TESTLIB_OBJS	:= $(TESTLIB_SRCS:%.c=$(BUILD)/%.o)
TEST_BINS	:= $(TEST_SRCS:%.c=$(BUILD)/%)

LIBRCODE	:= $(BUILD)/librcode.a
RLOADER		:= $(BUILD)/rloader

.PHONY: all test test-userspace deps demo install clean vm-test bench
all: $(LIBRCODE) $(RLOADER) $(TEST_BINS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBRCODE): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(RLOADER): $(LOADER_OBJS) $(LIBRCODE)
	$(CC) $(LDSAN) -o $@ $(LOADER_OBJS) $(LIBRCODE) $(LDLIBS)

$(BUILD)/selftests/test_%: $(BUILD)/selftests/test_%.o $(TESTLIB_OBJS) $(LIBRCODE)
	$(CC) $(LDSAN) -o $@ $< $(TESTLIB_OBJS) $(LIBRCODE) $(LDLIBS)

# The sanitizer build lives beside the normal one so both stay current.
test: all
	$(MAKE) --no-print-directory BUILD=$(BUILD)/san SAN=1 all
	sh selftests/run.sh --build $(BUILD) --san-build $(BUILD)/san

test-userspace: all
	sh selftests/run.sh --build $(BUILD) --userspace

deps:
	sh scripts/install-deps.sh

demo: all
	sh scripts/demo.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/rcode/examples
	install -m 755 $(RLOADER) $(DESTDIR)$(PREFIX)/bin/rloader
	install -m 644 examples/*.r $(DESTDIR)$(PREFIX)/share/rcode/examples/

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
