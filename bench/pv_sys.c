// SPDX-License-Identifier: GPL-2.0-or-later
/* The modeled pvrcu system of the benchmarks: see pv_sys.h. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "bench.h"
#include "fake_region.h"
#include "pv_sys.h"
#include "user_reader.h"

#define PV_MAX_VCPUS 64

struct pv_vcpu {
	struct pv_sys *s;
	pthread_t thr;
	unsigned int id;
	uint32_t irq;			/* a post is pending */
	uint32_t running;		/* has run a section */
	uint32_t halted;		/* extra vCPUs: blocked, as in HLT */
	uint64_t halts;			/* ...exits: one per halt */
	uint64_t sections, sum;
} __attribute__((aligned(64)));

struct pv_sys {
	struct pv_vcpu vcpu[PV_MAX_VCPUS];
	unsigned int nreaders;		/* vCPUs 0.. run readers; then extras */
	struct fake_region reg;
	struct rcuc_domain *dom;

	/* Read by the readers at every section: a cache line of its own. */
	int stop __attribute__((aligned(64)));
	uint64_t *ptr;			/* the RCU-protected pointer */
	uint64_t value;			/* what it points to */

	pthread_mutex_t lock __attribute__((aligned(64)));	/* the host's */
	pthread_cond_t done;		/* broadcast when gp_seq moved */
	uint64_t last_seq;		/* gp_seq at the last broadcast */
	int kick_fd;			/* the virtqueue notification */
	pthread_t host;
};

/* ---- the host (pvrcud) -------------------------------------------------------- */

/* rcu-core's post: interrupt guest CPU @cpu (a posted interrupt). */
static bool post_cb(void *ctx, uint32_t cpu, uint64_t gp_seq)
{
	struct pv_sys *s = ctx;

	(void)gp_seq;
	if (cpu >= s->reg.ncpus)
		return false;
	__atomic_store_n(&s->vcpu[cpu].irq, 1, __ATOMIC_RELEASE);
	return true;
}

/* After any rcu-core call, with the lock held: complete finished requests. */
static void gp_moved(struct pv_sys *s)
{
	uint64_t seq = rcuc_gp_seq(s->dom);

	if (seq != s->last_seq) {
		s->last_seq = seq;
		pthread_cond_broadcast(&s->done);
	}
}

static void host_sleep(struct pv_sys *s, uint64_t deadline, uint64_t now)
{
	struct pollfd p = { .fd = s->kick_fd, .events = POLLIN };
	struct timespec ts, *tsp = NULL;
	uint64_t v;

	if (deadline) {
		uint64_t d = deadline - now;

		ts.tv_sec = (time_t)(d / 1000000000ull);
		ts.tv_nsec = (long)(d % 1000000000ull);
		tsp = &ts;
	}
	if (ppoll(&p, 1, tsp, NULL) > 0 && (p.revents & POLLIN)) {
		if (read(s->kick_fd, &v, sizeof(v)) < 0 && errno != EAGAIN)
			abort();
	}
}

/*
 * pvrcud's tracker, for the extra vCPUs: a halted vCPU is seen halted,
 * with one more exit per halt (the HLT).
 */
static void track(struct pv_sys *s)
{
	unsigned int i;

	for (i = s->nreaders; i < s->reg.ncpus; i++) {
		struct rcuc_vcpu_sample t = {
			.exits = __atomic_load_n(&s->vcpu[i].halts, __ATOMIC_ACQUIRE),
			.halted = __atomic_load_n(&s->vcpu[i].halted, __ATOMIC_ACQUIRE),
		};

		rcuc_vcpu_sample(s->dom, i, &t);
	}
}

static void *host_thread(void *arg)
{
	struct pv_sys *s = arg;

	/* pvrcud's timers are short (10 us polls): no slack on top. */
	prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
	pthread_mutex_lock(&s->lock);
	while (!__atomic_load_n(&s->stop, __ATOMIC_ACQUIRE)) {
		uint64_t now = bench_now_ns(), dl = rcuc_deadline(s->dom);

		if (dl && dl <= now) {
			track(s);
			rcuc_advance(s->dom, now);
			gp_moved(s);
			/*
			 * As pvrcud's event loop does: between back-to-back
			 * rescans, serve requests (the kick) without waiting.
			 */
			dl = now;
		}
		pthread_mutex_unlock(&s->lock);
		host_sleep(s, dl, now);
		pthread_mutex_lock(&s->lock);
	}
	pthread_mutex_unlock(&s->lock);
	return NULL;
}

static void kick(struct pv_sys *s)
{
	uint64_t one = 1;

	if (write(s->kick_fd, &one, sizeof(one)) != sizeof(one))
		abort();
}

/* ---- the guest: vCPUs running readers ------------------------------------------ */

/* The guest's handler for a post, taken between sections. */
static inline void take_irq(struct pv_vcpu *v)
{
	if (__atomic_load_n(&v->irq, __ATOMIC_RELAXED) &&
	    __atomic_exchange_n(&v->irq, 0, __ATOMIC_ACQ_REL))
		pvrcu_rd_report_if_idle();
}

static void *reader_thread(void *arg)
{
	struct pv_vcpu *v = arg;
	struct pv_sys *s = v->s;
	uint64_t n = 0, sum = 0;

	bench_pin_reader(v->id);
	user_reader_rec = fr_rec(&s->reg, v->id);
	while (!__atomic_load_n(&s->stop, __ATOMIC_RELAXED)) {
		pvrcu_rd_lock();
		sum += bench_section_body((uint64_t *const volatile *)&s->ptr);
		pvrcu_rd_unlock();
		take_irq(v);
		if (!n++)
			__atomic_store_n(&v->running, 1, __ATOMIC_RELEASE);
	}
	v->sections = n;
	v->sum = sum;
	return NULL;
}

