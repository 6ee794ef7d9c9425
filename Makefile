# tlsrptd - SMTP TLS Reporting (RFC 8460) receiver
# Targets: all check asan valgrind faults faults-asan fuzz bench install deps
#          run rehearse clean

VERSION   = 0.1.0
PREFIX   ?= /usr/local
SYSCONFDIR ?= /etc
UNITDIR  ?= $(PREFIX)/lib/systemd/system
DESTDIR  ?=
BUILD    ?= build
CC       ?= cc
FUZZ_CC  ?= clang
FUZZ_SECONDS ?= 20

PKGS      = json-c zlib sqlite3 libevent libevent_pthreads libevent_openssl openssl \
            libsystemd libcrypt libpsl opendkim
# Compiled against but not linked, loaded when first needed
# (src/base/dl_lib.c): libpq when a PostgreSQL store is opened
# (src/store/pq_lib.c), libarchive at the first zip archive
# (src/stages/archive_lib.c).
DLPKGS    = libpq libarchive
# Read when make starts: so the targets that install the packages first
# (check, run, asan, valgrind, faults, bench, fuzz) build in a sub-make.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) $(DLPKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
PKG_DL     := $(shell pkg-config --exists $(DLPKGS) 2>/dev/null && echo ok)
PKG_MISSING := $(if $(PKG_LIBS),,$(PKGS))$(if $(PKG_DL),, $(DLPKGS))

CFLAGS   ?= -O2 -g
WARN      = -Wall -Wextra -Wshadow -Wpointer-arith -Wstrict-prototypes \
            -Wmissing-prototypes -Wno-unused-parameter
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE -DTLSRPTD_VERSION='"$(VERSION)"' \
             -iquote include $(PKG_CFLAGS) $(WARN) $(CFLAGS)
LIBS      = $(PKG_LIBS) -lmilter -lresolv -lpthread -lm

