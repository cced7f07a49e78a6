// SPDX-License-Identifier: GPL-2.0-or-later
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rcu_core.h"
#include "torture.h"
#include "user_reader.h"

#define POOL 4096
#define MAX_VCPUS 64
#define MAX_UPDATERS 8

struct elem {
	uint64_t removed_cookie;	/* GP that must outlive its readers */
	uint32_t poison;		/* set when "freed" */
	uint32_t in_pool;
};

struct torture;

struct vcpu {
	struct torture *t;
	pthread_t thr;
	unsigned int id;
	uint64_t exits;			/* the simulated KVM "exits" stat */
	uint32_t halted;		/* ... and "blocking" */
	uint32_t irq;			/* a post is pending */
	uint64_t reads, errors;
	unsigned int seed;
};

struct torture {
	struct torture_params p;
	struct rcuc_domain *dom;
	unsigned char *shm;
	pthread_mutex_t host_lock;	/* rcu-core is single-threaded */
	struct elem pool[POOL];
	struct elem *free_list[POOL];
	unsigned int nfree;
	pthread_mutex_t pool_lock;
	struct elem *cur;
	struct vcpu vcpu[MAX_VCPUS];
	volatile int stop;
	uint64_t gps, callbacks;
	pthread_mutex_t stat_lock;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t published_gp(void)
{
	return le64toh(*(volatile __le64 *)&user_reader_hdr->gp_seq);
}

/* ---- the host: rcu-core plus a fake KVM tracker ------------------------- */

static bool post_cb(void *ctx, uint32_t cpu, uint64_t gp_seq)
{
	struct torture *t = ctx;

	(void)gp_seq;
	__atomic_store_n(&t->vcpu[cpu].irq, 1, __ATOMIC_RELEASE);
	return true;
}

static void *host_thread(void *arg)
{
	struct torture *t = arg;
	unsigned int i;

	while (!t->stop) {
		pthread_mutex_lock(&t->host_lock);
		if (t->p.kvm_sources) {
			for (i = 0; i < t->p.vcpus; i++) {
				struct rcuc_vcpu_sample s = {
					.exits = __atomic_load_n(&t->vcpu[i].exits,
								 __ATOMIC_SEQ_CST),
					.halted = __atomic_load_n(&t->vcpu[i].halted,
								  __ATOMIC_SEQ_CST),
				};
				rcuc_vcpu_sample(t->dom, i, &s);
			}
		}
		rcuc_advance(t->dom, now_ns());
		pthread_mutex_unlock(&t->host_lock);
		usleep(50);
	}
	return NULL;
}

/* ---- vCPUs: readers ------------------------------------------------------ */

/* The guest's interrupt handler for a post. */
static void take_irq(struct vcpu *v)
{
	if (__atomic_exchange_n(&v->irq, 0, __ATOMIC_ACQ_REL))
		pvrcu_rd_report_if_idle();
}

/* A VM exit drains the store buffer before KVM counts it. */
static void vm_exit(struct vcpu *v)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	__atomic_fetch_add(&v->exits, 1, __ATOMIC_SEQ_CST);
}

static void check_elem(struct vcpu *v, struct elem *e)
{
	uint64_t rc;

	if (__atomic_load_n(&e->poison, __ATOMIC_ACQUIRE))
		v->errors++;
	/* A GP that began after e was removed must not end while we hold e. */
	rc = __atomic_load_n(&e->removed_cookie, __ATOMIC_ACQUIRE);
	if (rc && rcuc_seq_ge(published_gp(), rc))
		v->errors++;
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct torture *t = v->t;
	unsigned int i, spin;

	user_reader_rec = (struct virtio_rcu_shm_cpu *)
		(t->shm + virtio_rcu_shm_cpu_off(v->id));
	while (!t->stop) {
		struct elem *e;

		pvrcu_rd_lock();
		e = __atomic_load_n(&t->cur, __ATOMIC_ACQUIRE);
		check_elem(v, e);
		if (rand_r(&v->seed) % 4 == 0) {	/* nested reader */
			pvrcu_rd_lock();
			check_elem(v, __atomic_load_n(&t->cur, __ATOMIC_ACQUIRE));
			pvrcu_rd_unlock();
		}
		if (rand_r(&v->seed) % 8 == 0)
			take_irq(v);			/* interrupt inside */
		spin = rand_r(&v->seed) % 256;
		for (i = 0; i < spin; i++)
			__asm__ __volatile__("" ::: "memory");
		if (t->p.kvm_sources && rand_r(&v->seed) % 16 == 0)
			vm_exit(v);			/* exit inside a reader */
		check_elem(v, e);
		pvrcu_rd_unlock();
		v->reads++;

		take_irq(v);
		if (t->p.kvm_sources) {
			unsigned int r = rand_r(&v->seed) % 1024;

			if (r < 16) {
				vm_exit(v);
			} else if (r == 16) {		/* HLT: exit, then block */
				vm_exit(v);
				__atomic_store_n(&v->halted, 1, __ATOMIC_SEQ_CST);
				usleep(200);
				__atomic_store_n(&v->halted, 0, __ATOMIC_SEQ_CST);
			}
		} else if (rand_r(&v->seed) % 4096 == 0) {
			sched_yield();
		}
	}
	return NULL;
}

