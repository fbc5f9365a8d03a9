# Lab 02-gil: what it builds. Every .c file not listed in PROGRAMS is a module (gil.c,
# gil_base.c, interp.c), linked into each program, into the tests' driver (gil_driver),
# and into lab 03's programs.
PROGRAMS      := gil_cpu gil_io
USES          :=
LAB_LDLIBS    :=
