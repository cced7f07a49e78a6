/* SPDX-License-Identifier: GPL-2.0-or-later */
/* pvrcu_selftest.ko: the part built with pvrcu_checklist.h. */
#ifndef _PVRCU_SELFTEST_H
#define _PVRCU_SELFTEST_H

/*
 * One check: prints "pvrcu-selftest: <name>: ok" or "... FAIL" (with the
 * including file's pr_fmt) and counts a failure in @errors.
 */
#define PVRCU_ST_REPORT(errors, ok, name)				\
do {									\
	if (ok) {							\
		pr_info("%s: ok\n", name);				\
	} else {							\
		pr_err("%s: FAIL\n", name);				\
		(errors)++;						\
	}								\
} while (0)

/* Runs RCU code written with the kernel's names; returns the errors. */
int pvrcu_selftest_checklist(void);

/* selftest_srcu.c: pvsrcu and Tasks-Trace; each returns the errors. */
int pvrcu_selftest_srcu(void);
int pvrcu_selftest_srcu_limit(void);
void pvrcu_selftest_srcu_exit(void);

#endif
