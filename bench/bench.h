/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pvrcu benchmarks: what every part shares. Each measurement is a
 * function returning one number; bench_rcu.c runs them several times,
 * takes medians and prints the BENCH lines. The pvrcu side and the
 * liburcu side (one file per flavor: their headers do not mix) run the
 * same workloads with the same parameters, given here.
 */
#ifndef PVRCU_BENCH_H
#define PVRCU_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ---- parameters (the same for both sides) -------------------------------- */

#define BENCH_RUNS		5	/* medians of this many runs */
#define BENCH_READ_PAIRS	100000000ull	/* lock/unlock pairs per run */
#define BENCH_QSBR_QS_EVERY	1024	/* qsbr: quiescent state per N pairs */
#define BENCH_READERS		1	/* busy reader threads (2 cores) */
#define BENCH_GPS		500	/* GPs timed per latency run */
#define BENCH_SYNC_UPDATERS	4
#define BENCH_SYNC_NS		1000000000ull	/* 1 s per throughput run */
#define BENCH_CBS		1000000	/* callbacks per run */
#define BENCH_CB_OBJ		64	/* bytes per object, rcu head included */
#define BENCH_SCAN_GPS		2000
#define BENCH_SECTION_SPIN	32	/* busy readers: work inside a section */

static inline uint64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/*
 * The body of a busy reader's section, identical on both sides: load the
 * protected pointer, read through it, spin a little.
 */
static inline uint64_t bench_section_body(uint64_t *const volatile *pp)
{
	uint64_t v = **pp;
	int i;

	for (i = 0; i < BENCH_SECTION_SPIN; i++)
		__asm__ __volatile__("" ::: "memory");
	return v;
}

/*
 * CPU placement, the same on both sides: reader threads (the vCPUs under
 * test) each get a CPU of their own from CPU 1 up; everything else
 * (updaters, the host thread, call_rcu / invoker threads) stays on CPU 0,
 * where main() puts itself before creating any thread. Without this the
 * scheduler stacks the host's 10 us poll thread onto the reader's CPU and
 * the reader, preempted inside its section, cannot report (measured:
 * expedited GPs 2x slower, ~30 polls per GP). No-op on one CPU.
 */
void bench_pin_self(unsigned int cpu);
void bench_pin_reader(unsigned int reader);

/* Median of @n values; sorts @v in place. */
double bench_median(double *v, size_t n);

/* ---- results of one run ----------------------------------------------------- */

struct bench_gp_result {
	double median_us;		/* median request-to-completion latency */
	double posts_per_gp;		/* pvrcu only: interrupts per GP */
};

struct bench_sync_result {
	double ops_per_s;		/* synchronize calls completed per second */
	double gps_per_s;		/* pvrcu only: GPs the engine completed */
};

struct bench_cb_result {
	double cb_per_s;		/* callbacks invoked per second */
	double peak_kib;		/* peak queued-not-invoked objects, KiB */
	double cbs_per_gp;		/* pvrcu only: callbacks per GP */
	double reqs_per_gp;		/* pvrcu only: host requests per GP */
};

/* ---- pvrcu (pv_bench.c) ------------------------------------------------------- */

double pv_read_pair_ns(void);
/* The Linux driver's reader: preempt count, need_qs test (pvrcu.h). */
double pv_read_pair_kernel_ns(void);
void pv_gp_latency(bool expedited, struct bench_gp_result *r);
void pv_sync_throughput(struct bench_sync_result *r);
void pv_cb_throughput(struct bench_cb_result *r);

/* ---- rcu-core scan cost (scan.c) ------------------------------------------------ */

/* ns per vCPU of the rcuc_advance() that scans and ends a GP. */
double scan_ns_per_vcpu(uint32_t ncpus);
/* ns of an rcuc_advance() with no GP wanted (the fixed cost per call). */
double scan_idle_advance_ns(uint32_t ncpus);

/* ---- liburcu (urcu_memb_peer.c, urcu_qsbr_peer.c) -------------------------------- */

double qsbr_read_pair_ns(void);
double memb_read_pair_ns(void);
void memb_gp_latency(struct bench_gp_result *r);
void memb_sync_throughput(struct bench_sync_result *r);
void memb_cb_throughput(struct bench_cb_result *r);
int memb_has_sys_membarrier(void);

#endif
