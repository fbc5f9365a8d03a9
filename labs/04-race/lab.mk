# Lab 04-race: what it builds. Every .c file not listed here is a module (delay.c, record.c,
# procs_racy_base.c, tally.c, bbuf.c, bbuf_setup.c, bank.c, bank_base.c), linked into each
# program and into the tests.
PROGRAMS      := procs_racy counter bqueue transfer
