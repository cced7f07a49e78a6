// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * liburcu QSBR flavor: the read side only. Its lock/unlock compile to
 * nothing; the price is that every reader thread must announce quiescent
 * states itself, so the loop calls urcu_qsbr_quiescent_state() once per
 * BENCH_QSBR_QS_EVERY sections, as a real QSBR thread does in its main
 * loop. The LGPL inline versions are used, as pvrcu's are inline.
 */
#define _LGPL_SOURCE
#include <urcu/urcu-qsbr.h>

#include "bench.h"

double qsbr_read_pair_ns(void)
{
	uint64_t i, j, t0, t1;

	urcu_qsbr_register_thread();
	t0 = bench_now_ns();
	for (i = 0; i < BENCH_READ_PAIRS / BENCH_QSBR_QS_EVERY; i++) {
		for (j = 0; j < BENCH_QSBR_QS_EVERY; j++) {
			urcu_qsbr_read_lock();
			__asm__ __volatile__("" ::: "memory");
			urcu_qsbr_read_unlock();
		}
		urcu_qsbr_quiescent_state();
	}
	t1 = bench_now_ns();
	urcu_qsbr_unregister_thread();
	return (double)(t1 - t0) /
	       (double)(BENCH_READ_PAIRS / BENCH_QSBR_QS_EVERY * BENCH_QSBR_QS_EVERY);
}