/* ---- updaters -------------------------------------------------------------- */

static struct elem *elem_alloc(struct torture *t)
{
	struct elem *e = NULL;

	pthread_mutex_lock(&t->pool_lock);
	if (t->nfree)
		e = t->free_list[--t->nfree];
	pthread_mutex_unlock(&t->pool_lock);
	if (e) {
		e->removed_cookie = 0;
		e->in_pool = 0;
		__atomic_store_n(&e->poison, 0, __ATOMIC_RELEASE);
	}
	return e;
}

static void elem_free(struct torture *t, struct elem *e)
{
	__atomic_store_n(&e->poison, 1, __ATOMIC_RELEASE);
	pthread_mutex_lock(&t->pool_lock);
	e->in_pool = 1;
	t->free_list[t->nfree++] = e;
	pthread_mutex_unlock(&t->pool_lock);
}

static uint64_t request_gp(struct torture *t, bool exp)
{
	uint64_t c;

	pthread_mutex_lock(&t->host_lock);
	c = rcuc_gp_request(t->dom, exp, now_ns());
	pthread_mutex_unlock(&t->host_lock);
	return c;
}

static void wait_gp(struct torture *t, uint64_t c)
{
	while (!rcuc_seq_ge(published_gp(), c) && !t->stop)
		usleep(20);
}

struct pending_cb {
	struct elem *e;
	uint64_t cookie;
};

static void *updater_thread(void *arg)
{
	struct torture *t = arg;
	struct pending_cb *cbs = calloc(POOL, sizeof(*cbs));
	unsigned int ncbs = 0, seed = (unsigned int)(uintptr_t)&cbs, i;
	uint64_t gps = 0, callbacks = 0;

	while (!t->stop && cbs) {
		struct elem *n = elem_alloc(t), *old;
		uint64_t c;
		int mode = rand_r(&seed) % 4;

		if (!n) {	/* pool empty: wait for callbacks */
			mode = -1;
		} else {
			old = __atomic_exchange_n(&t->cur, n, __ATOMIC_SEQ_CST);
		}
		if (mode == 0 || mode == 1) {		/* synchronize / expedited */
			c = request_gp(t, mode == 1);
			__atomic_store_n(&old->removed_cookie, c, __ATOMIC_RELEASE);
			wait_gp(t, c);
			if (t->stop)
				break;
			elem_free(t, old);
			gps++;
		} else if (mode == 2) {			/* polled: cookie from memory */
			__atomic_thread_fence(__ATOMIC_SEQ_CST);
			c = rcuc_seq_snap(published_gp());
			__atomic_store_n(&old->removed_cookie, c, __ATOMIC_RELEASE);
			request_gp(t, false);
			wait_gp(t, c);
			if (t->stop)
				break;
			elem_free(t, old);
			gps++;
		} else if (mode == 3) {			/* call_rcu-style */
			c = request_gp(t, false);
			__atomic_store_n(&old->removed_cookie, c, __ATOMIC_RELEASE);
			cbs[ncbs++] = (struct pending_cb){ old, c };
		}
		/* Invoke ready callbacks; wait for one if the pool ran dry. */
		if (mode == -1 && ncbs)
			wait_gp(t, cbs[0].cookie);
		for (i = 0; i < ncbs;) {
			if (rcuc_seq_ge(published_gp(), cbs[i].cookie)) {
				elem_free(t, cbs[i].e);
				cbs[i] = cbs[--ncbs];
				callbacks++;
			} else {
				i++;
			}
		}
		if (mode == -1 && !ncbs)
			usleep(100);
	}
	free(cbs);
	pthread_mutex_lock(&t->stat_lock);
	t->gps += gps;
	t->callbacks += callbacks;
	pthread_mutex_unlock(&t->stat_lock);
	return NULL;
}

