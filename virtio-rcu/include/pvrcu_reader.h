/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The counted reader: a reader is the span between the nesting++ of its
 * outermost lock and the nesting-- of its outermost unlock, published in
 * the CPU's record so that the host may read it (SPEC §1.6.4).
 *
 * For a program whose every reader is such a section: the userspace
 * readers of the rcu-core torture test and the read-side benchmark. Not
 * the Linux guest driver: a kernel CPU is also a reader wherever it has
 * preemption, bottom halves or interrupts disabled, which nesting does
 * not show, so the driver keeps nesting at VIRTIO_RCU_NESTING_UNTRACKED
 * and uses only the report (pvrcu_report.h; guest-driver/include/pvrcu.h).
 * The includer defines these primitives first (and those of
 * pvrcu_report.h):
 *
 *   PVRCU_RD_THIS_REC()       struct virtio_rcu_shm_cpu * of this CPU
 *   PVRCU_RD_PREEMPT_DISABLE() / PVRCU_RD_PREEMPT_ENABLE()
 *   PVRCU_RD_BARRIER()        compiler barrier
 *   PVRCU_RD_LOAD32(p) / PVRCU_RD_LOAD64(p)     single-copy loads of
 *   PVRCU_RD_STORE32(p, v) / PVRCU_RD_STORE64(p, v)  little-endian fields
 *   PVRCU_RD_UNLIKELY(x)
 *   PVRCU_RD_IRQ_SAVE(flags) / PVRCU_RD_IRQ_RESTORE(flags)   (unsigned long)
 *
 * Protocol (docs/ARCHITECTURE.md §4): preemption disabled in the
 * section; no atomic instruction, no barrier, no exit on the fast path.
 * The outermost unlock reports a quiescent state only when the host asked
 * for one (need_qs newer than qs_seq).
 */
#ifndef PVRCU_READER_H
#define PVRCU_READER_H

#include "pvrcu_report.h"

/*
 * From an interrupt handler (the host's post) or any context that
 * interrupted this CPU: report if the interrupted code is not in a reader,
 * else leave it to the outermost unlock. Interrupts disabled.
 */
static inline void pvrcu_rd_report_if_idle(void)
{
	struct virtio_rcu_shm_cpu *rec = PVRCU_RD_THIS_REC();

	if (PVRCU_RD_LOAD32(&rec->nesting) == 0)
		pvrcu_rd_report(rec);
}

static inline void pvrcu_rd_lock(void)
{
	struct virtio_rcu_shm_cpu *rec;

	PVRCU_RD_PREEMPT_DISABLE();
	rec = PVRCU_RD_THIS_REC();
	PVRCU_RD_STORE32(&rec->nesting, PVRCU_RD_LOAD32(&rec->nesting) + 1);
	PVRCU_RD_BARRIER();	/* the section's accesses stay inside */
}

static inline void pvrcu_rd_unlock(void)
{
	struct virtio_rcu_shm_cpu *rec = PVRCU_RD_THIS_REC();
	__u32 n;

	PVRCU_RD_BARRIER();	/* ... on this side too */
	n = PVRCU_RD_LOAD32(&rec->nesting) - 1;
	PVRCU_RD_STORE32(&rec->nesting, n);
	if (PVRCU_RD_UNLIKELY(n == 0 && pvrcu_rd_qs_needed(rec))) {
		unsigned long flags;

		/*
		 * Interrupts off, so the post handler cannot report a newer
		 * gp_seq between our load and our store (qs_seq would go
		 * backwards and hold the GP until a repost; found by spin).
		 */
		PVRCU_RD_IRQ_SAVE(flags);
		if (PVRCU_RD_LOAD32(&rec->nesting) == 0 && pvrcu_rd_qs_needed(rec))
			pvrcu_rd_report(rec);
		PVRCU_RD_IRQ_RESTORE(flags);
	}
	PVRCU_RD_PREEMPT_ENABLE();
}

#endif /* PVRCU_READER_H */
