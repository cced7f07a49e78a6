// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * libFuzzer target: the request decoder, as pvrcud drives it. The input
 * is split into a descriptor chain at guest-chosen points; SETUP
 * arguments are checked against a memory table with a hole, regions at
 * the top of the address space and one with no mapping.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

static char ram0[1 << 16], ram1[1 << 12];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vrcu_dev_limits lim = { .num_event_queues = 4,
				       .max_srcu_domains = 2 };
	struct vrcu_gmem gm = { .nregions = 3 };
	struct virtio_rcu_resp resp = { 0 };
	struct vrcu_request req;
	struct vrcu_setup su;
	struct iovec out[4], in[2];
	unsigned int nout = 0, i;
	char inbuf[24];
	size_t off = 0;

	gm.region[0] = (struct vrcu_gmem_region){ 0x0, sizeof(ram0), ram0 };
	gm.region[1] = (struct vrcu_gmem_region){ UINT64_MAX - sizeof(ram1) + 1,
						  sizeof(ram1), ram1 };
	gm.region[2] = (struct vrcu_gmem_region){ 0x100000, 1 << 20, NULL };

	/* The first bytes choose where the chain is split. */
	for (i = 0; i < 3 && off < size; i++, off++) {
		size_t len = data[off] % 40;

		if (off + 1 + len > size)
			len = size - off - 1;
		out[nout++] = (struct iovec){ (void *)(data + off + 1), len };
		off += len;
	}
	if (vrcu_req_gather(out, nout, &req) == VIRTIO_RCU_S_OK &&
	    vrcu_req_validate(&req, &lim) == VIRTIO_RCU_S_OK &&
	    req.type == VIRTIO_RCU_REQ_SETUP &&
	    vrcu_setup_check(&req, &lim, &gm, &su) == VIRTIO_RCU_S_OK) {
		/* Whatever it accepted must lie inside mapped guest RAM. */
		char *p = su.shm;

		if (!((p >= ram0 && p + su.len <= ram0 + sizeof(ram0)) ||
		      (p >= ram1 && p + su.len <= ram1 + sizeof(ram1))))
			abort();
		memset(p, 0, su.len);	/* ASan checks every byte */
	}
	in[0] = (struct iovec){ inbuf, size % 25 };
	in[1] = (struct iovec){ inbuf + size % 25, sizeof(inbuf) - size % 25 };
	vrcu_resp_scatter(in, size & 1 ? 2 : 1, &resp);
	return 0;
}
