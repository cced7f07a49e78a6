// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Quiescence from the KVM tracker (docs/ARCHITECTURE.md §4 (2), (3)),
 * hostile guest values, stalls, restarts and callback demand.
 */
#include <criterion/criterion.h>

#include "fake_region.h"

#define MS 1000000ull

static struct fake_region f;
static struct rcuc_domain *d;
static int posts[8], ready[8];
static int64_t backlog_at_ready = -1;	/* CPU whose backlog appears then */
static struct rcuc_stall stalls[64];
static int nstalls;

static bool on_post(void *ctx, uint32_t cpu, uint64_t gp)
{
	(void)ctx; (void)gp;
	posts[cpu]++;
	return true;
}

static bool on_ready(void *ctx, uint32_t cpu, uint64_t gp)
{
	(void)ctx;
	ready[cpu]++;
	if (backlog_at_ready >= 0) {
		/* A guest queueing callbacks while the GP ends. */
		fr_rec(&f, backlog_at_ready)->backlog = htole64(3);
		fr_rec(&f, backlog_at_ready)->cb_seq = htole64(rcuc_seq_snap(gp));
		backlog_at_ready = -1;
	}
	return true;
}

static void on_stall(void *ctx, const struct rcuc_stall *s)
{
	(void)ctx;
	if (nstalls < 64)
		stalls[nstalls++] = *s;
}

static const struct rcuc_ops ops = { on_post, on_ready, on_stall };

static void setup(void)
{
	cr_assert_eq(fake_region_init(&f, 4, 0), 0);
	memset(posts, 0, sizeof(posts));
	memset(ready, 0, sizeof(ready));
	backlog_at_ready = -1;
	nstalls = 0;
	d = rcuc_domain_new(&ops, NULL, NULL);
	cr_assert_eq(rcuc_attach(d, f.shm, f.len, 4, 0, 0, 0), 0);
}

static void teardown(void)
{
	rcuc_domain_free(d);
	free(f.shm);
}

TestSuite(sources, .init = setup, .fini = teardown);

static void sample(uint32_t cpu, uint64_t exits, bool halted)
{
	struct rcuc_vcpu_sample s = { .exits = exits, .halted = halted };

	rcuc_vcpu_sample(d, cpu, &s);
}

/* All CPUs but @cpu report; returns the cookie of a fresh GP. */
static uint64_t gp_waiting_on(uint32_t cpu)
{
	uint64_t c = rcuc_gp_request(d, false, 0);
	uint32_t i;

	for (i = 0; i < 4; i++)
		if (i != cpu)
			fr_report(&f, i);
	rcuc_advance(d, 1);
	cr_assert_not(rcuc_gp_done(d, c));
	return c;
}

Test(sources, exit_after_gp_start_then_idle_is_quiescent)
{
	uint64_t c = gp_waiting_on(3);

	sample(3, 100, false);		/* snapshot, after the GP started */
	rcuc_advance(d, 2);
	cr_assert_not(rcuc_gp_done(d, c), "no exit seen yet");
	sample(3, 101, false);		/* an exit drained the buffer */
	rcuc_advance(d, 3);
	cr_assert(rcuc_gp_done(d, c));
	cr_assert_eq(rcuc_stats(d)->qs[RCUC_QS_EXIT], 1);
}

Test(sources, idle_nesting_without_an_exit_proves_nothing)
{
	uint64_t c = gp_waiting_on(3);
	int i;

	/* nesting is 0 in memory, but a nesting++ may sit in a store buffer */
	for (i = 0; i < 10; i++) {
		sample(3, 100, false);
		rcuc_advance(d, 2 + i);
	}
	cr_assert_not(rcuc_gp_done(d, c));
}

Test(sources, exit_while_in_a_reader_is_not_quiescent)
{
	uint64_t c = gp_waiting_on(3);

	fr_rec(&f, 3)->nesting = htole32(2);
	sample(3, 100, false);
	sample(3, 150, false);
	rcuc_advance(d, 2);
	cr_assert_not(rcuc_gp_done(d, c));
	fr_rec(&f, 3)->nesting = 0;	/* the reader ended */
	rcuc_advance(d, 3);
	cr_assert(rcuc_gp_done(d, c));
}