int torture_run(const struct torture_params *p, struct torture_result *r)
{
	static const struct rcuc_ops ops = { .post = post_cb };
	struct rcuc_tunables tun;
	pthread_t host, upd[MAX_UPDATERS];
	struct torture *t;
	size_t len;
	unsigned int i;
	uint64_t t0;

	memset(r, 0, sizeof(*r));
	if (p->vcpus == 0 || p->vcpus > MAX_VCPUS || p->updaters == 0 ||
	    p->updaters > MAX_UPDATERS)
		return -1;
	t = calloc(1, sizeof(*t));
	if (!t)
		return -1;
	t->p = *p;
	len = (virtio_rcu_shm_size(p->vcpus, 0) + 4095) & ~4095ull;
	t->shm = aligned_alloc(4096, len);
	if (!t->shm) {
		free(t);
		return -1;
	}
	memset(t->shm, 0, len);
	user_reader_hdr = (struct virtio_rcu_shm_header *)t->shm;
	for (i = 0; i < p->vcpus; i++) {
		struct virtio_rcu_shm_cpu *rec = (struct virtio_rcu_shm_cpu *)
			(t->shm + virtio_rcu_shm_cpu_off(i));

		rec->online = htole32(1);
		t->vcpu[i].t = t;
		t->vcpu[i].id = i;
		t->vcpu[i].seed = 12345 + i;
	}
	rcuc_tunables_default(&tun);
	tun.fqs_delay_ns = 200000;		/* keep GPs moving: 200 us */
	tun.repost_ns = 1000000;
	tun.unsafe_end_gp_early = p->broken;
	t->dom = rcuc_domain_new(&ops, t, &tun);
	if (!t->dom || rcuc_attach(t->dom, t->shm, len, p->vcpus, 0, 0, now_ns())) {
		rcuc_domain_free(t->dom);
		free(t->shm);
		free(t);
		return -1;
	}
	pthread_mutex_init(&t->host_lock, NULL);
	pthread_mutex_init(&t->pool_lock, NULL);
	pthread_mutex_init(&t->stat_lock, NULL);
	t->cur = &t->pool[0];
	for (i = 1; i < POOL; i++)
		t->free_list[t->nfree++] = &t->pool[i];

	t0 = now_ns();
	pthread_create(&host, NULL, host_thread, t);
	for (i = 0; i < p->vcpus; i++)
		pthread_create(&t->vcpu[i].thr, NULL, vcpu_thread, &t->vcpu[i]);
	for (i = 0; i < p->updaters; i++)
		pthread_create(&upd[i], NULL, updater_thread, t);
	while (now_ns() - t0 < (uint64_t)(p->seconds * 1e9)) {
		uint64_t errs = 0;

		usleep(10000);
		for (i = 0; i < p->vcpus; i++)
			errs += __atomic_load_n(&t->vcpu[i].errors, __ATOMIC_RELAXED);
		if (errs > 100)
			break;		/* caught: no need to go on */
	}
	t->stop = 1;
	for (i = 0; i < p->updaters; i++)
		pthread_join(upd[i], NULL);
	for (i = 0; i < p->vcpus; i++) {
		pthread_join(t->vcpu[i].thr, NULL);
		r->reads += t->vcpu[i].reads;
		r->errors += t->vcpu[i].errors;
	}
	pthread_join(host, NULL);
	r->seconds = (double)(now_ns() - t0) / 1e9;
	r->gps = t->gps;
	r->callbacks = t->callbacks;
	for (i = 0; i < RCUC_QS_NSOURCES && i < 8; i++)
		r->qs_by_source[i] = rcuc_stats(t->dom)->qs[i];
	r->posts = rcuc_stats(t->dom)->posts;
	rcuc_domain_free(t->dom);
	free(t->shm);
	free(t);
	return 0;
}
