# conclab: one Makefile for the support library, the labs, the solutions and the tests.
#
#   make                      build lib, labs/ and, where it exists, solutions/ (into build/)
#   make grade                build and grade your labs/      (IMPL=solutions: the reference)
#   make test                 the kit's self-check (what CI runs)
#   make help                 every target and variable
#
# Each lab folder declares its programs in lab.mk and its student files in student-files;
# this file needs no edit when a lab is added. labs/ is the only complete tree: any other
# IMPL (solutions/, a submission, a mutant) is a folder of student files that
# conclab/overlay.py lays over labs/ into $(OUT)/src before it is built. Objects go out of
# tree: build/<impl>/<lab>/<program>.

IMPL  ?= labs
LAB   ?=
SAN   ?=
BUILD ?= build
JOBS  ?= $(shell nproc 2>/dev/null || echo 2)

# `make V=1` shows the full commands.
ifeq ($(V),1)
  Q :=
  say := @true
else
  Q := @
  say := @printf '  %-6s %s\n'
endif

ifeq ($(SAN),address)
  ROOT := $(BUILD)/asan
  SAN_FLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined \
               -fno-omit-frame-pointer
else ifeq ($(SAN),thread)
  ROOT := $(BUILD)/tsan
  SAN_FLAGS := -fsanitize=thread -fno-omit-frame-pointer
else ifeq ($(SAN),)
  ROOT := $(BUILD)
  SAN_FLAGS :=
else
  $(error SAN must be address, thread or empty, not '$(SAN)')
endif

# IMPL is a folder of lab folders; OUT is where its build goes. Paths inside the kit
# are made relative, so that the dependency files (*.d) name targets the same way
# whichever way the paths were given.
relative = $(patsubst $(CURDIR)/%,%,$(abspath $(1)))
override IMPL := $(call relative,$(IMPL))
OUT ?= $(ROOT)/$(notdir $(IMPL))
override OUT := $(call relative,$(OUT))

# The tree that is compiled: labs/ itself, or labs/ with IMPL's student files over it.
PYTHON ?= python3
ifeq ($(IMPL),labs)
  SRC := labs
else
  SRC := $(OUT)/src
endif

OPT      ?= -O2
CPPFLAGS += -D_GNU_SOURCE -Ilib -MMD -MP
CFLAGS   += -std=c17 -g $(OPT) -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
            -Wno-error=unused-parameter -Wno-unused-parameter $(SAN_FLAGS)
LDFLAGS  += $(SAN_FLAGS)
LDLIBS_BASE := -lpthread -lm

CRITERION_LIBS := -lcriterion

