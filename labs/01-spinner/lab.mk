# Lab 01-spinner: what it builds. Every .c file not listed in PROGRAMS is a module,
# linked into each program and into the tests.
PROGRAMS      := spinner_thread spinner_proc spinner_uring
LAB_LDLIBS    := -luring
