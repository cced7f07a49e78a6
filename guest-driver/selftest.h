/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvrcu_selftest.ko: the part built with pvrcu_checklist.h. */
#ifndef _PVRCU_SELFTEST_H
#define _PVRCU_SELFTEST_H

/* Runs RCU code written with the kernel's names; returns the errors. */
int pvrcu_selftest_checklist(void);

/* selftest_srcu.c: pvsrcu and Tasks-Trace; each returns the errors. */
int pvrcu_selftest_srcu(void);
int pvrcu_selftest_srcu_limit(void);
void pvrcu_selftest_srcu_exit(void);

#endif
