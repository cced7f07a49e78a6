// SPDX-License-Identifier: GPL-2.0-or-later
/* SRCU domains: the two-phase scan-and-flip over hostile guest counters. */
#include <criterion/criterion.h>

#include "fake_region.h"

#define NCPUS 2
#define NDOM 3

static struct fake_region f;
static struct rcuc_domain *d;
static int posts;

static bool on_post(void *ctx, uint32_t cpu, uint64_t gp)
{
	(void)ctx; (void)cpu; (void)gp;
	posts++;
	return true;
}

static const struct rcuc_ops ops = { .post = on_post };

static void setup(void)
{
	cr_assert_eq(fake_region_init(&f, NCPUS, NDOM), 0);
	posts = 0;
	d = rcuc_domain_new(&ops, NULL, NULL);
	cr_assert_eq(rcuc_attach(d, f.shm, f.len, NCPUS, NDOM, 0, 0), 0);
}

static void teardown(void)
{
	rcuc_domain_free(d);
	free(f.shm);
}

TestSuite(srcu, .init = setup, .fini = teardown);

/* The guest's srcu_read_lock()/unlock() on a CPU. */
static uint32_t rd_lock(uint32_t dom, uint32_t cpu)
{
	uint32_t idx = le32toh(fr_sdom(&f, dom)->idx) & 1;
	struct virtio_rcu_shm_srcu_cpu *c = fr_srcu(&f, dom, cpu);

	c->lock[idx] = htole64(le64toh(c->lock[idx]) + 1);
	return idx;
}

static void rd_unlock(uint32_t dom, uint32_t cpu, uint32_t idx)
{
	struct virtio_rcu_shm_srcu_cpu *c = fr_srcu(&f, dom, cpu);

	c->unlock[idx] = htole64(le64toh(c->unlock[idx]) + 1);
}

static uint64_t t_ns = 1;

static void tick(void)
{
	t_ns += 10000000;	/* past any poll interval */
	rcuc_advance(d, t_ns);
}

Test(srcu, create_inside_the_device_limit_only)
{
	uint32_t i;

	for (i = 0; i < NDOM; i++)
		cr_assert_eq(rcuc_srcu_create(d, i), 0);
	cr_assert_eq(rcuc_srcu_create(d, NDOM), -1, "past the limit");
	cr_assert_eq(rcuc_srcu_create(d, UINT32_MAX), -1);
	cr_assert_eq(rcuc_srcu_create(d, 1), -2, "already in use");
	cr_assert_eq(rcuc_srcu_destroy(d, 1), 0);
	cr_assert_not(rcuc_srcu_in_use(d, 1));
	cr_assert_eq(rcuc_srcu_create(d, 1), 0);
	cr_assert_eq(rcuc_srcu_destroy(d, 7), -1);
}

Test(srcu, fresh_attach_leaves_host_lines_and_create_adopts_them)
{
	struct virtio_rcu_shm_srcu_domain *h = fr_sdom(&f, 2);
	uint64_t c;

	/* What an earlier device left: a GP of the domain half done. */
	rcuc_detach(d);
	h->idx = htole32(1);
	h->srcu_gp_seq = htole64(41);
	h->srcu_gp_completed = htole64(40);
	cr_assert_eq(rcuc_attach(d, f.shm, f.len, NCPUS, NDOM, 0, 0), 0);
	cr_assert_eq(le32toh(h->idx), 1, "attach does not touch it");
	cr_assert_eq(rcuc_srcu_create(d, 2), 0);
	cr_assert_eq(le32toh(h->idx), 1, "readers keep their index");
	cr_assert_eq(le32toh(h->in_use), 1);
	cr_assert_not(rcuc_srcu_done(d, 2, 44),
		      "a GP found in progress is not taken as done");
	cr_assert_eq(le64toh(h->srcu_gp_completed), 40);
	c = rcuc_srcu_request(d, 2, false, t_ns);
	cr_assert_eq(c, 48);
	tick();
	cr_assert(rcuc_srcu_done(d, 2, 44), "run again from its first phase");
	cr_assert(rcuc_srcu_done(d, 2, c));
	cr_assert_eq(le32toh(h->idx), 1, "flipped twice: GP 41 and GP 45");
}

