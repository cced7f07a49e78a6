// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * `make bench`: pvrcu against liburcu on this machine, in one run.
 * Prints the machine once, then one line per comparison:
 *
 *   BENCH <name> pvrcu=<value><unit> <peer>=<value><unit> ratio=<ours/peer>
 *
 * Every value is the median of BENCH_RUNS runs; the two sides' runs are
 * interleaved so that the machine's noise falls on both. Lines starting
 * with '#' are context, not results. No number here is checked against a
 * threshold: this program measures, it does not judge.
 */
#include <malloc.h>
#include <pthread.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "bench.h"

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double bench_median(double *v, size_t n)
{
	if (!n)
		return 0;
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

void bench_pin_self(unsigned int cpu)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	cpu_set_t set;

	if (n < 2)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu % (unsigned int)n, &set);
	pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

void bench_pin_reader(unsigned int reader)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n >= 2)
		bench_pin_self(1 + reader % (unsigned int)(n - 1));
}

/*
 * The callback runs allocate up to BENCH_CBS objects: fault the heap in
 * once, and keep it, so that no run (of either side) pays page faults
 * the others do not.
 */
static void warm_heap(void)
{
	void **p = malloc(BENCH_CBS * sizeof(*p));
	unsigned int i;

	if (!p)
		abort();
	mallopt(M_TRIM_THRESHOLD, 1 << 30);
	for (i = 0; i < BENCH_CBS; i++)
		if (!(p[i] = malloc(BENCH_CB_OBJ)))
			abort();
	for (i = 0; i < BENCH_CBS; i++)
		free(p[i]);
	free(p);
}

static void machine(void)
{
	char line[256], model[256] = "unknown CPU";
	FILE *f = fopen("/proc/cpuinfo", "r");
	struct utsname u;

	while (f && fgets(line, sizeof(line), f)) {
		char *c = strchr(line, ':');

		if (!strncmp(line, "model name", 10) && c) {
			snprintf(model, sizeof(model), "%s", c + 2);
			model[strcspn(model, "\n")] = 0;
			break;
		}
	}
	if (f)
		fclose(f);
	if (uname(&u))
		strcpy(u.release, "?");
	printf("# machine: %s, %ld cores online (%s, Linux %s)\n", model,
	       sysconf(_SC_NPROCESSORS_ONLN), u.machine, u.release);
}

/* The spread of every comparison, printed after the BENCH lines. */
static char spread[16][160];
static unsigned int nspread;

/*
 * One BENCH line from the runs of both sides: medians, @prec decimals
 * for both values, the ratio (ours / peer) with 3.
 */
static void line(const char *name, double *ours, const char *peer,
		 double *theirs, const char *unit, int prec)
{
	double o = bench_median(ours, BENCH_RUNS);
	double t = bench_median(theirs, BENCH_RUNS);

	printf("BENCH %s pvrcu=%.*f%s %s=%.*f%s ratio=%.3f\n", name, prec, o,
	       unit, peer, prec, t, unit, t ? o / t : 0.0);
	fflush(stdout);
	/* bench_median() sorted the runs: first and last are min and max. */
	if (nspread < 16)
		snprintf(spread[nspread++], sizeof(spread[0]),
			 "#   %-16s pvrcu %.*f..%.*f  %s %.*f..%.*f %s", name,
			 prec, ours[0], prec, ours[BENCH_RUNS - 1], peer, prec,
			 theirs[0], prec, theirs[BENCH_RUNS - 1], unit);
}

static int nonly;
static char **only;

/* `bench_rcu [NAME...]` runs only the named comparisons (all by default). */
static bool want(const char *name)
{
	int i;

	for (i = 0; i < nonly; i++)
		if (!strcmp(only[i], name))
			return true;
	return !nonly;
}