Test(sources, exits_before_the_gp_started_do_not_count)
{
	uint64_t c;

	sample(3, 100, false);
	sample(3, 200, false);		/* moved, but before any GP */
	c = gp_waiting_on(3);
	rcuc_advance(d, 2);
	cr_assert_not(rcuc_gp_done(d, c));
}

Test(sources, halted_vcpu_is_quiescent_without_being_posted)
{
	uint64_t c;

	rcuc_gp_request(d, true, 0);	/* expedited: posts at once */
	cr_assert_eq(posts[3], 1);
	fr_report_all(&f);
	rcuc_advance(d, 1);
	memset(posts, 0, sizeof(posts));
	sample(3, 50, true);		/* halted in HLT */
	c = rcuc_gp_request(d, true, 2);
	fr_report(&f, 0);
	fr_report(&f, 1);
	fr_report(&f, 2);
	sample(3, 50, true);		/* still halted, after the start */
	rcuc_advance(d, 3);
	cr_assert(rcuc_gp_done(d, c));
	cr_assert_eq(posts[3], 0, "an idle halted vCPU is never interrupted");
	cr_assert_eq(rcuc_stats(d)->qs[RCUC_QS_OUT], 1);
	cr_assert_eq(fr_vline(&f, 3)->run_state, htole32(VIRTIO_RCU_RUN_HALTED));
}

Test(sources, descheduled_vcpu_in_a_reader_is_not_posted)
{
	struct rcuc_vcpu_sample out = { .exits = 7, .out_of_guest = true };
	uint64_t c;

	rcuc_vcpu_sample(d, 2, &out);
	fr_rec(&f, 2)->nesting = htole32(1);
	c = rcuc_gp_request(d, true, 0);
	rcuc_vcpu_sample(d, 2, &out);
	rcuc_advance(d, 1);
	cr_assert_eq(posts[2], 0);
	cr_assert_eq(posts[0] + posts[1] + posts[3], 3);
	cr_assert_not(rcuc_gp_done(d, c));
}

Test(sources, exit_counter_going_backwards_restarts_the_snapshot)
{
	uint64_t c = gp_waiting_on(3);

	sample(3, 1000, false);
	sample(3, 10, false);		/* QEMU restarted: new counters */
	rcuc_advance(d, 2);
	cr_assert_eq(rcuc_stats(d)->bad_exits_backwards, 1);
	cr_assert_not(rcuc_gp_done(d, c));
	sample(3, 11, false);
	rcuc_advance(d, 3);
	cr_assert(rcuc_gp_done(d, c));
}

Test(sources, forgotten_vcpu_needs_new_samples)
{
	uint64_t c = gp_waiting_on(3);

	sample(3, 1, false);
	rcuc_vcpu_forget(d, 3);
	sample(3, 2, false);		/* only a fresh snapshot */
	rcuc_advance(d, 2);
	cr_assert_not(rcuc_gp_done(d, c));
}

Test(sources, garbage_nesting_is_counted_and_holds_the_gp)
{
	uint64_t c = gp_waiting_on(3);

	fr_rec(&f, 3)->nesting = htole32(1u << 31);
	sample(3, 1, false);
	sample(3, 2, false);
	rcuc_advance(d, 2);
	cr_assert_not(rcuc_gp_done(d, c));
	cr_assert_geq(rcuc_stats(d)->bad_nesting, 1);
}

Test(sources, qs_seq_going_backwards_is_counted)
{
	uint64_t c = gp_waiting_on(3);

	fr_rec(&f, 3)->qs_seq = htole64(3);
	rcuc_advance(d, 2);
	fr_rec(&f, 3)->qs_seq = htole64(0);
	rcuc_advance(d, 3);
	cr_assert_geq(rcuc_stats(d)->bad_qs_backwards, 1);
	cr_assert_not(rcuc_gp_done(d, c));
}

