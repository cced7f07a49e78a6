/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-rcu device model: decoding and validating requests from the
 * request queue. Pure functions over bytes the guest wrote; nothing here
 * trusts a field before checking it.
 */
#ifndef VRCU_REQUEST_H
#define VRCU_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#include "virtio_rcu.h"
#include "guest_mem.h"

/* What the device is configured to serve (its config space). */
struct vrcu_dev_limits {
	uint32_t num_event_queues;
	uint32_t max_srcu_domains;
};

/* A request after decoding (host byte order). */
struct vrcu_request {
	uint16_t type;
	uint16_t flags;
	uint64_t arg0, arg1, arg2;
};

/*
 * Gather a request from a descriptor chain's driver-written buffers.
 * Fails with VIRTIO_RCU_S_INVAL if they hold fewer bytes than a request.
 */
int vrcu_req_gather(const struct iovec *out, unsigned int out_num,
		    struct vrcu_request *req);

/* Check type, flags and reserved fields. Returns a virtio_rcu_status. */
int vrcu_req_validate(const struct vrcu_request *req,
		      const struct vrcu_dev_limits *lim);

/* A validated SETUP request, turned into a host mapping. */
struct vrcu_setup {
	void *shm;		/* host pointer to the region */
	uint64_t len;		/* its length */
	uint32_t ncpus;		/* CPU records in it */
};

/*
 * Check a SETUP request against the device limits and the guest memory
 * table: page-aligned, large enough for ncpus CPU records and every SRCU
 * domain, ncpus in 1..num_event_queues, entirely inside guest RAM.
 */
int vrcu_setup_check(const struct vrcu_request *req,
		     const struct vrcu_dev_limits *lim,
		     const struct vrcu_gmem *gm, struct vrcu_setup *out);

/* Do the device-writable buffers hold at least @len bytes? */
bool vrcu_iov_has_room(const struct iovec *in, unsigned int in_num, size_t len);

/*
 * Copy @len bytes into device-writable buffers. Returns @len, or -1 if
 * the buffers hold fewer bytes (then nothing is written).
 */
long vrcu_iov_scatter(const struct iovec *in, unsigned int in_num,
		      const void *buf, size_t len);

/*
 * Scatter a response into the device-writable buffers. Returns the bytes
 * written, or -1 if the buffers cannot hold a whole response.
 */
long vrcu_resp_scatter(const struct iovec *in, unsigned int in_num,
		       const struct virtio_rcu_resp *resp);

const char *vrcu_status_name(int status);
const char *vrcu_req_name(unsigned int type);

#endif