ALL_LABS := $(sort $(notdir $(patsubst %/lab.mk,%,$(wildcard labs/*/lab.mk))))
LABS := $(if $(LAB),$(LAB),$(ALL_LABS))

.DEFAULT_GOAL := all
.DELETE_ON_ERROR:
.SUFFIXES:

# ---------------------------------------------------------------- support library
LIB_SRCS := $(wildcard lib/*.c)
LIB_OBJS := $(patsubst lib/%.c,$(ROOT)/lib/%.o,$(LIB_SRCS))
LIBCONC  := $(ROOT)/lib/libconc.a

$(ROOT)/lib/%.o: lib/%.c | deps-check
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(CPPFLAGS) $(CFLAGS) -c $< -o $@

$(LIBCONC): $(LIB_OBJS)
	@rm -f $@
	$(Q)$(AR) rcs $@ $^

# Unit tests of the library: build/<variant>/lib/tests
LIBTEST_SRCS := $(wildcard tests/lib/*.c)
LIBTEST_OBJS := $(patsubst tests/%.c,$(ROOT)/tests/%.o,$(LIBTEST_SRCS))
LIBTESTS     := $(ROOT)/lib/tests

# ---------------------------------------------------------------- test harness
HARNESS_SRCS := $(wildcard tests/common/*.c)
HARNESS_OBJS := $(patsubst tests/%.c,$(ROOT)/tests/%.o,$(HARNESS_SRCS))

$(ROOT)/tests/%.o: tests/%.c | deps-check
	@mkdir -p $(@D)
	$(say) CC $<
	$(Q)$(CC) $(CPPFLAGS) -Itests/common $(CFLAGS) -c $< -o $@

$(LIBTESTS): $(LIBTEST_OBJS) $(HARNESS_OBJS) $(LIBCONC)
	$(say) LD $@
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(CRITERION_LIBS) $(LDLIBS_BASE)

# ---------------------------------------------------------------- labs
# TESTS=0 builds the programs and drivers only (the student's side, which the grader
# builds as the student's sandbox uid); `make checker` builds the test binaries only
# (the trusted side, built apart: see docs/kit-internals.md, "Who decides a verdict").
TESTS ?= 1

# lab_rules(lab): the rules of one lab folder of $(SRC).
#   lab.mk sets PROGRAMS (each has <program>.c with main), and optionally USES (other
#   labs whose modules it links) and LAB_LDLIBS. Every other .c file of the folder is a
#   module, archived in module.a and linked into each program and into the tests.
define lab_rules
PROGRAMS :=
USES :=
LAB_LDLIBS :=
include labs/$(1)/lab.mk
$(1).programs := $$(addprefix $(OUT)/$(1)/,$$(PROGRAMS))
$(1).uses     := $$(USES)
$(1).ldlibs   := $$(LAB_LDLIBS)
$(1).modules  := $$(filter-out $$(addsuffix .c,$$(PROGRAMS)),$$(notdir $$(wildcard labs/$(1)/*.c)))
$(1).archive  := $(OUT)/$(1)/module.a
$(1).tests    := $(OUT)/$(1)/tests
$(1).testobjs := $$(patsubst tests/$(1)/%.c,$(OUT)/$(1)/tests.obj/%.o,\
                   $$(filter-out %_driver.c,$$(wildcard tests/$(1)/*.c)))
$(1).drivers  := $$(patsubst tests/$(1)/%.c,$(OUT)/$(1)/%,$$(wildcard tests/$(1)/*_driver.c))

$(OUT)/$(1)/%.o: $(SRC)/$(1)/%.c | deps-check
	@mkdir -p $$(@D)
	$$(say) CC $$<
	$$(Q)$$(CC) $$(CPPFLAGS) -I$(SRC)/$(1) $$(foreach u,$$($(1).uses),-I$(SRC)/$$(u)) \
	    $$(CFLAGS) -c $$< -o $$@

$$($(1).archive): $$(patsubst %.c,$(OUT)/$(1)/%.o,$$($(1).modules))
	@mkdir -p $$(@D)
	@rm -f $$@
	$$(Q)$$(AR) rcs $$@ $$^

$$($(1).programs): $(OUT)/$(1)/%: $(OUT)/$(1)/%.o $$($(1).archive) \
               $$(foreach u,$$($(1).uses),$(OUT)/$$(u)/module.a) $(LIBCONC)
	$$(say) LD $$@
	$$(Q)$$(CC) $$(LDFLAGS) $$^ -o $$@ $$($(1).ldlibs) $(LDLIBS_BASE)

# Tests see the lab's headers as labs/ has them: no student text reaches a test binary.
$(OUT)/$(1)/tests.obj/%.o: tests/$(1)/%.c | deps-check
	@mkdir -p $$(@D)
	$$(say) CC $$<
	$$(Q)$$(CC) $$(CPPFLAGS) -Itests/common -Ilabs/$(1) \
	    $$(foreach u,$$($(1).uses),-Ilabs/$$(u)) $$(CFLAGS) -c $$< -o $$@

# A test binary links nothing of the lab's: student code runs only in programs and drivers.
$$($(1).tests): $$($(1).testobjs) $(HARNESS_OBJS) $(LIBCONC)
	$$(say) LD $$@
	$$(Q)$$(CC) $$(LDFLAGS) $$^ -o $$@ $(CRITERION_LIBS) $$($(1).ldlibs) $(LDLIBS_BASE)

# A driver (tests/<lab>/<name>_driver.c) runs the student's functions for a test, which
# starts it as a program: it is built like one, beside the lab's programs.
$(OUT)/$(1)/drivers.obj/%.o: tests/$(1)/%.c | deps-check
	@mkdir -p $$(@D)
	$$(say) CC $$<
	$$(Q)$$(CC) $$(CPPFLAGS) -Itests/common -I$(SRC)/$(1) \
	    $$(foreach u,$$($(1).uses),-I$(SRC)/$$(u)) $$(CFLAGS) -c $$< -o $$@

$$($(1).drivers): $(OUT)/$(1)/%: $(OUT)/$(1)/drivers.obj/%.o $$($(1).archive) \
               $$(foreach u,$$($(1).uses),$(OUT)/$$(u)/module.a) $(LIBCONC)
	$$(say) LD $$@
	$$(Q)$$(CC) $$(LDFLAGS) $$^ -o $$@ $$($(1).ldlibs) $(LDLIBS_BASE)

.PHONY: lab-$(1) checker-$(1)
lab-$(1): $$($(1).programs) $$($(1).drivers) \
          $$(if $$(filter-out 0,$$(TESTS)),$$(if $$($(1).testobjs),$$($(1).tests)))
checker-$(1): $$(if $$($(1).testobjs),$$($(1).tests))
endef

$(foreach lab,$(ALL_LABS),$(eval $(call lab_rules,$(lab))))

# Keep objects: they are intermediate files of pattern rules.
.SECONDARY:

# ---------------------------------------------------------------- main targets
.PHONY: all impl lib libtests labs solutions
all: deps-check
	@$(MAKE) --no-print-directory impl IMPL=labs NO_DEPS_CHECK=1
	@if [ -d solutions ]; then $(MAKE) --no-print-directory impl IMPL=solutions NO_DEPS_CHECK=1; fi

## checker: build only the test binaries (LAB=, OUT=, BUILD=), which hold no student code
.PHONY: checker
checker: $(LIBCONC) $(addprefix checker-,$(LABS))

## impl: build one tree (IMPL=labs|solutions|<folder of student files>, LAB=NN-name, OUT=dir)
ifeq ($(SRC)$(OVERLAID),$(OUT)/src)
# First lay IMPL over labs/, then build the result (a second make sees the new files).
impl: | deps-check
	$(say) OVERLAY "$(IMPL) over labs/ -> $(SRC)"
	$(Q)$(PYTHON) -m conclab.overlay --impl $(IMPL) --into $(SRC)
	@$(MAKE) --no-print-directory impl OVERLAID=1 NO_DEPS_CHECK=1
else
impl: $(LIBCONC) $(addprefix lab-,$(LABS))
endif

lib: $(LIBCONC)
libtests: $(LIBTESTS)
labs:
	@$(MAKE) --no-print-directory impl IMPL=labs
solutions:
	@if [ ! -d solutions ]; then \
	  echo "make solutions: this copy of the kit has no solutions/ (a handout leaves it out)" >&2; \
	  exit 2; fi
	@$(MAKE) --no-print-directory impl IMPL=solutions

## grade: build IMPL (default labs) and grade it: STRICT=1, LAB=, PART=, FILTER= are honoured
.PHONY: grade
grade: deps-check
	@python3 scripts/grade --impl $(IMPL) $(foreach l,$(LAB),--lab $(l)) \
	    $(if $(FILTER),--filter '$(FILTER)') $(if $(PART),--part $(PART)) $(if $(STRICT),--strict)

## test: the kit's self-check (lib tests, warnings, solutions full, starter zero, mutants)
.PHONY: test
test: deps-check
	@if [ -d solutions ]; then python3 scripts/selfcheck; else \
	  echo "make test is the kit's self-check (for instructors); this handout has no solutions/."; \
	  echo "Running the support library's tests instead. Grade your labs with: make grade"; \
	  $(MAKE) --no-print-directory libtests NO_DEPS_CHECK=1 && $(BUILD)/lib/tests; fi

## stress: grade the reference RUNS times (30) beside a busy loop per core: the tests that flip (LAB=, FILTER=, MINUTES=)
.PHONY: stress
stress: deps-check
	@python3 scripts/stress $(foreach l,$(LAB),--lab $(l)) $(if $(RUNS),--runs '$(RUNS)') \
	    $(if $(FILTER),--filter '$(FILTER)') $(if $(MINUTES),--minutes '$(MINUTES)')

## classroom: build/dist/classroom.yml, GitHub Classroom's workflow from the rubrics (BY=test|part|lab)
.PHONY: classroom
classroom: deps-check
	@python3 scripts/make-classroom $(if $(BY),--by $(BY)) $(foreach l,$(LAB),--lab $(l))

## mutation: mutants of the reference graded by the tests: build/mutation/report.md, .csv (LAB=)
# It parses C with libclang's Python bindings, which only Debian's /usr/bin/python3 sees.
.PHONY: mutation
mutation: deps-check
	@/usr/bin/python3 scripts/mutation $(foreach l,$(LAB),--lab $(l))

## handout: build/dist/conclab-handout.tar.gz (no solutions, mutants or hidden tests; WALKTHROUGHS=1)
## gradescope: build/dist/autograder.zip (LAB= restricts it to some labs)
.PHONY: handout gradescope
handout: deps-check
	@python3 scripts/make-handout $(if $(WALKTHROUGHS),--with-walkthroughs)
gradescope: deps-check
	@python3 scripts/make-gradescope $(foreach l,$(LAB),--lab $(l))

# ---------------------------------------------------------------- charts and demo
## plot: time procs, threads, threads --gil and gil_io; charts in build/plots/<impl> (QUICK=1)
.PHONY: plot
plot: deps-check
	-@$(MAKE) --no-print-directory -k impl LAB="02-gil 03-pool" NO_DEPS_CHECK=1
	@python3 scripts/plot-chapter --bin $(OUT) --out $(BUILD)/plots/$(notdir $(IMPL)) \
	    $(if $(QUICK),--quick)

## demo: the guided tour: the reference programs in the chapter's order, then the charts
.PHONY: demo
demo: deps-check
	@if [ ! -d solutions ]; then \
	  echo "make demo runs the reference solutions, which this copy of the kit does not have" >&2; \
	  echo "(a student handout leaves them out): try make plot on your own build" >&2; \
	  exit 2; fi
	-@$(MAKE) --no-print-directory -k all NO_DEPS_CHECK=1
	@scripts/demo --bin $(BUILD)/solutions --starter $(BUILD)/labs --out $(BUILD)/plots/demo

# ---------------------------------------------------------------- dependencies
## deps: install what the kit needs (Debian packages) when something is missing
.PHONY: deps deps-check
deps:
	@scripts/deps install
ifeq ($(NO_DEPS_CHECK),)
deps-check:
	@scripts/deps check-or-install
else
deps-check:
endif

# ---------------------------------------------------------------- editor support
## compile_commands.json: a compilation database for clangd and other editors
.PHONY: compile_commands.json
compile_commands.json: deps-check
	@python3 scripts/compdb $@

FORMAT_FILES = $(shell git ls-files '*.c' '*.h' 2>/dev/null || find lib labs solutions tests -name '*.[ch]')

## format / format-check: apply or verify .clang-format
.PHONY: format format-check
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	clang-format --dry-run -Werror $(FORMAT_FILES)

## clean: remove build/
.PHONY: clean
clean:
	rm -rf $(BUILD)

.PHONY: help
help:
	@echo "conclab make targets:"
	@grep -h '^## ' $(MAKEFILE_LIST) | sed 's/^## /  /'
	@echo "variables: IMPL=labs|solutions  LAB=NN-name  SAN=address|thread  CC=gcc|clang"
	@echo "           FILTER=suite/test-glob  PART=A..D  STRICT=1  QUICK=1"

-include $(sort $(shell find $(BUILD) $(OUT) -name '*.d' 2>/dev/null))
