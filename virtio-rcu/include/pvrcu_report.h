/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The quiescent-state report, written once (SPEC §1.6.5).
 *
 * The guest driver (kernel) and the userspace readers of the rcu-core
 * torture test and the read-side benchmark compile this very code. The
 * includer defines first:
 *
 *   PVRCU_RD_HDR()            struct virtio_rcu_shm_header * of the region
 *   PVRCU_RD_MB()             full memory barrier (smp_mb())
 *   PVRCU_RD_LOAD64(p)        single-copy load of a little-endian field
 *   PVRCU_RD_STORE64(p, v)    single-copy store of one
 *
 * When to report is each reader's business: the kernel's readers are
 * whatever region keeps the CPU from a quiescent state (guest-driver:
 * pvrcu.h), the userspace ones are counted in the record's nesting
 * (pvrcu_reader.h).
 */
#ifndef PVRCU_REPORT_H
#define PVRCU_REPORT_H

#include "virtio_rcu.h"

/* Is @a after @b in gp_seq order (wrap-safe)? */
static inline int pvrcu_rd_seq_after(__u64 a, __u64 b)
{
	return (__s64)(a - b) > 0;
}

/*
 * Report a quiescent state for this CPU. Call with interrupts disabled
 * (so no post handler reports a newer gp_seq between the load and the
 * store: qs_seq would go backwards) and no reader in progress on this CPU.
 * The full barrier orders every earlier access of this CPU, reader loads
 * included, before the gp_seq load; the host accepts the report only for
 * GPs published before that load.
 */
static inline void pvrcu_rd_report(struct virtio_rcu_shm_cpu *rec)
{
	__u64 seq;

	PVRCU_RD_MB();
	seq = PVRCU_RD_LOAD64(&PVRCU_RD_HDR()->gp_seq);
	PVRCU_RD_STORE64(&rec->qs_seq, seq);
}

/* Does the host wait for a report from this CPU? */
static inline int pvrcu_rd_qs_needed(struct virtio_rcu_shm_cpu *rec)
{
	return pvrcu_rd_seq_after(PVRCU_RD_LOAD64(&rec->need_qs),
				  PVRCU_RD_LOAD64(&rec->qs_seq));
}

#endif /* PVRCU_REPORT_H */
