# conch - a consistency checker in the spirit of Jepsen.
#
#   make            build ./conch
#   make test       unit tests, case tests, corpus tests (SAN=1: with ASan+UBSan)
#   make bench      benchmarks that print figures
#   make deps       install the Debian packages the build needs (as root)
#
# Objects go to build/ (build/san/ with SAN=1); WERROR=1 makes warnings errors.

CC      ?= cc
PKGS    := libcurl jansson libpcre2-8 libmicrohttpd
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE -pthread -MMD -MP \
           -Wall -Wextra -Wshadow -Wstrict-prototypes
LDLIBS  += -pthread -lm
CORPUS  ?= ../shared/corpus

ifeq ($(WERROR),1)
CFLAGS  += -Werror
endif
ifeq ($(SAN),1)
BUILD   := build/san
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
CONCH   := $(BUILD)/conch
else
BUILD   := build/obj
CONCH   := conch
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS  += $(PKG_CFLAGS)
LDLIBS  := $(PKG_LIBS) $(LDLIBS)

LIB_SRC  := $(wildcard util/*.c histories/*.c models/*.c checker/*.c report/*.c \
                       clients/*.c store/*.c)
CLI_SRC  := $(wildcard cli/*.c)
TEST_SRC := $(wildcard tests/unit/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)

.PHONY: all test unit cases corpus e2e bench deps clean demo fuzz fuzz-smoke

all: $(CONCH)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libconch.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(CONCH): $(CLI_OBJ) $(BUILD)/libconch.a
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/unit-tests: $(TEST_OBJ) $(BUILD)/libconch.a
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $$(pkg-config --libs criterion) $(LDLIBS)

# Criterion runs each test in its own process; --jobs keeps CI time down.
# Under ASan, tests/lsan.supp names the one leak that is libcriterion's own.
unit: $(BUILD)/unit-tests
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp $(BUILD)/unit-tests --jobs 2 --short-filename

cases: $(CONCH)
	CONCH=$(CONCH) sh tests/cases.sh

corpus: $(CONCH)
	CONCH=$(CONCH) CORPUS=$(CORPUS) sh tests/corpus.sh

e2e: $(CONCH)
	CONCH=$(CONCH) sh tests/e2e.sh

test: unit cases corpus e2e

bench: $(CONCH)
	CONCH=$(CONCH) CORPUS=$(CORPUS) sh bench/run.sh

# libFuzzer harnesses for the readers (clang). fuzz-smoke runs each briefly
# with a fixed seed, so a run is repeatable.
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -pthread -O1 -g -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=undefined $(PKG_CFLAGS)
FUZZ_SRC := $(filter-out store/% clients/%,$(LIB_SRC))
build/fuzz/fuzz_read: tests/fuzz/fuzz_read.c $(FUZZ_SRC)
	@mkdir -p build/fuzz
	@echo "  FUZZ    $@"
	@clang $(FUZZ_CFLAGS) -o $@ $^ $(PKG_LIBS) -pthread -lm

build/fuzz/fuzz_json: tests/fuzz/fuzz_json.c $(FUZZ_SRC)
	@mkdir -p build/fuzz
	@echo "  FUZZ    $@"
	@clang $(FUZZ_CFLAGS) -o $@ $^ $(PKG_LIBS) -pthread -lm

build/fuzz/fuzz_change: tests/fuzz/fuzz_change.c $(FUZZ_SRC)
	@mkdir -p build/fuzz
	@echo "  FUZZ    $@"
	@clang $(FUZZ_CFLAGS) -o $@ $^ $(PKG_LIBS) -pthread -lm

fuzz: build/fuzz/fuzz_read build/fuzz/fuzz_json build/fuzz/fuzz_change

fuzz-smoke: build/fuzz/fuzz_read build/fuzz/fuzz_json build/fuzz/fuzz_change
	@mkdir -p build/fuzz/corpus build/fuzz/corpus-json build/fuzz/corpus-change
	build/fuzz/fuzz_read -seed=1 -runs=$${FUZZ_RUNS:-200000} -max_len=2048 \
	    build/fuzz/corpus tests/fuzz/seeds
	build/fuzz/fuzz_json -seed=1 -runs=$${FUZZ_RUNS:-200000} -max_len=512 \
	    build/fuzz/corpus-json tests/fuzz/seeds-json
	build/fuzz/fuzz_change -seed=1 -runs=$${FUZZ_RUNS:-200000} -max_len=2048 \
	    build/fuzz/corpus-change tests/fuzz/seeds-change

demo: $(CONCH)
	./$(CONCH) demo

deps:
	sh scripts/deps.sh

clean:
	rm -rf build conch

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d)
