// SPDX-License-Identifier: GPL-2.0-or-later
/* Domains of 1, 2, 64 and 512 vCPUs: the same rules at every size. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "fake_region.h"

static bool on_post(void *ctx, uint32_t cpu, uint64_t gp)
{
	uint32_t *posted = ctx;

	(void)gp;
	posted[cpu]++;
	return true;
}

ParameterizedTestParameters(scale, every_cpu_holds_the_gp)
{
	static uint32_t sizes[] = { 1, 2, 64, 512 };

	return cr_make_param_array(uint32_t, sizes, 4);
}

ParameterizedTest(uint32_t *n, scale, every_cpu_holds_the_gp)
{
	const struct rcuc_ops ops = { .post = on_post };
	uint32_t *posted = calloc(*n, sizeof(*posted)), i, last;
	struct fake_region f;
	struct rcuc_domain *d;
	uint64_t c;

	cr_assert_eq(fake_region_init(&f, *n, 0), 0);
	d = rcuc_domain_new(&ops, posted, NULL);
	cr_assert_eq(rcuc_attach(d, f.shm, f.len, *n, 0, 0, 0), 0);

	c = rcuc_gp_request(d, true, 0);
	for (i = 0; i < *n; i++)
		cr_assert_eq(posted[i], 1, "cpu %u posted once", i);
	/* Every CPU but one, chosen in the middle, reports. */
	last = *n / 2;
	for (i = 0; i < *n; i++)
		if (i != last)
			fr_report(&f, i);
	rcuc_advance(d, 1);
	cr_assert_not(rcuc_gp_done(d, c));
	fr_report(&f, last);
	rcuc_advance(d, 2);
	cr_assert(rcuc_gp_done(d, c));
	cr_assert_eq(rcuc_stats(d)->exp_posts, *n);
	rcuc_domain_free(d);
	free(f.shm);
	free(posted);
}
