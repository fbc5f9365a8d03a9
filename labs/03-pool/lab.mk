# Lab 03-pool: what it builds. Every .c file not listed here is a module, linked into
# each program and into the tests.
PROGRAMS      := sequential procs threads
USES          := 02-gil
