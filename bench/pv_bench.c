// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pvrcu side of every comparison: one run of each workload, on the
 * modeled system of pv_sys.c (the guest's own reader code, rcu-core
 * driven by a pvrcud-like host thread).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "fake_region.h"
#include "pv_sys.h"
#include "user_reader.h"

/* ---- read_pair: the reader fast path alone ------------------------------------ */

/* One CPU's region for a read_pair timing; need_qs == qs_seq: the host
 * waits for nothing, the fast path. */
static struct virtio_rcu_shm_cpu *read_pair_setup(struct fake_region *f)
{
	struct virtio_rcu_shm_cpu *rec;

	if (fake_region_init(f, 1, 0))
		abort();
	rec = fr_rec(f, 0);
	rec->need_qs = htole64(4);
	rec->qs_seq = htole64(4);
	user_reader_hdr = fr_hdr(f);
	user_reader_rec = rec;
	return rec;
}

static void read_pair_teardown(struct fake_region *f)
{
	user_reader_rec = NULL;
	user_reader_hdr = NULL;
	free(f->shm);
}

double pv_read_pair_ns(void)
{
	struct virtio_rcu_shm_cpu *rec;
	struct fake_region f;
	uint64_t i, t0, t1;

	rec = read_pair_setup(&f);
	t0 = bench_now_ns();
	for (i = 0; i < BENCH_READ_PAIRS; i++) {
		pvrcu_rd_lock();
		__asm__ __volatile__("" ::: "memory");
		pvrcu_rd_unlock();
	}
	t1 = bench_now_ns();
	if (le32toh(rec->nesting) != 0 || le64toh(rec->qs_seq) != 4)
		abort();	/* not the fast path we meant to time */
	read_pair_teardown(&f);
	return (double)(t1 - t0) / (double)BENCH_READ_PAIRS;
}

/*
 * read_pair_kernel: the Linux driver's reader (guest-driver/include/pvrcu.h)
 * in userspace: pvrcu_read_lock() is preempt_disable(), a per-CPU count
 * increment (here a thread-local one); pvrcu_read_unlock() loads the
 * record, tests pvrcu_rd_qs_needed() and calls the report path only when
 * the host waits, then preempt_enable() (decrement, and the test for a
 * pending reschedule that the kernel's folds into the same instruction).
 */
static __thread volatile unsigned int pv_preempt_count;
static __thread volatile unsigned int pv_resched;

static inline void kernel_rd_lock(void)
{
	pv_preempt_count = pv_preempt_count + 1;
	__asm__ __volatile__("" ::: "memory");
}

static inline void kernel_rd_unlock(void)
{
	__asm__ __volatile__("" ::: "memory");
	if (__builtin_expect(pvrcu_rd_qs_needed(user_reader_rec), 0))
		abort();	/* the report path: never taken here */
	pv_preempt_count = pv_preempt_count - 1;
	if (__builtin_expect(pv_preempt_count == 0 && pv_resched, 0))
		abort();
}

double pv_read_pair_kernel_ns(void)
{
	struct virtio_rcu_shm_cpu *rec;
	struct fake_region f;
	uint64_t i, t0, t1;

	rec = read_pair_setup(&f);
	t0 = bench_now_ns();
	for (i = 0; i < BENCH_READ_PAIRS; i++) {
		kernel_rd_lock();
		__asm__ __volatile__("" ::: "memory");
		kernel_rd_unlock();
	}
	t1 = bench_now_ns();
	if (pv_preempt_count != 0 || le64toh(rec->qs_seq) != 4)
		abort();	/* not the fast path we meant to time */
	read_pair_teardown(&f);
	return (double)(t1 - t0) / (double)BENCH_READ_PAIRS;
}

/* ---- gp_expedited / gp_normal: request-to-completion latency ------------------- */

void pv_gp_latency(bool expedited, struct bench_gp_result *r)
{
	struct pv_sys *s = pv_sys_start(BENCH_READERS, 0);
	double lat[BENCH_GPS];
	struct rcuc_stats a, b;
	unsigned int i;

	if (!s)
		abort();
	for (i = 0; i < 10; i++)		/* warm up */
		pv_wait(s, pv_request(s, expedited));
	pv_stats(s, &a);
	for (i = 0; i < BENCH_GPS; i++) {
		uint64_t t0 = bench_now_ns();

		pv_wait(s, pv_request(s, expedited));
		lat[i] = (double)(bench_now_ns() - t0) / 1e3;
	}
	pv_stats(s, &b);
	pv_sys_stop(s);
	r->median_us = bench_median(lat, BENCH_GPS);
	r->posts_per_gp = (double)(b.posts - a.posts) / BENCH_GPS;
}

/* ---- sync_throughput: concurrent synchronize callers ----------------------------- */

struct sync_arg {
	struct pv_sys *s;
	uint64_t end_ns;
	uint64_t done;
	pthread_t thr;
};

static void *sync_updater(void *p)
{
	struct sync_arg *a = p;

	while (bench_now_ns() < a->end_ns) {
		pv_wait(a->s, pv_request(a->s, false));
		a->done++;
	}
	return NULL;
}

