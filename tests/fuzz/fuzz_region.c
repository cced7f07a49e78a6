// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: rcu-core reading a region the guest filled with
 * anything. The input is the region's initial bytes followed by a script
 * of writes the "guest" makes between engine steps (requests, vCPU
 * samples, SRCU requests). Beyond memory safety it checks that gp_seq
 * only moves forward and that a GP never ends while a CPU the guest
 * never touched since the GP began holds it.
 */
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

static const struct rcuc_ops ops = { .post = post, .cb_ready = post };

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t len = virtio_rcu_shm_size(NCPUS, NSRCU), off, i;
	struct rcuc_domain *d = rcuc_domain_new(&ops, NULL, NULL);
	uint64_t now = 1, last_seq;

	if (!d || len > sizeof(shm))
		abort();
	memset(shm, 0, sizeof(shm));
	memcpy(shm, data, size < len ? size : len);
	off = size < len ? size : len;
	if (rcuc_attach(d, shm, len, NCPUS, NSRCU, RCUC_ATTACH_RESUME, now) < 0) {
		rcuc_domain_free(d);
		return 0;
	}
	rcuc_srcu_create(d, 0);
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
		if (!rcuc_seq_ge(rcuc_gp_seq(d), last_seq))
			abort();	/* gp_seq went backwards */
		last_seq = rcuc_gp_seq(d);
	}
	rcuc_domain_free(d);
	return 0;
}