/*
 * A resumed device takes over created domains only, and runs one more GP
 * of each: the cookie snap(seq) may have been handed out by the previous
 * instance, whose want died with it.
 */
Test(srcu, resume_takes_created_domains_and_runs_one_more_gp)
{
	struct virtio_rcu_shm_srcu_domain *h0 = fr_sdom(&f, 0);
	struct virtio_rcu_shm_srcu_domain *h1 = fr_sdom(&f, 1);

	cr_assert_eq(rcuc_srcu_create(d, 0), 0);
	tick();
	cr_assert_eq(le64toh(h0->srcu_gp_seq), 0);
	rcuc_detach(d);
	h1->idx = htole32(1);		/* the driver's, not created */
	h1->srcu_gp_seq = htole64(9);
	cr_assert_eq(rcuc_attach(d, f.shm, f.len, NCPUS, NDOM,
				 RCUC_ATTACH_RESUME, t_ns), 0);
	cr_assert(rcuc_srcu_in_use(d, 0));
	cr_assert_not(rcuc_srcu_in_use(d, 1));
	cr_assert_eq(le32toh(h1->idx), 1, "a line not created is not written");
	cr_assert_eq(le64toh(h1->srcu_gp_seq), 9);
	tick();
	cr_assert(rcuc_srcu_done(d, 0, 4), "no request needed for cookie 4");
	cr_assert_eq(le64toh(h0->srcu_gp_completed), 4);
}

Test(srcu, destroy_with_readers_inside_is_refused)
{
	cr_assert_eq(rcuc_srcu_create(d, 0), 0);
	fr_srcu(&f, 0, 1)->lock[1] = htole64(3);
	fr_srcu(&f, 0, 0)->unlock[1] = htole64(2);
	cr_assert_eq(rcuc_srcu_destroy(d, 0), -3);
	cr_assert(rcuc_srcu_in_use(d, 0));
	fr_srcu(&f, 0, 0)->unlock[1] = htole64(3);
	cr_assert_eq(rcuc_srcu_destroy(d, 0), 0);
	cr_assert_eq(le32toh(fr_sdom(&f, 0)->in_use), 0);
}

Test(srcu, gp_waits_for_a_reader_then_ends)
{
	uint32_t dom = 0, idx;
	uint64_t c;

	rcuc_srcu_create(d, dom);
	idx = rd_lock(dom, 0);
	c = rcuc_srcu_request(d, dom, false, t_ns);
	tick();
	tick();
	cr_assert_not(rcuc_srcu_done(d, dom, c));
	rd_unlock(dom, 1, idx);		/* it slept and woke on CPU 1 */
	tick();
	tick();
	cr_assert(rcuc_srcu_done(d, dom, c));
	cr_assert_eq(le64toh(fr_sdom(&f, dom)->srcu_gp_completed),
		     rcuc_srcu_seq(d, dom));
}

Test(srcu, late_reader_on_the_inactive_index_holds_the_next_gp)
{
	uint32_t dom = 0, old_idx;
	uint64_t c1, c2;

	rcuc_srcu_create(d, dom);
	old_idx = le32toh(fr_sdom(&f, dom)->idx);
	c1 = rcuc_srcu_request(d, dom, false, t_ns);	/* no readers: ends */
	tick();
	cr_assert(rcuc_srcu_done(d, dom, c1));
	cr_assert_neq(le32toh(fr_sdom(&f, dom)->idx), old_idx, "flipped");
	/*
	 * A reader loaded idx before that flip and increments only now, on
	 * what is now the inactive index. Phase 1 of the next GP exists for
	 * it: a single-phase scan of the active index would miss it.
	 */
	fr_srcu(&f, dom, 0)->lock[old_idx] = htole64(1);
	c2 = rcuc_srcu_request(d, dom, false, t_ns);
	tick();
	tick();
	cr_assert_not(rcuc_srcu_done(d, dom, c2));
	rd_unlock(dom, 0, old_idx);
	tick();
	tick();
	cr_assert(rcuc_srcu_done(d, dom, c2));
}