void pv_sync_throughput(struct bench_sync_result *r)
{
	struct sync_arg arg[BENCH_SYNC_UPDATERS];
	struct pv_sys *s = pv_sys_start(BENCH_READERS, 0);
	struct rcuc_stats a, b;
	uint64_t t0, t1, total = 0;
	unsigned int i;

	if (!s)
		abort();
	pv_wait(s, pv_request(s, false));	/* warm up */
	pv_stats(s, &a);
	t0 = bench_now_ns();
	for (i = 0; i < BENCH_SYNC_UPDATERS; i++) {
		arg[i] = (struct sync_arg){ .s = s, .end_ns = t0 + BENCH_SYNC_NS };
		if (pthread_create(&arg[i].thr, NULL, sync_updater, &arg[i]))
			abort();
	}
	for (i = 0; i < BENCH_SYNC_UPDATERS; i++) {
		pthread_join(arg[i].thr, NULL);
		total += arg[i].done;
	}
	t1 = bench_now_ns();
	pv_stats(s, &b);
	pv_sys_stop(s);
	r->ops_per_s = (double)total * 1e9 / (double)(t1 - t0);
	r->gps_per_s = (double)(b.gps_completed - a.gps_completed) * 1e9 /
		       (double)(t1 - t0);
}

/* ---- cb_throughput / cb_peak_mem: callbacks kept in the guest ------------------- */

/*
 * A guest callback: queued on an intrusive FIFO (one producer, the
 * queuing CPU; one consumer, the softirq) tagged with the GP cookie it
 * waits for. Cookies only grow along the queue, so the consumer stops at
 * the first one not yet reached.
 */
struct pv_cb {
	struct pv_cb *next;
	uint64_t cookie;
	void (*func)(struct pv_cb *);
};

struct cb_obj {
	struct pv_cb head;
	char payload[BENCH_CB_OBJ - sizeof(struct pv_cb)];
};

/* Vyukov's intrusive MPSC queue: push is one exchange, pop needs no lock. */
struct cb_queue {
	struct pv_cb *head __attribute__((aligned(64)));	/* producers */
	struct pv_cb *tail __attribute__((aligned(64)));	/* consumer */
	struct pv_cb stub;
};

static void cbq_init(struct cb_queue *q)
{
	q->stub.next = NULL;
	q->head = &q->stub;
	q->tail = &q->stub;
}

static void cbq_push(struct cb_queue *q, struct pv_cb *n)
{
	struct pv_cb *prev;

	n->next = NULL;
	prev = __atomic_exchange_n(&q->head, n, __ATOMIC_ACQ_REL);
	__atomic_store_n(&prev->next, n, __ATOMIC_RELEASE);
}

/*
 * The oldest callback if its GP (cookie) is done by @gp; else NULL, with
 * *@wait set to the cookie to wait for (0 if the queue looks empty).
 */
static struct pv_cb *cbq_pop_ready(struct cb_queue *q, uint64_t gp,
				   uint64_t *wait)
{
	struct pv_cb *tail = q->tail, *next, *head;

	*wait = 0;
	next = __atomic_load_n(&tail->next, __ATOMIC_ACQUIRE);
	if (tail == &q->stub) {
		if (!next)
			return NULL;
		q->tail = next;
		tail = next;
		next = __atomic_load_n(&next->next, __ATOMIC_ACQUIRE);
	}
	if (!rcuc_seq_ge(gp, tail->cookie)) {
		*wait = tail->cookie;
		return NULL;
	}
	if (next) {
		q->tail = next;
		return tail;
	}
	head = __atomic_load_n(&q->head, __ATOMIC_ACQUIRE);
	if (tail != head)
		return NULL;		/* a push is half done: retry later */
	cbq_push(q, &q->stub);
	next = __atomic_load_n(&tail->next, __ATOMIC_ACQUIRE);
	if (next) {
		q->tail = next;
		return tail;
	}
	return NULL;
}

struct cb_run {
	struct pv_sys *s;
	struct cb_queue q;
	uint64_t outstanding;		/* queued, not yet invoked */
	uint64_t invoked;
	uint64_t target;
	int stop;
	pthread_mutex_t lock;		/* barrier: invoked reached target */
	pthread_cond_t drained;
	pthread_t invoker;
};

static struct cb_run *cb_run_of_obj;	/* one run at a time */

static void cb_free_obj(struct pv_cb *h)
{
	struct cb_obj *o = (struct cb_obj *)h;

	free(o);
	__atomic_fetch_sub(&cb_run_of_obj->outstanding, 1, __ATOMIC_RELAXED);
}