# src/ holds main.c and one folder per part (docs/architecture.md): the ways
# in, the stages, the store, the core, the web view, the subcommands and the
# base. Every src/*/*.c forms the library that tests and fuzzers link;
# tests/ has the same folders, a unit test beside its module's part.
PARTS     = in stages store core web cmd base
LIB_SRC   = $(wildcard $(PARTS:%=src/%/*.c))
LIB_OBJ   = $(LIB_SRC:src/%.c=$(BUILD)/obj/%.o)
TEST_SRC  = $(wildcard $(PARTS:%=tests/%/test_*.c))
TEST_BIN  = $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
FUZZ_SRC  = $(wildcard fuzz/*_fuzzer.c)
FUZZ_BIN  = $(FUZZ_SRC:fuzz/%.c=$(BUILD)/fuzz/%)
REPLAY_BIN = $(FUZZ_SRC:fuzz/%_fuzzer.c=$(BUILD)/replay/%)

.PHONY: all check unit-check cli-check asan valgrind faults faults-asan \
        rehearse fuzz fuzz-build valgrind-run faults-run \
        bench install deps deps-build run clean

all: $(BUILD)/tlsrptd

deps:
	@tools/deps.sh all

deps-build:
	@tools/deps.sh build

$(BUILD)/obj/%.o: src/%.c $(wildcard include/*.h) | $(BUILD)/obj
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# tr_schema_fresh (include/schema.h): the SQLite schema at its latest
# version as one text, printed by a program that runs the migrations
GEN_OBJ   = $(BUILD)/obj/gen/schema_fresh.o
$(BUILD)/schema_gen: tools/schema_gen.c $(BUILD)/obj/store/schema.o \
    $(BUILD)/obj/base/error.o
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS) $(LDFLAGS)

$(BUILD)/gen/schema_fresh.c: $(BUILD)/schema_gen
	@mkdir -p $(@D)
	$(BUILD)/schema_gen > $@.tmp
	mv $@.tmp $@

$(GEN_OBJ): $(BUILD)/gen/schema_fresh.c include/schema.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/libtlsrptd.a: $(LIB_OBJ) $(GEN_OBJ)
	rm -f $@
	ar rcs $@ $^

$(BUILD)/tlsrptd: $(BUILD)/obj/main.o $(BUILD)/libtlsrptd.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS) $(LDFLAGS)

$(BUILD)/tests/%: tests/%.c $(wildcard tests/*.h) $(BUILD)/libtlsrptd.a | $(BUILD)/tests
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -iquote tests -DTESTDIR='"$(CURDIR)/tests"' -o $@ $< \
	    $(BUILD)/libtlsrptd.a $(LIBS) -lcmocka $(LDFLAGS)

# a harness linked with fuzz/replay.c instead of libFuzzer
$(BUILD)/replay/%: fuzz/%_fuzzer.c fuzz/replay.c $(BUILD)/libtlsrptd.a | $(BUILD)/replay
	$(CC) $(ALL_CFLAGS) -o $@ fuzz/replay.c $< $(BUILD)/libtlsrptd.a \
	    $(LIBS) $(LDFLAGS)

$(BUILD)/obj $(BUILD)/tests $(BUILD)/fuzz $(BUILD)/replay:
	@[ -z "$(PKG_MISSING)" ] || { echo "tlsrptd: pkg-config does not find" \
	    "$(PKG_MISSING): run 'make deps' (or tools/deps.sh) first" >&2; \
	    exit 1; }
	mkdir -p $@

# check: unit tests, then the command-line and golden tests on the built binary
check: deps
	$(MAKE) unit-check cli-check

unit-check: $(TEST_BIN) $(REPLAY_BIN)
	@set -e; for t in $(TEST_BIN); do echo "== $$t"; $$t; done
	@set -e; for r in $(REPLAY_BIN); do n=$$(basename $$r); \
	    echo "== $$r fuzz/corpus/$$n fuzz/regressions/$$n"; \
	    $$r fuzz/corpus/$$n $$(ls -d fuzz/regressions/$$n 2> /dev/null); done

cli-check: $(BUILD)/tlsrptd
	@set -e; for t in $(filter-out tests/cli/lib.sh,$(wildcard tests/cli/*.sh)); do \
	    echo "== $$t"; TLSRPTD=$(CURDIR)/$(BUILD)/tlsrptd sh $$t; done

# asan: the whole check built with AddressSanitizer and UBSan
ASAN_CFLAGS = -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer \
              -fno-sanitize-recover=all
asan: deps
	$(MAKE) BUILD=build/asan CFLAGS="$(ASAN_CFLAGS)" \
	    LDFLAGS="-fsanitize=address,undefined" unit-check cli-check

# faults-asan: the fault tests against the AddressSanitizer/UBSan build (a
# sanitizer report fails them; memory bounds are not checked there)
faults-asan: deps
	$(MAKE) BUILD=build/asan CFLAGS="$(ASAN_CFLAGS)" \
	    LDFLAGS="-fsanitize=address,undefined" build/asan/tlsrptd
	TLSRPTD_SANITIZED=1 $(MAKE) BUILD=build/asan CFLAGS="$(ASAN_CFLAGS)" \
	    LDFLAGS="-fsanitize=address,undefined" faults

# valgrind: the unit tests and the command-line tests again under memcheck;
# any error or definite/indirect leak in any process fails the run
VG_LOGS = $(CURDIR)/build/valgrind
valgrind: deps
	$(MAKE) valgrind-run
valgrind-run: $(TEST_BIN) $(BUILD)/tlsrptd
	@rm -rf $(VG_LOGS) && mkdir -p $(VG_LOGS)
	@set -e; for t in $(TEST_BIN); do echo "== valgrind $$t"; \
	    valgrind --quiet --vgdb=no --leak-check=full --show-leak-kinds=definite,indirect \
	        --errors-for-leak-kinds=definite,indirect --num-callers=30 \
	        --suppressions=tests/valgrind/tlsrptd.supp \
	        --log-file=$(VG_LOGS)/$$(basename $$t).%p.log $$t >/dev/null; done
	@set -e; for t in $(filter-out tests/cli/lib.sh,$(wildcard tests/cli/*.sh)); do \
	    echo "== valgrind $$t"; VALGRIND_LOGS=$(VG_LOGS) \
	    TLSRPTD_REAL=$(CURDIR)/$(BUILD)/tlsrptd TLSRPTD_SLOW=1 \
	    TLSRPTD=$(CURDIR)/tests/valgrind/tlsrptd.sh sh $$t; done
	@tests/valgrind/check-logs.sh $(VG_LOGS)

# faults: kill -9 under load, a full disk, a locked database, many, slow
# and vanishing clients, through a throwaway Postfix and the milter and
# straight to the SMTP listener (needs root); FAULT_ROUNDS, FAULT_SEED and
# the rest are passed on from the environment
faults: deps
	$(MAKE) faults-run
faults-run: $(BUILD)/tlsrptd
	@set -e; for t in $(filter-out tests/faults/lib.sh,$(wildcard tests/faults/*.sh)); do \
	    echo "== $$t"; TLSRPTD=$(CURDIR)/$(BUILD)/tlsrptd sh $$t; done

# rehearse: the README's commands in a minimal Debian 12 root (needs root)
rehearse:
	sh tools/clean-root.sh

# fuzz: libFuzzer harnesses, each run FUZZ_SECONDS on its seed corpus
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer-no-link,address,undefined
fuzz-build: deps
	$(MAKE) BUILD=build/fuzzlib CC=$(FUZZ_CC) CFLAGS="$(FUZZ_CFLAGS)" \
	    build/fuzzlib/libtlsrptd.a
	@mkdir -p build/fuzz
	@set -e; for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
	    echo "$(FUZZ_CC) $$f -> build/fuzz/$$n"; \
	    $(FUZZ_CC) $(ALL_CFLAGS) -g -O1 -fsanitize=fuzzer,address,undefined \
	        -o build/fuzz/$$n $$f build/fuzzlib/libtlsrptd.a $(LIBS); done

fuzz: fuzz-build
	@set -e; for f in $(FUZZ_SRC); do n=$$(basename $$f _fuzzer.c); \
	    echo "== fuzz $$n for $(FUZZ_SECONDS)s"; mkdir -p build/fuzz/corpus-$$n; \
	    regr=""; [ -d fuzz/regressions/$$n ] && regr=fuzz/regressions/$$n; \
	    dict=""; [ -f fuzz/$$n.dict ] && dict="-dict=fuzz/$$n.dict"; \
	    if ! build/fuzz/$${n}_fuzzer $$dict -max_total_time=$(FUZZ_SECONDS) \
	        -rss_limit_mb=2048 -artifact_prefix=build/fuzz/$$n- \
	        build/fuzz/corpus-$$n fuzz/corpus/$$n $$regr > build/fuzz/$$n.log 2>&1; \
	    then tail -n 60 build/fuzz/$$n.log; echo "fuzz $$n FAILED: save the input" \
	        "(build/fuzz/$$n-*) in fuzz/regressions/$$n/ once fixed"; exit 1; fi; \
	    tail -n 1 build/fuzz/$$n.log; done

# bench: every benchmark, then one table (see docs/benchmarks.md)
bench: deps
	$(MAKE) $(BUILD)/tlsrptd
	sh bench/bench.sh $(CURDIR)/$(BUILD)/tlsrptd

run: deps
	$(MAKE) $(BUILD)/tlsrptd
	$(BUILD)/tlsrptd run -f -c conf/tlsrptd-dev.conf

# install: the binary, the man pages, the systemd unit (its paths follow
# PREFIX and SYSCONFDIR) and, unless one is there already, the configuration
install: $(BUILD)/tlsrptd
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/share/man/man8 \
	    $(DESTDIR)$(PREFIX)/share/man/man5 $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSCONFDIR)/tlsrptd
	install -m 0755 $(BUILD)/tlsrptd $(DESTDIR)$(PREFIX)/sbin/tlsrptd
	install -m 0644 man/tlsrptd.8 $(DESTDIR)$(PREFIX)/share/man/man8/tlsrptd.8
	install -m 0644 man/tlsrptd.conf.5 \
	    $(DESTDIR)$(PREFIX)/share/man/man5/tlsrptd.conf.5
	sed -e 's|/usr/local/sbin/|$(PREFIX)/sbin/|g' \
	    -e 's|/etc/tlsrptd/|$(SYSCONFDIR)/tlsrptd/|g' systemd/tlsrptd.service \
	    > $(DESTDIR)$(UNITDIR)/tlsrptd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/tlsrptd.service
	[ -e $(DESTDIR)$(SYSCONFDIR)/tlsrptd/tlsrptd.conf ] || \
	    install -m 0644 conf/tlsrptd.conf \
	    $(DESTDIR)$(SYSCONFDIR)/tlsrptd/tlsrptd.conf

clean:
	rm -rf build
