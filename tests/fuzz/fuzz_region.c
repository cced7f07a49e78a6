// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: rcu-core reading a region the guest filled with
 * anything. The input is the region's initial bytes followed by a script
 * of writes the "guest" makes between engine steps (requests, vCPU
 * samples, SRCU requests). Beyond memory safety it checks that gp_seq
 * only moves forward, and it has an early-GP oracle: a GP must not end
 * while a CPU holds it.
 *
 * The oracle models only what the region proves. The guest changes the
 * region only between engine calls, so every engine call sees the region
 * as the fuzzer sees it after the call (the engine writes host fields
 * only). A CPU holds GP g if, at the call that started g (or, on resume,
 * at the attach that found g in progress) and at every engine call since,
 * its record said: online == 1 (else RCUC_QS_OFFLINE applies), nesting !=
 * 0 (the exit and halt sources, RCUC_QS_EXIT and RCUC_QS_OUT, need
 * nesting == 0; samples alone never end a CPU's wait), and qs_seq != g
 * (RCUC_QS_REPORT is qs_seq == g exactly). Those are all of
 * cpu_quiescent()'s sources, so if such a CPU's GP ends, the engine ended
 * it early: abort().
 */
#include <endian.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rcu_core.h"
#include "virtio_rcu.h"

#define NCPUS 4
#define NSRCU 2

static unsigned char shm[8192] __attribute__((aligned(4096)));

static bool post(void *ctx, uint32_t cpu, uint64_t gp)
{
	(void)ctx; (void)gp;
	if (cpu >= NCPUS)
		abort();
	return true;
}

/* Does CPU @cpu's record hold GP @g: inside a reader, online, no report? */
static bool holds(uint32_t cpu, uint64_t g)
{
	const struct virtio_rcu_shm_cpu *r = (const struct virtio_rcu_shm_cpu *)
		(shm + virtio_rcu_shm_cpu_off(cpu));

	return le32toh(r->online) == 1 && le32toh(r->nesting) != 0 &&
	       le64toh(r->qs_seq) != g;
}

/* held[cpu]: the CPU has held the GP in progress since it started. */
static bool held[NCPUS];
/* gp_seq as the oracle last saw it */
static uint64_t last_seq;

/* A GP ended: nobody may still hold it. */
static void gp_ends(void)
{
	uint32_t c;

	for (c = 0; c < NCPUS; c++)
		if (held[c])
			abort();	/* it ended while CPU c was a reader */
}

/*
 * An engine call moved gp_seq from @before to @after, seeing the region
 * as it is now. GP g starts at g = c + 1 from a completed c (low bits 0)
 * and ends at (g | 3) + 1; several may start and end within one call.
 */
static void observe(uint64_t before, uint64_t after)
{
	uint64_t g = before;
	uint32_t c, n;

	if (g & VIRTIO_RCU_SEQ_STATE_MASK) {
		for (c = 0; c < NCPUS; c++)
			held[c] = held[c] && holds(c, g);
		if (after == g)
			return;
		gp_ends();
		g = (g | VIRTIO_RCU_SEQ_STATE_MASK) + 1;
	}
	for (n = 0; g != after; n++) {
		if (n > 1000)
			abort();	/* gp_seq left the start/end steps */
		g++;			/* started during this call */
		for (c = 0; c < NCPUS; c++)
			held[c] = holds(c, g);
		if (after == g)
			return;
		gp_ends();
		g = (g | VIRTIO_RCU_SEQ_STATE_MASK) + 1;
	}
}

/*
 * Called from inside gp_end() with the new gp_seq: check the GPs that
 * ended so far in this call now, in case the call never returns (a broken
 * engine can chain GPs for callbacks forever).
 */
static bool cb_ready(void *ctx, uint32_t cpu, uint64_t gp)
{
	if (!post(ctx, cpu, gp))
		return false;
	if (!rcuc_seq_ge(gp, last_seq))
		abort();
	observe(last_seq, gp);
	last_seq = gp;
	return true;
}

static const struct rcuc_ops ops = { .post = post, .cb_ready = cb_ready };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = virtio_rcu_shm_size(NCPUS, NSRCU), off, i;
	struct rcuc_domain *d = rcuc_domain_new(&ops, NULL, NULL);
	uint64_t now = 1, seq;
	uint32_t c;

	if (!d || len > sizeof(shm))
		abort();
	memset(shm, 0, sizeof(shm));
	memcpy(shm, data, size < len ? size : len);
	off = size < len ? size : len;
	/* A resume runs the GP found in the region again, from scratch. */
	last_seq = le64toh(((struct virtio_rcu_shm_header *)shm)->gp_seq);
	for (c = 0; c < NCPUS; c++)
		held[c] = true;
	if (rcuc_attach(d, shm, len, NCPUS, NSRCU, RCUC_ATTACH_RESUME, now) < 0) {
		rcuc_domain_free(d);
		return 0;
	}
	observe(last_seq, rcuc_gp_seq(d));
	last_seq = rcuc_gp_seq(d);
	rcuc_srcu_create(d, 0);
	observe(last_seq, rcuc_gp_seq(d));
	last_seq = rcuc_gp_seq(d);
	/* Script: 4-byte steps: opcode, target, value (16 bits). */
	for (i = off; i + 4 <= size; i += 4) {
		uint8_t op = data[i], tgt = data[i + 1];
		uint16_t val = (uint16_t)(data[i + 2] | data[i + 3] << 8);
		struct rcuc_vcpu_sample s = { .exits = val, .halted = val & 1 };

		now += 1000ull * (val & 0xff);
		switch (op % 6) {
		case 0:
			rcuc_gp_request(d, tgt & 1, now);
			break;
		case 1:	/* the guest scribbles a byte anywhere in the region */
			shm[((size_t)tgt << 8 | (val & 0xff)) % len] = (uint8_t)(val >> 8);
			break;
		case 2:
			rcuc_vcpu_sample(d, tgt % (NCPUS + 2), &s);
			break;
		case 3:
			rcuc_srcu_request(d, tgt % (NSRCU + 1), val & 1, now);
			break;
		case 4:
			rcuc_srcu_destroy(d, tgt % (NSRCU + 1));
			rcuc_srcu_create(d, val % (NSRCU + 1));
			break;
		default:
			rcuc_advance(d, now);
			break;
		}
		seq = rcuc_gp_seq(d);
		if (!rcuc_seq_ge(seq, last_seq))
			abort();	/* gp_seq went backwards */
		if (op % 6 != 1)	/* an engine call */
			observe(last_seq, seq);
		last_seq = seq;
	}
	rcuc_domain_free(d);
	return 0;
}
