// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * rcu-core's scan cost: the rcuc_advance() that finds every CPU reported
 * and ends the GP, on a fake region (no threads). Each GP: a normal
 * request starts it (its first scan finds nobody), every CPU then
 * reports as the guest would, and the next rcuc_advance() is timed.
 * Domains use pvrcud's ops (post only) and the default tunables. The
 * region is warm in this CPU's cache (the "guest" writes came from this
 * thread): a best case for the scan's loads.
 */
#include <stdlib.h>

#include "bench.h"
#include "fake_region.h"

static bool no_post(void *ctx, uint32_t cpu, uint64_t gp_seq)
{
	(void)ctx;
	(void)cpu;
	(void)gp_seq;
	return true;
}

/* What two back-to-back clock reads cost, to take off each sample. */
static double clock_overhead_ns(void)
{
	double v[1001];
	unsigned int i;

	for (i = 0; i < 1001; i++) {
		uint64_t a = bench_now_ns();

		v[i] = (double)(bench_now_ns() - a);
	}
	return bench_median(v, 1001);
}

static struct rcuc_domain *scan_domain(struct fake_region *f, uint32_t ncpus)
{
	/* pvrcud's ops (post only) and default tunables. */
	static const struct rcuc_ops ops = { .post = no_post };
	struct rcuc_domain *d;

	if (fake_region_init(f, ncpus, 0))
		abort();
	d = rcuc_domain_new(&ops, NULL, NULL);
	if (!d || rcuc_attach(d, f->shm, f->len, ncpus, 0, 0, bench_now_ns()))
		abort();
	return d;
}

/*
 * Small domains are timed in batches of independent domains (one clock
 * pair around SCAN_BATCH advances), so that the clock's own cost (~25 ns
 * here) does not swamp a scan of one CPU.
 */
#define SCAN_BATCH 64

double scan_ns_per_vcpu(uint32_t ncpus)
{
	unsigned int nb = ncpus < 64 ? SCAN_BATCH : 1, g, b;
	double *t = malloc(BENCH_SCAN_GPS * sizeof(*t)), ov, med;
	struct fake_region f[SCAN_BATCH];
	struct rcuc_domain *d[SCAN_BATCH];
	uint64_t c[SCAN_BATCH];

	if (!t)
		abort();
	for (b = 0; b < nb; b++)
		d[b] = scan_domain(&f[b], ncpus);
	ov = clock_overhead_ns();
	for (g = 0; g < BENCH_SCAN_GPS; g++) {
		uint64_t t0, t1;

		for (b = 0; b < nb; b++) {
			c[b] = rcuc_gp_request(d[b], false, bench_now_ns());
			fr_report_all(&f[b]);
		}
		t0 = bench_now_ns();
		for (b = 0; b < nb; b++)
			rcuc_advance(d[b], t0);
		t1 = bench_now_ns();
		for (b = 0; b < nb; b++)
			if (!rcuc_gp_done(d[b], c[b]))
				abort();
		t[g] = ((double)(t1 - t0) - ov) / nb;
	}
	med = bench_median(t, BENCH_SCAN_GPS);
	for (b = 0; b < nb; b++) {
		rcuc_domain_free(d[b]);
		free(f[b].shm);
	}
	free(t);
	return med / ncpus;
}

double scan_idle_advance_ns(uint32_t ncpus)
{
	double *t = malloc(BENCH_SCAN_GPS * sizeof(*t)), ov, med;
	struct fake_region f;
	struct rcuc_domain *d = scan_domain(&f, ncpus);
	unsigned int g;

	if (!t)
		abort();
	ov = clock_overhead_ns();
	for (g = 0; g < BENCH_SCAN_GPS; g++) {
		uint64_t t0 = bench_now_ns(), t1;

		rcuc_advance(d, t0);
		t1 = bench_now_ns();
		t[g] = (double)(t1 - t0) - ov;
	}
	med = bench_median(t, BENCH_SCAN_GPS);
	rcuc_domain_free(d);
	free(f.shm);
	free(t);
	return med;
}
