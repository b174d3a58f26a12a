# conch - a consistency checker in the spirit of Jepsen.
#
#   make            build ./conch, its man pages and bash completion
#   make demo       install what is missing (make deps), build, run the demo
#   make test       the same set-up, then unit, case, corpus and end-to-end tests
#                   (SAN=1: built with ASan+UBSan; SAN=thread: with TSan)
#   make install    the binary, man pages, completion and examples under
#                   $(DESTDIR)$(PREFIX) (PREFIX=/usr/local); make uninstall
#   make bench      benchmarks that print figures
#   make fuzz       every libFuzzer harness for FUZZ_TIME seconds (clang)
#   make fuzz-smoke every harness briefly, with a fixed seed (CI)
#   make deps       install the Debian packages the build needs (as root)
#
# Objects go to build/obj/ (build/san/ with SAN=1, build/tsan/ with
# SAN=thread, build/fuzz/ for the harnesses); WERROR=1 makes warnings errors.
# CFLAGS, CPPFLAGS, LDFLAGS and LDLIBS are the user's: the flags the build
# needs are kept apart (FINAL_*), so `make CFLAGS=-O0` still builds.

VERSION := 0.1.0
CC      ?= cc
PKGS    := libcurl jansson libpcre2-8 libmicrohttpd
CFLAGS  ?= -O2 -g
CORPUS  ?= ../shared/corpus

# The version: a tag vX.Y.Z in a repository gives it (`git describe`);
# without tags, VERSION and the commit; outside a repository, VERSION.
GIT_DESCRIBE := $(shell git describe --tags --always --dirty 2>/dev/null)
ifneq ($(filter v%,$(GIT_DESCRIBE)),)
FULL_VERSION := $(GIT_DESCRIBE:v%=%)
else ifneq ($(GIT_DESCRIBE),)
FULL_VERSION := $(VERSION)-g$(GIT_DESCRIBE)
else
FULL_VERSION := $(VERSION)
endif

WARN        := -Wall -Wextra -Wshadow -Wstrict-prototypes
NEED_CFLAGS := -std=c11 -D_GNU_SOURCE -pthread -MMD -MP
ifeq ($(WERROR),1)
WARN        += -Werror
endif
ifeq ($(SAN),1)
BUILD       := build/san
SAN_CFLAGS  := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
SAN_LDFLAGS := -fsanitize=address,undefined
CONCH       := $(BUILD)/conch
DOC         := $(BUILD)
else ifeq ($(SAN),thread)
BUILD       := build/tsan
SAN_CFLAGS  := -fsanitize=thread -fno-omit-frame-pointer
SAN_LDFLAGS := -fsanitize=thread
CONCH       := $(BUILD)/conch
DOC         := $(BUILD)
# Every TSan report, from any process the tests start (conch serve in the
# background too), goes to a file here; tsan-check fails if there is one.
TSAN_LOGS := $(CURDIR)/build/tsan/reports
export TSAN_OPTIONS = log_path=$(TSAN_LOGS)/tsan second_deadlock_stack=1 history_size=4 \
    suppressions=$(CURDIR)/tests/tsan.supp
else
BUILD       := build/obj
CONCH       := conch
DOC         := build
endif
GEN := $(BUILD)/gen
# How a recipe runs the conch it built (CONCH may be given as an absolute path).
RUN_CONCH = $(if $(filter /%,$(CONCH)),$(CONCH),./$(CONCH))

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
# conch itself links only these: libcurl and libmicrohttpd (and the dozens
# of libraries they need) are loaded by the commands that use them
# (cli/netlib.c), so that the others start in a fraction of the time. The
# unit tests and fuzz harnesses link them all.
CORE_LIBS  := $(shell pkg-config --libs jansson libpcre2-8 2>/dev/null) -ldl
# The sonames cli/netlib.c loads: the ones the libraries found here have.
soname = $(or $(shell for f in "$$(pkg-config --variable=libdir $(1) 2>/dev/null)/$(2).so" \
                                "$$($(CC) -print-file-name=$(2).so)"; do \
                          readelf -d "$$f" 2>/dev/null | \
                          sed -n 's/.*(SONAME).*\[\(.*\)\].*/\1/p' | head -n 1; \
                      done | head -n 1),$(3))

FINAL_CFLAGS  = $(NEED_CFLAGS) $(WARN) $(SAN_CFLAGS) $(PKG_CFLAGS) -I$(GEN) $(TEST_CFLAGS) \
                $(CPPFLAGS) $(CFLAGS)
FINAL_LDFLAGS = -pthread $(SAN_LDFLAGS) $(LDFLAGS)
FINAL_LIBS    = $(PKG_LIBS) -pthread -lm $(LDLIBS)