Test(sources, stall_names_the_cpu_with_backoff)
{
	uint64_t st = rcuc_tunables(d)->stall_ns;

	fr_rec(&f, 2)->nesting = htole32(3);
	gp_waiting_on(2);
	rcuc_advance(d, st / 2);
	cr_assert_eq(nstalls, 0);
	rcuc_advance(d, st + 10);
	cr_assert_eq(nstalls, 1);
	cr_assert_eq(stalls[0].cpu, 2);
	cr_assert_eq(stalls[0].nesting, 3);
	cr_assert_geq(stalls[0].gp_age_ns, st);
	rcuc_advance(d, st + 20);		/* too soon to repeat */
	cr_assert_eq(nstalls, 1);
	rcuc_advance(d, 2 * st);		/* backoff: next at twice the age */
	cr_assert_eq(nstalls, 1);
	rcuc_advance(d, 2 * st + 30);
	cr_assert_eq(nstalls, 2);
	cr_assert_eq(stalls[1].report, 2);
	rcuc_advance(d, 3 * st);		/* and the next at 4x */
	cr_assert_eq(nstalls, 2);
}

Test(sources, restart_mid_gp_runs_the_gp_again)
{
	struct rcuc_domain *e;
	uint64_t c = gp_waiting_on(3), s = rcuc_gp_seq(d);

	/* The daemon dies; its successor finds GP s in progress. */
	fr_hdr(&f)->gp_completed = htole64(s + 3);	/* never trusted */
	e = rcuc_domain_new(&ops, NULL, NULL);
	cr_assert_eq(rcuc_attach(e, f.shm, f.len, 4, 0, RCUC_ATTACH_RESUME, 0), 0);
	cr_assert_eq(rcuc_gp_seq(e), s);
	rcuc_advance(e, 1);
	cr_assert_not(rcuc_gp_done(e, c), "restart ended a GP nobody finished");
	fr_report(&f, 3);
	rcuc_advance(e, 2);
	cr_assert(rcuc_gp_done(e, c));
	rcuc_domain_free(e);
}

Test(sources, restart_when_idle_continues_the_sequence)
{
	struct rcuc_domain *e;
	uint64_t c = rcuc_gp_request(d, false, 0), c2;

	fr_report_all(&f);
	rcuc_advance(d, 1);
	cr_assert(rcuc_gp_done(d, c));
	e = rcuc_domain_new(&ops, NULL, NULL);
	cr_assert_eq(rcuc_attach(e, f.shm, f.len, 4, 0, RCUC_ATTACH_RESUME, 0), 0);
	cr_assert_eq(rcuc_gp_seq(e), rcuc_gp_seq(d));
	c2 = rcuc_gp_request(e, false, 1);
	cr_assert_gt(c2, c);
	rcuc_advance(e, 2);
	cr_assert_not(rcuc_gp_done(e, c2));
	rcuc_domain_free(e);
}

Test(sources, callback_backlog_asks_for_a_gp_and_delivers_to_its_cpu)
{
	uint64_t want = rcuc_seq_snap(rcuc_gp_seq(d));

	fr_rec(&f, 1)->backlog = htole64(5);
	fr_rec(&f, 1)->cb_seq = htole64(want);
	rcuc_advance(d, 1);
	cr_assert(le32toh(fr_hdr(&f)->flags) & VIRTIO_RCU_HDR_F_GP_ACTIVE);
	fr_report_all(&f);
	rcuc_advance(d, 2);
	cr_assert(rcuc_gp_done(d, want));
	cr_assert_eq(ready[1], 1);
	cr_assert_eq(ready[0] + ready[2] + ready[3], 0, "only CPUs with callbacks");
}

/*
 * VIRTIO_RCU_F_CB_CHAIN: a backlog published while a GP ends, which the
 * guest saw in progress and so sent no request for, is read after the
 * end and gets the next GP at once: no request, no timer.
 */