/* The guest's softirq: run what is ready, sleep until the next GP ends. */
static void *cb_invoker(void *p)
{
	struct cb_run *run = p;
	uint64_t invoked = 0;

	for (;;) {
		uint64_t gp = pv_published_gp(run->s), wait;
		struct pv_cb *cb;

		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		while ((cb = cbq_pop_ready(&run->q, gp, &wait)) != NULL) {
			cb->func(cb);
			invoked++;
		}
		if (invoked != run->invoked) {
			pthread_mutex_lock(&run->lock);
			run->invoked = invoked;
			if (invoked >= run->target)
				pthread_cond_broadcast(&run->drained);
			pthread_mutex_unlock(&run->lock);
		}
		if (__atomic_load_n(&run->stop, __ATOMIC_ACQUIRE))
			break;
		/*
		 * The GP-done interrupt wakes us. With nothing queued, or a
		 * push half done, wait for the end of the next GP; the
		 * timeout only guards against a wake-up lost to that race.
		 */
		if (!wait)
			wait = (gp | VIRTIO_RCU_SEQ_STATE_MASK) + 1;
		pv_wait_timeout(run->s, wait, 1000000);
	}
	return NULL;
}

/*
 * The guest's pvrcu_call() on the updater's vCPU (CPU BENCH_READERS): take
 * a pending interrupt, take the cookie, queue, publish the backlog and the
 * newest cookie in the CPU record, then ask for the GP only if the host
 * will not chain to it (VIRTIO_RCU_F_CB_CHAIN, guest-driver/gp.c).
 */
struct cb_producer {
	struct pv_sys *s;
	struct virtio_rcu_shm_cpu *rec;
	unsigned int cpu;
	uint64_t asked;			/* newest cookie requested or chained */
	uint64_t published;		/* cb_next as last written */
	uint64_t requests;
};

static void cb_produce(struct cb_producer *p, struct cb_run *run,
		       struct cb_obj *o, uint64_t backlog)
{
	uint64_t cookie, g;

	pv_cpu_take_irq(p->s, p->cpu);
	/* The caller's removal before the gp_seq load (a polled cookie). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	cookie = rcuc_seq_snap(pv_published_gp(p->s));
	o->head.cookie = cookie;
	cbq_push(&run->q, &o->head);
	if (cookie != p->published) {
		p->rec->cb_seq = htole64(cookie);
		p->rec->cb_next = htole64(cookie);
		p->published = cookie;
	}
	__atomic_store_n(&p->rec->backlog, htole64(backlog), __ATOMIC_RELEASE);
	if (p->asked && rcuc_seq_ge(p->asked, cookie))
		return;
	/* The handshake: our record, then gp_seq; the host does the reverse. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	g = pv_published_gp(p->s);
	if ((g & VIRTIO_RCU_SEQ_STATE_MASK) && rcuc_seq_ge(rcuc_seq_snap(g), cookie)) {
		p->asked = cookie;
		return;
	}
	p->asked = pv_request(p->s, false);
	p->requests++;
}

void pv_cb_throughput(struct bench_cb_result *r)
{
	struct cb_run *run = calloc(1, sizeof(*run));
	struct cb_producer p = { .cpu = BENCH_READERS };
	uint64_t i, t0, t1, peak = 0;
	struct rcuc_stats a, b;

	if (!run)
		abort();
	run->s = pv_sys_start(BENCH_READERS, 1);
	if (!run->s)
		abort();
	p.s = run->s;
	p.rec = pv_cpu_rec(run->s, p.cpu);
	cbq_init(&run->q);
	run->target = BENCH_CBS;
	pthread_mutex_init(&run->lock, NULL);
	pthread_cond_init(&run->drained, NULL);
	cb_run_of_obj = run;
	if (pthread_create(&run->invoker, NULL, cb_invoker, run))
		abort();
	pv_cpu_halt(run->s, p.cpu, true);	/* the warm-up GP: we sleep */
	pv_wait(run->s, pv_request(run->s, false));
	pv_cpu_halt(run->s, p.cpu, false);

	pv_stats(run->s, &a);
	t0 = bench_now_ns();
	for (i = 0; i < BENCH_CBS; i++) {
		struct cb_obj *o = malloc(sizeof(*o));
		uint64_t n;

		if (!o)
			abort();
		o->head.func = cb_free_obj;
		n = __atomic_add_fetch(&run->outstanding, 1, __ATOMIC_RELAXED);
		if (n > peak)
			peak = n;
		cb_produce(&p, run, o, n);
	}
	/* Barrier: every callback queued above has run. The vCPU idles. */
	pv_cpu_halt(run->s, p.cpu, true);
	pthread_mutex_lock(&run->lock);
	while (run->invoked < BENCH_CBS)
		pthread_cond_wait(&run->drained, &run->lock);
	pthread_mutex_unlock(&run->lock);
	t1 = bench_now_ns();
	pv_stats(run->s, &b);

	__atomic_store_n(&run->stop, 1, __ATOMIC_RELEASE);
	pthread_join(run->invoker, NULL);
	pv_sys_stop(run->s);
	if (run->outstanding)
		abort();
	r->cb_per_s = (double)BENCH_CBS * 1e9 / (double)(t1 - t0);
	r->peak_kib = (double)peak * BENCH_CB_OBJ / 1024.0;
	b.gps_completed -= a.gps_completed;
	r->cbs_per_gp = (double)BENCH_CBS / (double)(b.gps_completed ?: 1);
	r->reqs_per_gp = (double)p.requests / (double)(b.gps_completed ?: 1);
	pthread_cond_destroy(&run->drained);
	pthread_mutex_destroy(&run->lock);
	cb_run_of_obj = NULL;
	free(run);
}
