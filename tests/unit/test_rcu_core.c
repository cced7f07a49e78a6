// SPDX-License-Identifier: GPL-2.0-or-later
/* rcu-core GP engine: a GP ends only after every online CPU reports. */
#include <criterion/criterion.h>
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "rcu_core.h"
#include "virtio_rcu.h"

#define NCPUS 4
#define MS 1000000ull

static unsigned char shm[8192] __attribute__((aligned(4096)));
static int posts[NCPUS];
static struct rcuc_domain *d;

static bool fake_post(void *ctx, uint32_t cpu, uint64_t gp_seq)
{
	(void)ctx; (void)gp_seq;
	cr_assert_lt(cpu, NCPUS);
	posts[cpu]++;
	return true;
}

static const struct rcuc_ops ops = { .post = fake_post };

static struct virtio_rcu_shm_header *hdr(void)
{
	return (struct virtio_rcu_shm_header *)shm;
}

static struct virtio_rcu_shm_cpu *rec(int cpu)
{
	return (struct virtio_rcu_shm_cpu *)(shm + virtio_rcu_shm_cpu_off(cpu));
}

/* What the guest does: report with the gp_seq it reads from the header. */
static void guest_report(int cpu)
{
	rec(cpu)->qs_seq = hdr()->gp_seq;
}

static void setup(void)
{
	int i;

	memset(shm, 0, sizeof(shm));
	memset(posts, 0, sizeof(posts));
	for (i = 0; i < NCPUS; i++)
		rec(i)->online = htole32(1);
	d = rcuc_domain_new(&ops, NULL, NULL);
	cr_assert_not_null(d);
	cr_assert_eq(rcuc_attach(d, shm, sizeof(shm), NCPUS, 0, 0, 0), 0);
}

static void teardown(void)
{
	rcuc_domain_free(d);
}

TestSuite(rcu_core, .init = setup, .fini = teardown);

Test(rcu_core, gp_waits_for_every_cpu)
{
	uint64_t c = rcuc_gp_request(d, false, 0);
	int i;

	cr_assert(le64toh(hdr()->flags) & VIRTIO_RCU_HDR_F_GP_ACTIVE);
	for (i = 0; i < NCPUS - 1; i++) {
		guest_report(i);
		rcuc_advance(d, 1);
		cr_assert_not(rcuc_gp_done(d, c), "GP ended with cpu %d silent", NCPUS - 1);
	}
	guest_report(NCPUS - 1);
	rcuc_advance(d, 2);
	cr_assert(rcuc_gp_done(d, c));
	cr_assert_eq(le64toh(hdr()->gp_completed), rcuc_gp_seq(d));
	cr_assert_eq(rcuc_deadline(d), 0, "idle engine wants no timer");
}

Test(rcu_core, report_before_gp_start_does_not_count)
{
	uint64_t c;
	int i;

	for (i = 0; i < NCPUS; i++)
		guest_report(i);	/* reads gp_seq 0: before the GP */
	c = rcuc_gp_request(d, false, 0);
	rcuc_advance(d, 1);
	cr_assert_not(rcuc_gp_done(d, c));
}

Test(rcu_core, report_from_the_future_is_refused_and_counted)
{
	uint64_t c = rcuc_gp_request(d, false, 0);
	int i;

	for (i = 0; i < NCPUS; i++)
		rec(i)->qs_seq = htole64(rcuc_gp_seq(d) + 1000);
	rcuc_advance(d, 1);
	cr_assert_not(rcuc_gp_done(d, c));
	cr_assert_geq(rcuc_stats(d)->bad_qs_seq, NCPUS);
}

Test(rcu_core, scribbled_header_does_not_move_gp_seq)
{
	uint64_t c = rcuc_gp_request(d, false, 0);
	int i;

	hdr()->gp_seq = htole64(1ull << 40);	/* hostile guest */
	for (i = 0; i < NCPUS; i++)
		guest_report(i);		/* reports the forged value */
	rcuc_advance(d, 1);
	cr_assert_not(rcuc_gp_done(d, c));
	cr_assert_lt(rcuc_gp_seq(d), 8);
}

Test(rcu_core, offline_cpus_do_not_hold_gps)
{
	uint64_t c;

	rec(2)->online = 0;
	rec(3)->online = htole32(7);	/* garbage is not "online" either */
	c = rcuc_gp_request(d, false, 0);
	guest_report(0);
	guest_report(1);
	rcuc_advance(d, 1);
	cr_assert(rcuc_gp_done(d, c));
}

Test(rcu_core, requests_waiting_for_the_same_gp_share_it)
{
	uint64_t c1 = rcuc_gp_request(d, false, 0);	/* starts GP 1 */
	uint64_t c2 = rcuc_gp_request(d, false, 0);	/* must wait for GP 2 */
	uint64_t c3 = rcuc_gp_request(d, true, 0);	/* ...and shares it */
	int round, i;

	cr_assert_eq(c2, c3);
	for (round = 0; round < 2; round++) {
		for (i = 0; i < NCPUS; i++)
			guest_report(i);
		rcuc_advance(d, 1);
	}
	cr_assert(rcuc_gp_done(d, c1));
	cr_assert(rcuc_gp_done(d, c3));
	cr_assert_eq(rcuc_stats(d)->gps_completed, 2, "3 requests, 2 GPs");
}