Test(sources, backlog_seen_at_gp_end_chains_the_next_gp)
{
	uint64_t want = rcuc_seq_snap(rcuc_gp_seq(d)), next;

	fr_rec(&f, 1)->backlog = htole64(5);
	fr_rec(&f, 1)->cb_seq = htole64(want);
	rcuc_advance(d, 1);
	backlog_at_ready = 2;
	fr_report_all(&f);
	rcuc_advance(d, 2);
	cr_assert(rcuc_gp_done(d, want));
	cr_assert_eq(ready[1], 1);
	next = le64toh(fr_rec(&f, 2)->cb_seq);
	cr_assert_not(rcuc_gp_done(d, next));
	cr_assert(le32toh(fr_hdr(&f)->flags) & VIRTIO_RCU_HDR_F_GP_ACTIVE,
		  "the GP for CPU 2's backlog runs without a request");
	cr_assert_gt(rcuc_deadline(d), 0, "and the engine keeps polling it");
	cr_assert_eq(rcuc_stats(d)->gps_chained, 1);
	fr_report_all(&f);
	rcuc_advance(d, 3);
	cr_assert(rcuc_gp_done(d, next));
	cr_assert_eq(ready[2], 1);
}

/* cb_next: the GP for the newest callbacks, beyond the oldest ones' GP. */
Test(sources, newest_callback_cookie_is_asked_for_too)
{
	uint64_t first, second;

	first = rcuc_gp_request(d, false, 0);	/* a GP in progress */
	second = rcuc_seq_snap(rcuc_gp_seq(d));
	cr_assert_gt(second, first);
	fr_rec(&f, 3)->cb_seq = htole64(first);
	fr_rec(&f, 3)->cb_next = htole64(second);
	fr_rec(&f, 3)->backlog = htole64(2);
	fr_report_all(&f);
	rcuc_advance(d, 1);
	cr_assert(rcuc_gp_done(d, first));
	cr_assert_not(rcuc_gp_done(d, second));
	cr_assert(le32toh(fr_hdr(&f)->flags) & VIRTIO_RCU_HDR_F_GP_ACTIVE,
		  "cb_next keeps the engine going");
	fr_report_all(&f);
	rcuc_advance(d, 2);
	cr_assert(rcuc_gp_done(d, second));
	cr_assert_not(le32toh(fr_hdr(&f)->flags) & VIRTIO_RCU_HDR_F_GP_ACTIVE,
		  "and stops once it is done");
	cr_assert_eq(rcuc_stats(d)->bad_cb_seq, 0);
}

Test(sources, forged_newest_callback_cookie_is_clamped)
{
	fr_rec(&f, 0)->backlog = htole64(1);
	fr_rec(&f, 0)->cb_seq = htole64(rcuc_seq_snap(rcuc_gp_seq(d)));
	fr_rec(&f, 0)->cb_next = htole64(1ull << 50);
	rcuc_advance(d, 1);
	cr_assert_eq(rcuc_stats(d)->bad_cb_seq, 1);
	fr_report_all(&f);
	rcuc_advance(d, 2);
	cr_assert_lt(rcuc_gp_seq(d), 16, "one or two GPs, not 2^48 of them");
}

Test(sources, far_future_callback_cookie_is_clamped)
{
	fr_rec(&f, 0)->backlog = htole64(1);
	fr_rec(&f, 0)->cb_seq = htole64(1ull << 50);
	rcuc_advance(d, 1);
	cr_assert_eq(rcuc_stats(d)->bad_cb_seq, 1);
	fr_report_all(&f);
	rcuc_advance(d, 2);
	cr_assert_lt(rcuc_gp_seq(d), 16, "one GP, not 2^48 of them");
}

