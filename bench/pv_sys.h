/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A pvrcu system in one process, as the benchmarks see it:
 *
 *  - a region allocated as the guest driver does (one record per CPU);
 *  - reader threads, each one vCPU, running the guest's own fast path
 *    (pvrcu_reader.h via tests/lib/user_reader.h) on its record, and
 *    taking "interrupts" (posts) between sections;
 *  - optionally, vCPUs without a thread of their own (CPUs 0.. are the
 *    readers, then these): a benchmark's thread drives one, takes its
 *    interrupts and halts it while it blocks; the host thread samples
 *    halted ones as pvrcud's KVM tracker does;
 *  - a host thread playing pvrcud: it sleeps until kicked (an eventfd:
 *    the virtqueue notification) or until rcuc_deadline() (ppoll, timer
 *    slack 1 ns); at the deadline it runs rcuc_advance() and, when gp_seq
 *    moved, wakes the waiters (a condvar broadcast: the request
 *    completion / GP-done interrupt). As in pvrcud, a kick only re-arms
 *    the timer: the request's own work is done by pv_request().
 *
 * rcu-core is single-threaded: every call into it is made under one
 * mutex (the host's), which is also the waiters' condvar mutex.
 */
#ifndef PVRCU_BENCH_PV_SYS_H
#define PVRCU_BENCH_PV_SYS_H

#include <stdbool.h>
#include <stdint.h>

#include "rcu_core.h"

struct pv_sys;

/*
 * Region, domain (default tunables, as pvrcud), host and reader threads;
 * @nextra more vCPUs (numbered from @nreaders) for the caller to drive.
 */
struct pv_sys *pv_sys_start(unsigned int nreaders, unsigned int nextra);
/* Stops and joins every thread; frees everything. */
void pv_sys_stop(struct pv_sys *s);

/*
 * The guest's GP request (a virtqueue request; waiting is pv_wait()):
 * run what pvrcud runs for it (rcuc_gp_request(), rcuc_advance()) and
 * kick the host thread so that it re-arms its timer. Returns the cookie.
 */
uint64_t pv_request(struct pv_sys *s, bool expedited);
/* Block until GP @cookie has completed (the completion interrupt). */
void pv_wait(struct pv_sys *s, uint64_t cookie);
/*
 * As pv_wait(), but give up after @timeout_ns; returns whether the GP is
 * done.
 */
bool pv_wait_timeout(struct pv_sys *s, uint64_t cookie, uint64_t timeout_ns);

/* The CPU record of vCPU @cpu. */
struct virtio_rcu_shm_cpu *pv_cpu_rec(struct pv_sys *s, unsigned int cpu);
/*
 * On the thread driving extra vCPU @cpu, outside any reader: take a
 * pending post (the interrupt) and report as the guest's handler does.
 */
void pv_cpu_take_irq(struct pv_sys *s, unsigned int cpu);
/* Extra vCPU @cpu halts (the thread is about to block) or runs again. */
void pv_cpu_halt(struct pv_sys *s, unsigned int cpu, bool halted);

/* gp_seq as the guest sees it (the region's header). */
uint64_t pv_published_gp(const struct pv_sys *s);

/* A snapshot of the engine's counters. */
void pv_stats(struct pv_sys *s, struct rcuc_stats *out);

#endif
