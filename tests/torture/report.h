/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The one-line verdict, in the same shape as the guest torture module's. */
#ifndef PVRCU_TORTURE_REPORT_H
#define PVRCU_TORTURE_REPORT_H

#include <stdio.h>

#include "torture.h"

static inline void torture_print(FILE *f, const char *flavor,
				 const struct torture_result *r)
{
	fprintf(f, "pvrcu-torture: flavor=%s duration=%.1f reads=%llu gps=%llu "
		"callbacks=%llu errors=%llu result=%s\n", flavor, r->seconds,
		(unsigned long long)r->reads, (unsigned long long)r->gps,
		(unsigned long long)r->callbacks, (unsigned long long)r->errors,
		r->errors ? "FAIL" : "PASS");
}

#endif