/* ---- set-up ------------------------------------------------------------------------- */

struct pv_sys *pv_sys_start(unsigned int nreaders, unsigned int nextra)
{
	static const struct rcuc_ops ops = { .post = post_cb };
	pthread_condattr_t ca;
	struct pv_sys *s;
	unsigned int i;

	if (nreaders == 0 || nreaders + nextra > PV_MAX_VCPUS)
		return NULL;
	s = aligned_alloc(64, sizeof(*s));
	if (!s)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->nreaders = nreaders;
	s->ptr = &s->value;
	s->kick_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (fake_region_init(&s->reg, nreaders + nextra, 0) || s->kick_fd < 0)
		abort();
	for (i = 0; i < s->reg.ncpus; i++) {
		fr_rec(&s->reg, i)->eventq = htole32(VIRTIO_RCU_EVENTQ_BASE + i);
		s->vcpu[i].s = s;
		s->vcpu[i].id = i;
	}
	user_reader_hdr = fr_hdr(&s->reg);
	/* pvrcud runs its domains with the default tunables. */
	s->dom = rcuc_domain_new(&ops, s, NULL);
	if (!s->dom ||
	    rcuc_attach(s->dom, s->reg.shm, s->reg.len, s->reg.ncpus, 0, 0,
			bench_now_ns()))
		abort();
	s->last_seq = rcuc_gp_seq(s->dom);
	pthread_mutex_init(&s->lock, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&s->done, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&s->host, NULL, host_thread, s))
		abort();
	for (i = 0; i < nreaders; i++)
		if (pthread_create(&s->vcpu[i].thr, NULL, reader_thread,
				   &s->vcpu[i]))
			abort();
	/* Measure nothing before every vCPU runs its readers. */
	for (i = 0; i < nreaders; i++)
		while (!__atomic_load_n(&s->vcpu[i].running, __ATOMIC_ACQUIRE))
			usleep(100);
	return s;
}

void pv_sys_stop(struct pv_sys *s)
{
	unsigned int i;

	__atomic_store_n(&s->stop, 1, __ATOMIC_RELEASE);
	kick(s);
	pthread_join(s->host, NULL);
	for (i = 0; i < s->nreaders; i++)
		pthread_join(s->vcpu[i].thr, NULL);
	rcuc_domain_free(s->dom);
	close(s->kick_fd);
	pthread_cond_destroy(&s->done);
	pthread_mutex_destroy(&s->lock);
	user_reader_hdr = NULL;
	free(s->reg.shm);
	free(s);
}

/* ---- the guest: requests and waits ------------------------------------------------ */

uint64_t pv_request(struct pv_sys *s, bool expedited)
{
	uint64_t c, now = bench_now_ns();

	/*
	 * What pvrcud does with a GP request, back to back on its thread:
	 * do_gp() -> rcuc_gp_request(), then kick_engine() -> rcuc_advance(),
	 * complete what finished, re-arm the timer. Here the requesting
	 * thread runs those calls itself, under the host's lock, and the
	 * kick (every request notifies the device) makes the host thread
	 * re-arm its timer for the new deadline.
	 */
	pthread_mutex_lock(&s->lock);
	c = rcuc_gp_request(s->dom, expedited, now);
	rcuc_advance(s->dom, now);
	gp_moved(s);
	pthread_mutex_unlock(&s->lock);
	kick(s);
	return c;
}

void pv_wait(struct pv_sys *s, uint64_t cookie)
{
	pthread_mutex_lock(&s->lock);
	while (!rcuc_gp_done(s->dom, cookie))
		pthread_cond_wait(&s->done, &s->lock);
	pthread_mutex_unlock(&s->lock);
}

bool pv_wait_timeout(struct pv_sys *s, uint64_t cookie, uint64_t timeout_ns)
{
	uint64_t until = bench_now_ns() + timeout_ns;
	struct timespec ts = {
		.tv_sec = (time_t)(until / 1000000000ull),
		.tv_nsec = (long)(until % 1000000000ull),
	};
	bool done;
	int rc = 0;

	pthread_mutex_lock(&s->lock);
	while (!(done = rcuc_gp_done(s->dom, cookie)) && rc != ETIMEDOUT)
		rc = pthread_cond_timedwait(&s->done, &s->lock, &ts);
	pthread_mutex_unlock(&s->lock);
	return done;
}

struct virtio_rcu_shm_cpu *pv_cpu_rec(struct pv_sys *s, unsigned int cpu)
{
	return fr_rec(&s->reg, cpu);
}

void pv_cpu_take_irq(struct pv_sys *s, unsigned int cpu)
{
	user_reader_rec = fr_rec(&s->reg, cpu);
	take_irq(&s->vcpu[cpu]);
}

void pv_cpu_halt(struct pv_sys *s, unsigned int cpu, bool halted)
{
	struct pv_vcpu *v = &s->vcpu[cpu];

	if (halted)
		__atomic_add_fetch(&v->halts, 1, __ATOMIC_RELEASE);
	__atomic_store_n(&v->halted, halted, __ATOMIC_RELEASE);
	if (halted)
		kick(s);	/* the HLT exit: the tracker sees it soon */
}

uint64_t pv_published_gp(const struct pv_sys *s)
{
	return le64toh(*(const volatile __le64 *)
		       &((const struct virtio_rcu_shm_header *)s->reg.shm)->gp_seq);
}

void pv_stats(struct pv_sys *s, struct rcuc_stats *out)
{
	pthread_mutex_lock(&s->lock);
	*out = *rcuc_stats(s->dom);
	pthread_mutex_unlock(&s->lock);
}
