// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * liburcu "memb" flavor (sys_membarrier: readers run no fence): the peer
 * of every GP and callback comparison. Same workloads, same parameters
 * and the same reader section body as the pvrcu side. Reader threads are
 * registered as liburcu requires; the LGPL inline read side is used, as
 * pvrcu's is inline. liburcu has no separate expedited GP: synchronize_rcu
 * is compared with both of ours.
 */
#define _LGPL_SOURCE
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <urcu/urcu-memb.h>

#include "bench.h"

int memb_has_sys_membarrier(void)
{
	return urcu_memb_has_sys_membarrier;
}

/* ---- read_pair ----------------------------------------------------------------- */

double memb_read_pair_ns(void)
{
	uint64_t i, t0, t1;

	urcu_memb_register_thread();
	t0 = bench_now_ns();
	for (i = 0; i < BENCH_READ_PAIRS; i++) {
		urcu_memb_read_lock();
		__asm__ __volatile__("" ::: "memory");
		urcu_memb_read_unlock();
	}
	t1 = bench_now_ns();
	urcu_memb_unregister_thread();
	return (double)(t1 - t0) / (double)BENCH_READ_PAIRS;
}

/* ---- busy readers ---------------------------------------------------------------- */

struct readers {
	/* Read by the readers at every section: a cache line of its own. */
	int stop __attribute__((aligned(64)));
	uint64_t *ptr;			/* the RCU-protected pointer */
	uint64_t value;			/* what it points to */

	pthread_t thr[BENCH_READERS] __attribute__((aligned(64)));
	unsigned int running;		/* readers that ran a section */
	uint64_t sum[BENCH_READERS];
};

struct reader_arg {
	struct readers *rs;
	unsigned int id;
};

static void *reader_thread(void *p)
{
	struct reader_arg *a = p;
	struct readers *rs = a->rs;
	uint64_t sum = 0, n = 0;

	bench_pin_reader(a->id);
	urcu_memb_register_thread();
	while (!__atomic_load_n(&rs->stop, __ATOMIC_RELAXED)) {
		urcu_memb_read_lock();
		sum += bench_section_body((uint64_t *const volatile *)&rs->ptr);
		urcu_memb_read_unlock();
		if (!n++)
			__atomic_fetch_add(&rs->running, 1, __ATOMIC_RELEASE);
	}
	urcu_memb_unregister_thread();
	rs->sum[a->id] = sum;
	free(a);
	return NULL;
}

static struct readers *readers_start(void)
{
	struct readers *rs = aligned_alloc(64, sizeof(*rs));
	unsigned int i;

	if (!rs)
		abort();
	memset(rs, 0, sizeof(*rs));
	rs->ptr = &rs->value;
	for (i = 0; i < BENCH_READERS; i++) {
		struct reader_arg *a = malloc(sizeof(*a));

		if (!a)
			abort();
		*a = (struct reader_arg){ rs, i };
		if (pthread_create(&rs->thr[i], NULL, reader_thread, a))
			abort();
	}
	/* Measure nothing before every reader is registered and running. */
	while (__atomic_load_n(&rs->running, __ATOMIC_ACQUIRE) < BENCH_READERS)
		usleep(100);
	return rs;
}

static void readers_stop(struct readers *rs)
{
	unsigned int i;

	__atomic_store_n(&rs->stop, 1, __ATOMIC_RELAXED);
	for (i = 0; i < BENCH_READERS; i++)
		pthread_join(rs->thr[i], NULL);
	free(rs);
}

/* ---- gp latency --------------------------------------------------------------------- */

void memb_gp_latency(struct bench_gp_result *r)
{
	struct readers *rs = readers_start();
	double lat[BENCH_GPS];
	unsigned int i;

	for (i = 0; i < 10; i++)		/* warm up */
		urcu_memb_synchronize_rcu();
	for (i = 0; i < BENCH_GPS; i++) {
		uint64_t t0 = bench_now_ns();

		urcu_memb_synchronize_rcu();
		lat[i] = (double)(bench_now_ns() - t0) / 1e3;
	}
	readers_stop(rs);
	r->median_us = bench_median(lat, BENCH_GPS);
	r->posts_per_gp = 0;
}

/* ---- sync_throughput ------------------------------------------------------------------ */

struct sync_arg {
	uint64_t end_ns;
	uint64_t done;
	pthread_t thr;
};

static void *sync_updater(void *p)
{
	struct sync_arg *a = p;

	while (bench_now_ns() < a->end_ns) {
		urcu_memb_synchronize_rcu();
		a->done++;
	}
	return NULL;
}

void memb_sync_throughput(struct bench_sync_result *r)
{
	struct sync_arg arg[BENCH_SYNC_UPDATERS];
	struct readers *rs = readers_start();
	uint64_t t0, t1, total = 0;
	unsigned int i;

	urcu_memb_synchronize_rcu();		/* warm up */
	t0 = bench_now_ns();
	for (i = 0; i < BENCH_SYNC_UPDATERS; i++) {
		arg[i] = (struct sync_arg){ .end_ns = t0 + BENCH_SYNC_NS };
		if (pthread_create(&arg[i].thr, NULL, sync_updater, &arg[i]))
			abort();
	}
	for (i = 0; i < BENCH_SYNC_UPDATERS; i++) {
		pthread_join(arg[i].thr, NULL);
		total += arg[i].done;
	}
	t1 = bench_now_ns();
	readers_stop(rs);
	r->ops_per_s = (double)total * 1e9 / (double)(t1 - t0);
	r->gps_per_s = 0;
}

/* ---- call_rcu ---------------------------------------------------------------------------- */

struct cb_obj {
	struct rcu_head head;
	char payload[BENCH_CB_OBJ - sizeof(struct rcu_head)];
};

static uint64_t outstanding;		/* queued, not yet invoked */

static void cb_free_obj(struct rcu_head *h)
{
	free(caa_container_of(h, struct cb_obj, head));
	__atomic_fetch_sub(&outstanding, 1, __ATOMIC_RELAXED);
}

void memb_cb_throughput(struct bench_cb_result *r)
{
	struct readers *rs = readers_start();
	uint64_t i, t0, t1, peak = 0;
	struct cb_obj *o;

	urcu_memb_register_thread();		/* call_rcu needs it */
	/* Warm up: the default call_rcu thread exists before timing. */
	o = malloc(sizeof(*o));
	if (!o)
		abort();
	__atomic_fetch_add(&outstanding, 1, __ATOMIC_RELAXED);
	urcu_memb_call_rcu(&o->head, cb_free_obj);
	urcu_memb_barrier();

	t0 = bench_now_ns();
	for (i = 0; i < BENCH_CBS; i++) {
		uint64_t n;

		o = malloc(sizeof(*o));
		if (!o)
			abort();
		n = __atomic_add_fetch(&outstanding, 1, __ATOMIC_RELAXED);
		if (n > peak)
			peak = n;
		urcu_memb_call_rcu(&o->head, cb_free_obj);
	}
	urcu_memb_barrier();
	t1 = bench_now_ns();

	urcu_memb_unregister_thread();
	readers_stop(rs);
	if (__atomic_load_n(&outstanding, __ATOMIC_RELAXED))
		abort();
	r->cb_per_s = (double)BENCH_CBS * 1e9 / (double)(t1 - t0);
	r->peak_kib = (double)peak * BENCH_CB_OBJ / 1024.0;
}
