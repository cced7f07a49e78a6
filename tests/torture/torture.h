/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * rcu-core torture, in the spirit of rcutorture: threads play vCPUs and
 * run readers with the guest's own fast path (pvrcu_reader.h) over an
 * RCU-protected pointer; updaters replace and retire elements through
 * rcu-core grace periods (synchronous, expedited, polled, callbacks); a
 * host thread drives rcu-core and plays the KVM tracker (exit counts,
 * halts). Readers check that the element they hold was not poisoned and
 * that no GP that should wait for them has ended (pipe check).
 */
#ifndef PVRCU_TORTURE_H
#define PVRCU_TORTURE_H

#include <stdbool.h>
#include <stdint.h>

struct torture_params {
	unsigned int vcpus;		/* reader threads, one per CPU record */
	unsigned int updaters;
	double seconds;
	bool kvm_sources;		/* simulate exits and halts */
	bool broken;			/* engine ends GPs early (must be caught) */
};

struct torture_result {
	uint64_t reads;
	uint64_t gps;			/* GPs the updaters waited for */
	uint64_t callbacks;		/* retired through callbacks */
	uint64_t errors;		/* poisoned or pipe-aged reads */
	uint64_t qs_by_source[8];	/* rcu-core's count per source */
	uint64_t posts;
	double seconds;
};

/* Returns 0 if the run could be set up; the verdict is in @r->errors. */
int torture_run(const struct torture_params *p, struct torture_result *r);

#endif