Test(sources, big_backlog_forces_quiescent_states_at_once)
{
	uint64_t t;
	int i;

	rcuc_tunables(d)->backlog_expedite = 100;
	fr_rec(&f, 0)->backlog = htole64(1000);
	fr_rec(&f, 0)->cb_seq = htole64(rcuc_seq_snap(rcuc_gp_seq(d)));
	rcuc_advance(d, 1);
	cr_assert_eq(rcuc_stats(d)->gps_flood, 1);
	cr_assert_eq(posts[0] + posts[1] + posts[2] + posts[3], 4, "posted at once");
	cr_assert_eq(rcuc_stats(d)->gps_expedited, 0,
		     "not an expedited GP: nobody waits on its latency");
	/* Rescans back off as a normal GP's do, past the spin. */
	t = 1 + rcuc_tunables(d)->spin_ns;
	for (i = 0; i < 3; i++) {
		rcuc_advance(d, t);
		cr_assert_gt(rcuc_deadline(d), t, "the engine keeps polling");
		t = rcuc_deadline(d);
	}
	rcuc_advance(d, t);
	cr_assert_gt(rcuc_deadline(d), t, "the engine keeps polling");
	cr_assert_geq(rcuc_deadline(d) - t, 4 * rcuc_tunables(d)->poll_min_ns,
		      "not the fast polling of an expedited GP");
	cr_assert_eq(posts[0] + posts[1] + posts[2] + posts[3], 4, "no reposts");
}

Test(sources, big_backlog_forces_quiescent_states_in_the_gp_in_flight)
{
	uint64_t c;

	rcuc_tunables(d)->backlog_expedite = 100;
	c = rcuc_gp_request(d, false, 1);	/* a normal GP: no posts yet */
	cr_assert_eq(posts[0] + posts[1] + posts[2] + posts[3], 0);
	fr_rec(&f, 2)->cb_seq = htole64(rcuc_seq_snap(rcuc_gp_seq(d)));
	fr_rec(&f, 2)->backlog = htole64(1000);
	rcuc_advance(d, 2);
	cr_assert_eq(rcuc_stats(d)->gps_flood, 1);
	cr_assert_eq(posts[0] + posts[1] + posts[2] + posts[3], 4,
		     "posted at once, not after the fqs delay");
	cr_assert_not(rcuc_gp_done(d, c));
	rcuc_advance(d, 3);
	cr_assert_eq(rcuc_stats(d)->gps_flood, 1, "counted once per GP");
}

/* VIRTIO_RCU_F_RUN_STATE: at a GP's end a line is fresh or UNKNOWN. */
Test(sources, run_state_at_gp_end_is_from_that_gp_or_unknown)
{
	uint64_t c;

	sample(1, 5, true);		/* halted, while no GP runs */
	sample(2, 5, true);
	cr_assert_eq(fr_vline(&f, 1)->run_state, htole32(VIRTIO_RCU_RUN_HALTED));
	c = rcuc_gp_request(d, false, 0);
	sample(2, 5, true);		/* CPU 2 sampled during the GP, 1 not */
	fr_report_all(&f);
	rcuc_advance(d, 1);
	cr_assert(rcuc_gp_done(d, c));
	cr_assert_eq(fr_vline(&f, 1)->run_state, htole32(VIRTIO_RCU_RUN_UNKNOWN),
		     "a sample from before the GP does not vouch for it");
	cr_assert_eq(fr_vline(&f, 2)->run_state, htole32(VIRTIO_RCU_RUN_HALTED));
}

Test(sources, attach_forgets_run_states_a_previous_host_wrote)
{
	fr_vline(&f, 0)->run_state = htole32(VIRTIO_RCU_RUN_HALTED);
	fr_vline(&f, 3)->run_state = htole32(VIRTIO_RCU_RUN_PREEMPTED);
	rcuc_detach(d);
	cr_assert_eq(rcuc_attach(d, f.shm, f.len, 4, 0, RCUC_ATTACH_RESUME, 0), 0);
	cr_assert_eq(fr_vline(&f, 0)->run_state, htole32(VIRTIO_RCU_RUN_UNKNOWN));
	cr_assert_eq(fr_vline(&f, 3)->run_state, htole32(VIRTIO_RCU_RUN_UNKNOWN));
}