int main(int argc, char **argv)
{
	double pv_rd[BENCH_RUNS], qs_rd[BENCH_RUNS], mb_rd[BENCH_RUNS];
	double pv_exp[BENCH_RUNS], pv_norm[BENCH_RUNS], mb_gp[BENCH_RUNS];
	double exp_posts[BENCH_RUNS], norm_posts[BENCH_RUNS];
	double pv_sync[BENCH_RUNS], mb_sync[BENCH_RUNS], pv_gps[BENCH_RUNS];
	double pv_cb[BENCH_RUNS], mb_cb[BENCH_RUNS];
	double cbs_per_gp[BENCH_RUNS], reqs_per_gp[BENCH_RUNS];
	double pv_mem[BENCH_RUNS], mb_mem[BENCH_RUNS];
	double pv_krd[BENCH_RUNS];
	double s512[BENCH_RUNS], s1[BENCH_RUNS], idle512[BENCH_RUNS];
	double sync_ops = 0;
	int i;

	nonly = argc - 1;
	only = argv + 1;
	for (i = 0; i < nonly; i++) {
		static const char *const names[] = {
			"read_pair", "gp_expedited", "sync_throughput",
			"cb_throughput", "scan_512",
		};
		size_t k;

		for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
			if (!strcmp(only[i], names[k]))
				break;
		if (k == sizeof(names) / sizeof(names[0])) {
			fprintf(stderr, "bench_rcu: no comparison named %s (read_pair, "
				"gp_expedited, sync_throughput, cb_throughput, scan_512)\n",
				only[i]);
			return 2;
		}
	}
	bench_pin_self(0);	/* every thread created from here inherits it */
	warm_heap();
	machine();
	printf("# medians of %d runs; pvrcu = rcu-core + the guest's reader code "
	       "(tests/lib/user_reader.h), host = one thread playing pvrcud\n",
	       BENCH_RUNS);
	printf("# liburcu: urcu_qsbr, urcu_memb (sys_membarrier %s), urcu = "
	       "urcu_memb call_rcu\n",
	       memb_has_sys_membarrier() ? "in use" : "NOT available: fences");
	printf("# GP workloads: N=%d busy reader thread, pinned to CPU 1; updaters, "
	       "host thread, call_rcu/invoker threads pinned to CPU 0\n",
	       BENCH_READERS);
	fflush(stdout);

	for (i = 0; want("read_pair") && i < BENCH_RUNS; i++) {
		pv_rd[i] = pv_read_pair_ns();
		pv_krd[i] = pv_read_pair_kernel_ns();
		qs_rd[i] = qsbr_read_pair_ns();
		mb_rd[i] = memb_read_pair_ns();
	}
	if (want("read_pair")) {
		line("read_pair", pv_rd, "urcu_qsbr", qs_rd, "ns", 2);
		line("read_pair", pv_rd, "urcu_memb", mb_rd, "ns", 2);
		line("read_pair_kernel", pv_krd, "urcu_memb", mb_rd, "ns", 2);
	}

	for (i = 0; want("gp_expedited") && i < BENCH_RUNS; i++) {
		struct bench_gp_result r;

		pv_gp_latency(true, &r);
		pv_exp[i] = r.median_us;
		exp_posts[i] = r.posts_per_gp;
		memb_gp_latency(&r);
		mb_gp[i] = r.median_us;
		pv_gp_latency(false, &r);
		pv_norm[i] = r.median_us;
		norm_posts[i] = r.posts_per_gp;
	}
	if (want("gp_expedited")) {
		line("gp_expedited", pv_exp, "urcu_memb", mb_gp, "us", 1);
		line("gp_normal", pv_norm, "urcu_memb", mb_gp, "us", 1);
	}

	for (i = 0; want("sync_throughput") && i < BENCH_RUNS; i++) {
		struct bench_sync_result r;

		pv_sync_throughput(&r);
		pv_sync[i] = r.ops_per_s;
		pv_gps[i] = r.gps_per_s;
		memb_sync_throughput(&r);
		mb_sync[i] = r.ops_per_s;
	}
	if (want("sync_throughput")) {
		sync_ops = bench_median(pv_sync, BENCH_RUNS);
		line("sync_throughput", pv_sync, "urcu_memb", mb_sync, "ops/s", 1);
	}

	for (i = 0; want("cb_throughput") && i < BENCH_RUNS; i++) {
		struct bench_cb_result r;

		pv_cb_throughput(&r);
		pv_cb[i] = r.cb_per_s;
		pv_mem[i] = r.peak_kib;
		cbs_per_gp[i] = r.cbs_per_gp;
		reqs_per_gp[i] = r.reqs_per_gp;
		memb_cb_throughput(&r);
		mb_cb[i] = r.cb_per_s;
		mb_mem[i] = r.peak_kib;
	}
	if (want("cb_throughput")) {
		line("cb_throughput", pv_cb, "urcu", mb_cb, "cb/s", 1);
		line("cb_peak_mem", pv_mem, "urcu", mb_mem, "KiB", 0);
	}

	for (i = 0; want("scan_512") && i < BENCH_RUNS; i++) {
		s512[i] = scan_ns_per_vcpu(512);
		s1[i] = scan_ns_per_vcpu(1);
		idle512[i] = scan_idle_advance_ns(512);
	}
	if (want("scan_512"))
		line("scan_512", s512, "scan_1", s1, "ns", 2);

	printf("# spread of the %d runs (min..max):\n", BENCH_RUNS);
	for (i = 0; i < (int)nspread; i++)
		printf("%s\n", spread[i]);

	if (want("gp_expedited"))
		printf("# gp_expedited: pvrcu posts per GP %.2f; gp_normal: %.2f\n",
		       bench_median(exp_posts, BENCH_RUNS),
		       bench_median(norm_posts, BENCH_RUNS));
	if (want("sync_throughput"))
		printf("# sync_throughput: pvrcu ran %.0f GPs/s for %d updaters "
		       "(%.2f calls per GP)\n", bench_median(pv_gps, BENCH_RUNS),
		       BENCH_SYNC_UPDATERS,
		       sync_ops / bench_median(pv_gps, BENCH_RUNS));
	if (want("cb_throughput"))
		printf("# cb_throughput: pvrcu %.0f callbacks per GP, %.3f GP requests "
		       "per GP (the rest chained by the host)\n",
		       bench_median(cbs_per_gp, BENCH_RUNS),
		       bench_median(reqs_per_gp, BENCH_RUNS));
	if (want("scan_512"))
		printf("# scan: an idle rcuc_advance() (no GP) at 512 vCPUs costs "
		       "%.0f ns\n", bench_median(idle512, BENCH_RUNS));
	return 0;
}
