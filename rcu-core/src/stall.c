// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Stall detection: a GP older than stall_ns is reported, naming each CPU
 * that still holds it with its reader depth and run state. Reports repeat
 * with doubling intervals so a stuck guest does not flood the log.
 */
#include "internal.h"

void rcuc_stall_check(struct rcuc_domain *d, uint64_t now_ns)
{
	uint64_t age = now_ns - d->gp_start_ns, interval;
	uint32_t i;

	if (!d->tun.stall_ns || now_ns < d->next_stall_ns) {
		if (d->tun.stall_ns)
			rcuc_deadline_min(d, d->next_stall_ns);
		return;
	}
	for (i = 0; i < d->ncpus; i++) {
		struct rcuc_cpu *c = &d->cpu[i];
		struct rcuc_stall s;

		if (c->qs)
			continue;
		c->stall_reports++;
		s = (struct rcuc_stall){
			.gp_seq = d->gp_seq,
			.gp_age_ns = age,
			.cpu = i,
			.nesting = le32toh(rcuc_rec(d, i)->nesting),
			.run_state = c->run_state,
			.report = c->stall_reports,
		};
		d->stats.stalls++;
		if (d->ops.stall)
			d->ops.stall(d->ctx, &s);
	}
	/* Next report after twice the time so far: 21 s, 42 s, 84 s, ... */
	interval = age > d->tun.stall_ns ? age : d->tun.stall_ns;
	d->next_stall_ns = now_ns + interval;
	rcuc_deadline_min(d, d->next_stall_ns);
}