Test(rcu_core, request_during_a_gp_needs_the_next_one)
{
	uint64_t c1 = rcuc_gp_request(d, false, 0), c2;
	int i;

	c2 = rcuc_gp_request(d, false, 0);	/* GP c1 already started */
	cr_assert_gt(c2, c1);
	for (i = 0; i < NCPUS; i++)
		guest_report(i);
	rcuc_advance(d, 1);
	cr_assert(rcuc_gp_done(d, c1));
	cr_assert_not(rcuc_gp_done(d, c2), "second GP ended on old reports");
	for (i = 0; i < NCPUS; i++)
		guest_report(i);
	rcuc_advance(d, 2);
	cr_assert(rcuc_gp_done(d, c2));
}

Test(rcu_core, expedited_posts_only_silent_cpus_at_once)
{
	guest_report(0);	/* too early to count */
	rcuc_gp_request(d, false, 0);
	guest_report(0);
	guest_report(1);
	rcuc_advance(d, 0);
	memset(posts, 0, sizeof(posts));
	rcuc_gp_request(d, true, 0);	/* upgrades the GP in flight */
	cr_assert_eq(posts[0], 0);
	cr_assert_eq(posts[1], 0);
	cr_assert_eq(posts[2], 1);
	cr_assert_eq(posts[3], 1);
	cr_assert_eq(rcuc_stats(d)->exp_posts, 2);
}

Test(rcu_core, normal_gp_posts_only_after_fqs_delay)
{
	uint64_t delay = rcuc_tunables(d)->fqs_delay_ns;

	rcuc_gp_request(d, false, 0);
	rcuc_advance(d, delay / 2);
	cr_assert_eq(posts[0] + posts[1] + posts[2] + posts[3], 0);
	cr_assert_leq(rcuc_deadline(d), delay);
	rcuc_advance(d, delay);
	cr_assert_eq(posts[0] + posts[1] + posts[2] + posts[3], NCPUS);
}

Test(rcu_core, normal_only_turns_expedited_into_normal)
{
	rcuc_tunables(d)->normal_only = true;
	rcuc_gp_request(d, true, 0);
	cr_assert_eq(posts[0] + posts[1] + posts[2] + posts[3], 0);
	cr_assert_eq(rcuc_stats(d)->gps_expedited, 0);
}

Test(rcu_core, attach_refuses_a_short_region)
{
	struct rcuc_domain *e = rcuc_domain_new(&ops, NULL, NULL);

	cr_assert_eq(rcuc_attach(e, shm, 64, NCPUS, 0, 0, 0), -1);
	cr_assert_eq(rcuc_attach(e, shm, sizeof(shm), 0, 0, 0, 0), -1);
	cr_assert_not(rcuc_attached(e));
	rcuc_domain_free(e);
}

Test(rcu_core, fresh_region_with_stale_reports_is_refused)
{
	struct rcuc_domain *e = rcuc_domain_new(&ops, NULL, NULL);

	rec(1)->qs_seq = htole64(1);	/* would pass for a report on GP 1 */
	cr_assert_eq(rcuc_attach(e, shm, sizeof(shm), NCPUS, 0, 0, 0), -2);
	cr_assert_not(rcuc_attached(e));
	rcuc_domain_free(e);
}

Test(rcu_core, upgrade_to_expedited_is_published)
{
	rcuc_gp_request(d, false, 0);
	cr_assert_not(le32toh(hdr()->flags) & VIRTIO_RCU_HDR_F_EXPEDITING);
	rcuc_gp_request(d, true, 0);
	cr_assert(le32toh(hdr()->flags) & VIRTIO_RCU_HDR_F_EXPEDITING);
}

Test(rcu_core, restart_bumps_the_host_epoch)
{
	struct rcuc_domain *e = rcuc_domain_new(&ops, NULL, NULL);
	uint64_t before = le64toh(hdr()->host_epoch);

	cr_assert_eq(rcuc_attach(e, shm, sizeof(shm), NCPUS, 0,
				 RCUC_ATTACH_RESUME, 0), 0);
	cr_assert_eq(le64toh(hdr()->host_epoch), before + 1);
	rcuc_domain_free(e);
}

Test(rcu_core, extra_advances_do_not_push_the_rescan_away)
{
	uint64_t first, t;

	rcuc_tunables(d)->spin_ns = 0;		/* the timed rescans only */
	rcuc_gp_request(d, false, 1000);
	first = rcuc_deadline(d);
	cr_assert_gt(first, 1000);
	/* Requests in between (each advances) must keep the rescan due. */
	for (t = 1001; t < first; t++) {
		rcuc_gp_request(d, false, t);
		cr_assert_leq(rcuc_deadline(d), first, "rescan pushed to %llu",
			      (unsigned long long)rcuc_deadline(d));
	}
}

Test(rcu_core, a_new_gp_is_rescanned_back_to_back_at_first)
{
	rcuc_gp_request(d, false, 1000);
	cr_assert_eq(rcuc_deadline(d), 1000, "spin: rescan at once");
	rcuc_advance(d, 1000 + rcuc_tunables(d)->spin_ns);
	cr_assert_gt(rcuc_deadline(d), 1000 + rcuc_tunables(d)->spin_ns,
		     "then timed rescans");
}