LIB_SRC  := $(wildcard util/*.c histories/*.c models/*.c checker/*.c report/*.c \
                       clients/*.c store/*.c nemesis/*.c)
CLI_SRC  := $(wildcard cli/*.c)
TEST_SRC := $(wildcard tests/unit/*.c)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ  := $(CLI_SRC:%.c=$(BUILD)/%.o)
TEST_OBJ := $(TEST_SRC:%.c=$(BUILD)/%.o)

# The unit tests link the command line too (its option tables and parser),
# all but main().
CLI_LIB_OBJ := $(filter-out $(BUILD)/cli/main.o,$(CLI_OBJ))

ifeq ($(SAN),thread)
# Criterion's runner cannot start under TSan (tests/unit/tsan/criterion/
# criterion.h says why): the same tests run on a stand-in for it.
TEST_OBJ  += $(BUILD)/tests/unit/tsan/runner.o
TEST_LIBS :=
$(TEST_OBJ): TEST_CFLAGS := -Itests/unit/tsan
UNIT_RUN  := $(BUILD)/unit-tests
else
TEST_LIBS  = $$(pkg-config --libs criterion)
UNIT_RUN  := $(BUILD)/unit-tests --jobs 2 --short-filename
endif

# What `make install` writes, under $(DESTDIR): GNU's names, in capitals.
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
DATADIR     ?= $(PREFIX)/share
MANDIR      ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
INSTALL     ?= install

# The man pages and the completion script are printed by conch itself,
# from its option tables (cli/opt.h). COMMANDS names its commands; the
# install test checks that it names every one `conch --help` lists.
COMMANDS   := check serve run demo gen split merge proxy
MAN_PAGES  := $(DOC)/man/conch.1 $(COMMANDS:%=$(DOC)/man/conch-%.1)
COMPLETION := $(DOC)/conch.bash

.PHONY: all docs test unit cases corpus e2e bench deps clean demo install uninstall \
        fuzz fuzz-build fuzz-smoke tsan-clean tsan-check pkg-check FORCE

all: $(CONCH) docs

# Written only when the version changes, so only cli/version.o rebuilds.
$(GEN)/version.h: FORCE
	@mkdir -p $(GEN)
	@echo '#define CONCH_VERSION "$(FULL_VERSION)"' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
$(BUILD)/cli/version.o: $(GEN)/version.h

$(GEN)/sonames.h: Makefile
	@mkdir -p $(GEN)
	@printf '#define NETLIB_CURL "%s"\n#define NETLIB_MHD "%s"\n' \
	    "$(call soname,libcurl,libcurl,libcurl.so.4)" \
	    "$(call soname,libmicrohttpd,libmicrohttpd,libmicrohttpd.so.12)" >$@
$(BUILD)/cli/netlib.o: $(GEN)/sonames.h

# Without the libraries, say what to do before the compiler says less.
pkg-check:
ifeq ($(PKG_LIBS),)
	@echo "make: pkg-config finds none of $(PKGS): 'make deps' installs what the build" \
	      "needs (make demo and make test do it themselves)" >&2; exit 1
else
	@:
endif

$(BUILD)/%.o: %.c | pkg-check
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(FINAL_CFLAGS) -c -o $@ $<

$(BUILD)/libconch.a: $(LIB_OBJ)
	@rm -f $@
	@ar rcs $@ $^

$(CONCH): $(CLI_OBJ) $(BUILD)/libconch.a
	@echo "  LINK    $@"
	@$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(CORE_LIBS) -pthread -lm $(LDLIBS)

$(BUILD)/unit-tests: $(TEST_OBJ) $(CLI_LIB_OBJ) $(BUILD)/libconch.a
	@echo "  LINK    $@"
	@$(CC) $(FINAL_LDFLAGS) -o $@ $^ $(TEST_LIBS) $(FINAL_LIBS)

docs: $(MAN_PAGES) $(COMPLETION)

$(DOC)/man/conch.1: $(CONCH)
	@mkdir -p $(dir $@)
	@echo "  MAN     $@"
	@$(RUN_CONCH) --man >$@.tmp && mv $@.tmp $@

$(DOC)/man/conch-%.1: $(CONCH)
	@mkdir -p $(dir $@)
	@echo "  MAN     $@"
	@$(RUN_CONCH) $* --man >$@.tmp && mv $@.tmp $@

$(COMPLETION): $(CONCH)
	@echo "  GEN     $@"
	@$(RUN_CONCH) --bash-completion >$@.tmp && mv $@.tmp $@

install: $(CONCH) docs
	$(INSTALL) -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) \
	    $(DESTDIR)$(DATADIR)/conch/examples
	$(INSTALL) -m 755 $(CONCH) $(DESTDIR)$(BINDIR)/conch
	$(INSTALL) -m 644 $(MAN_PAGES) $(DESTDIR)$(MANDIR)/man1
	$(INSTALL) -m 644 $(COMPLETION) $(DESTDIR)$(BASHCOMPDIR)/conch
	$(INSTALL) -m 644 histories/examples/* $(DESTDIR)$(DATADIR)/conch/examples
	@if [ -d specs ]; then \
	    echo "cp -R specs $(DESTDIR)$(DATADIR)/conch/specs"; \
	    rm -rf $(DESTDIR)$(DATADIR)/conch/specs && \
	    cp -R specs $(DESTDIR)$(DATADIR)/conch/specs && \
	    chmod -R u=rwX,go=rX $(DESTDIR)$(DATADIR)/conch/specs; \
	fi

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/conch $(DESTDIR)$(BASHCOMPDIR)/conch \
	    $(MAN_PAGES:$(DOC)/man/%=$(DESTDIR)$(MANDIR)/man1/%)
	rm -rf $(DESTDIR)$(DATADIR)/conch

# Criterion runs each test in its own process; --jobs keeps CI time down.
# Under ASan, tests/lsan.supp names the one leak that is libcriterion's own.
unit: $(BUILD)/unit-tests
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp $(UNIT_RUN)

cases: $(CONCH)
	CONCH=$(CONCH) sh tests/cases.sh

corpus: $(CONCH)
	CONCH=$(CONCH) CORPUS=$(CORPUS) sh tests/corpus.sh

# CONCH_SAN lets the install test install what was built, building nothing.
e2e: $(CONCH) docs
	CONCH=$(CONCH) CONCH_SAN=$(SAN) sh tests/e2e.sh

# The deps step (scripts/deps.sh) runs before the demo and the tests, so
# on a fresh Debian machine they are the whole set-up; its stamp makes it
# free once everything is there. Their work is a second make, which finds
# the libraries with pkg-config now that they are installed.
DEPS_STAMP := build/deps.stamp
$(DEPS_STAMP): scripts/deps.sh
	@sh scripts/deps.sh
	@mkdir -p $(dir $@) && touch $@

deps:
	sh scripts/deps.sh

ifeq ($(SAN),thread)
# The suites run in order between emptying the report folder and looking
# into it: a race in any process fails the run, even in a server that a test
# stops with a signal (its exit code is not looked at).
SUITES := tsan-check
tsan-check: tsan-clean
	@$(MAKE) --no-print-directory unit cases corpus e2e SAN=thread || status=$$?; \
	if ls $(TSAN_LOGS)/tsan* >/dev/null 2>&1; then \
	    echo "tsan: $$(cat $(TSAN_LOGS)/tsan* | grep -c '^WARNING: ThreadSanitizer') reports:"; \
	    cat $(TSAN_LOGS)/tsan*; exit 1; \
	fi; \
	echo "tsan: no reports"; exit $${status:-0}
tsan-clean:
	@rm -rf $(TSAN_LOGS) && mkdir -p $(TSAN_LOGS)
else
SUITES := unit cases corpus e2e
endif

test: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory $(SUITES)

demo: $(DEPS_STAMP)
	@$(MAKE) --no-print-directory $(CONCH)
	$(RUN_CONCH) demo

bench: $(CONCH)
	CONCH=$(CONCH) CORPUS=$(CORPUS) sh bench/run.sh

# libFuzzer harnesses (clang): every tests/fuzz/fuzz_NAME.c is one, linked
# with the library built again for fuzzing. tests/fuzz/run.sh runs them:
# `make fuzz` each for FUZZ_TIME seconds, printing execs and CPU time;
# `make fuzz-smoke` each for FUZZ_RUNS inputs with a fixed seed, so a run
# is repeatable. tests/fuzz/fuzz_NAME.options, where present, holds the
# harness's own libFuzzer flags and seed folders.
FUZZ_CC     ?= clang
FUZZ_TIME   ?= 60
FUZZ_RUNS   ?= 20000
FUZZ_CFLAGS := -std=c11 -D_GNU_SOURCE -pthread -MMD -MP -O1 -g -fno-omit-frame-pointer \
               -fsanitize=address,undefined -fno-sanitize-recover=undefined $(PKG_CFLAGS)
FUZZ_OBJ    := $(LIB_SRC:%.c=build/fuzz/obj/%.o)
FUZZ_BINS   := $(patsubst tests/fuzz/%.c,build/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

build/fuzz/libconch.a: $(FUZZ_OBJ)
	@rm -f $@
	@ar rcs $@ $^

build/fuzz/fuzz_%: tests/fuzz/fuzz_%.c build/fuzz/libconch.a
	@echo "  FUZZ    $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< build/fuzz/libconch.a $(PKG_LIBS) -lm

fuzz-build: $(FUZZ_BINS)

fuzz: $(FUZZ_BINS)
	bash tests/fuzz/run.sh time $(FUZZ_TIME) $(FUZZ_BINS)

fuzz-smoke: $(FUZZ_BINS)
	bash tests/fuzz/run.sh runs $(FUZZ_RUNS) $(FUZZ_BINS)

clean:
	rm -rf build conch

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(TEST_OBJ:.o=.d) $(FUZZ_OBJ:.o=.d) \
         $(FUZZ_BINS:=.d)