Test(srcu, a_gp_on_one_domain_ignores_readers_of_another)
{
	uint32_t a = 0, b = 1;
	uint64_t c;

	rcuc_srcu_create(d, a);
	rcuc_srcu_create(d, b);
	rd_lock(b, 0);			/* sleeps forever in domain B */
	c = rcuc_srcu_request(d, a, false, t_ns);
	tick();
	tick();
	cr_assert(rcuc_srcu_done(d, a, c));
}

Test(srcu, expedited_srcu_never_interrupts)
{
	uint32_t dom = 0;
	uint64_t c;

	rcuc_srcu_create(d, dom);
	rd_lock(dom, 1);
	c = rcuc_srcu_request(d, dom, true, t_ns);
	tick();
	cr_assert_not(rcuc_srcu_done(d, dom, c));
	cr_assert_eq(posts, 0);
	cr_assert_lt(rcuc_deadline(d), t_ns + rcuc_tunables(d)->srcu_poll_ns,
		     "expedited polls sooner");
}

Test(srcu, counters_going_backwards_hold_the_gp_and_are_counted)
{
	uint32_t dom = 0, idx;
	uint64_t c;

	rcuc_srcu_create(d, dom);
	idx = rd_lock(dom, 0);
	rd_lock(dom, 0);
	c = rcuc_srcu_request(d, dom, false, t_ns);
	tick();
	/* Hostile guest: lowers lock[] so the sums match again. */
	fr_srcu(&f, dom, 0)->lock[idx] = 0;
	tick();
	tick();
	cr_assert_not(rcuc_srcu_done(d, dom, c));
	cr_assert_geq(rcuc_stats(d)->bad_srcu_counters, 1);
}

Test(srcu, wrapping_counters_are_fine)
{
	uint32_t dom = 0, idx;
	uint64_t c;

	/* Counters near 2^64 on both CPUs, balanced, before the domain is
	 * created: that is where they start. */
	fr_srcu(&f, dom, 0)->lock[0] = htole64(UINT64_MAX);
	fr_srcu(&f, dom, 0)->unlock[0] = htole64(UINT64_MAX);
	fr_srcu(&f, dom, 1)->lock[1] = htole64(UINT64_MAX);
	fr_srcu(&f, dom, 1)->unlock[1] = htole64(UINT64_MAX);
	cr_assert_eq(rcuc_srcu_create(d, dom), 0);
	idx = rd_lock(dom, 0);		/* lock[0] wraps to 0 */
	cr_assert_eq(fr_srcu(&f, dom, 0)->lock[idx], 0);
	c = rcuc_srcu_request(d, dom, false, t_ns);
	tick();
	cr_assert_not(rcuc_srcu_done(d, dom, c));
	rd_unlock(dom, 0, idx);
	tick();
	tick();
	cr_assert(rcuc_srcu_done(d, dom, c));
	cr_assert_eq(rcuc_stats(d)->bad_srcu_counters, 0);
}

Test(srcu, huge_unbalanced_counters_never_end_the_gp)
{
	uint32_t dom = 0;
	uint64_t c;

	rcuc_srcu_create(d, dom);
	fr_srcu(&f, dom, 0)->lock[0] = htole64(1ull << 63);
	fr_srcu(&f, dom, 1)->lock[1] = htole64(1ull << 62);
	c = rcuc_srcu_request(d, dom, false, t_ns);
	tick();
	tick();
	tick();
	cr_assert_not(rcuc_srcu_done(d, dom, c));
}

Test(srcu, destroy_with_a_gp_in_flight_is_refused)
{
	uint32_t dom = 0;

	rcuc_srcu_create(d, dom);
	rd_lock(dom, 0);
	rcuc_srcu_request(d, dom, false, t_ns);
	tick();
	cr_assert_eq(rcuc_srcu_destroy(d, dom), -2);
	cr_assert(rcuc_srcu_in_use(d, dom));
}

Test(srcu, requests_on_unused_domains_return_no_cookie)
{
	cr_assert_eq(rcuc_srcu_request(d, 0, false, 0), 0);
	cr_assert_eq(rcuc_srcu_request(d, 99, false, 0), 0);
	cr_assert_not(rcuc_srcu_done(d, 99, 0));
}
