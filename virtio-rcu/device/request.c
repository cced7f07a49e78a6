// SPDX-License-Identifier: GPL-2.0-or-later
#include <endian.h>
#include <string.h>

#include "request.h"

#define VRCU_PAGE_SIZE 4096ull
/* Upper bound on a region: far above any real layout, keeps sums small. */
#define VRCU_MAX_REGION (1ull << 30)

static size_t iov_gather(const struct iovec *iov, unsigned int n, void *buf,
			 size_t want)
{
	size_t got = 0;
	unsigned int i;

	for (i = 0; i < n && got < want; i++) {
		size_t take = iov[i].iov_len;

		if (take > want - got)
			take = want - got;
		if (take && !iov[i].iov_base)
			break;
		memcpy((char *)buf + got, iov[i].iov_base, take);
		got += take;
	}
	return got;
}

int vrcu_req_gather(const struct iovec *out, unsigned int out_num,
		    struct vrcu_request *req)
{
	struct virtio_rcu_req raw;

	memset(req, 0, sizeof(*req));
	if (iov_gather(out, out_num, &raw, sizeof(raw)) != sizeof(raw))
		return VIRTIO_RCU_S_INVAL;
	req->type = le16toh(raw.type);
	req->flags = le16toh(raw.flags);
	req->arg0 = le64toh(raw.arg0);
	req->arg1 = le64toh(raw.arg1);
	req->arg2 = le64toh(raw.arg2);
	if (raw.reserved)
		return VIRTIO_RCU_S_INVAL;
	return VIRTIO_RCU_S_OK;
}

int vrcu_req_validate(const struct vrcu_request *req,
		      const struct vrcu_dev_limits *lim)
{
	switch (req->type) {
	case VIRTIO_RCU_REQ_SETUP:
		return req->flags ? VIRTIO_RCU_S_INVAL : VIRTIO_RCU_S_OK;
	case VIRTIO_RCU_REQ_GP:
		if (req->flags & ~VIRTIO_RCU_GP_F_ALL)
			return VIRTIO_RCU_S_INVAL;
		if (req->arg0 || req->arg1 || req->arg2)
			return VIRTIO_RCU_S_INVAL;
		return VIRTIO_RCU_S_OK;
	case VIRTIO_RCU_REQ_TEARDOWN:
	case VIRTIO_RCU_REQ_STATS:
		if (req->flags || req->arg0 || req->arg1 || req->arg2)
			return VIRTIO_RCU_S_INVAL;
		return VIRTIO_RCU_S_OK;
	case VIRTIO_RCU_REQ_SRCU_CREATE:
	case VIRTIO_RCU_REQ_SRCU_DESTROY:
	case VIRTIO_RCU_REQ_SRCU_GP:
		/* Zero unless VIRTIO_RCU_F_SRCU was negotiated. */
		if (!lim->max_srcu_domains)
			return VIRTIO_RCU_S_UNSUPP;
		if (req->type == VIRTIO_RCU_REQ_SRCU_GP) {
			/* No WAIT: SRCU GPs complete through events. */
			if (req->flags & ~VIRTIO_RCU_GP_F_EXPEDITED)
				return VIRTIO_RCU_S_INVAL;
			if (req->arg1 > UINT32_MAX &&
			    req->arg1 != VIRTIO_RCU_SRCU_NO_EVENT)
				return VIRTIO_RCU_S_INVAL;
		} else if (req->flags || req->arg1) {
			return VIRTIO_RCU_S_INVAL;
		}
		if (req->arg2)
			return VIRTIO_RCU_S_INVAL;
		if (req->arg0 >= lim->max_srcu_domains)
			return req->type == VIRTIO_RCU_REQ_SRCU_CREATE ?
			       VIRTIO_RCU_S_LIMIT : VIRTIO_RCU_S_INVAL;
		return VIRTIO_RCU_S_OK;
	default:
		return VIRTIO_RCU_S_UNSUPP;
	}
}

int vrcu_setup_check(const struct vrcu_request *req,
		     const struct vrcu_dev_limits *lim,
		     const struct vrcu_gmem *gm, struct vrcu_setup *out)
{
	uint64_t gpa = req->arg0, len = req->arg1, ncpus = req->arg2;
	void *p;

	memset(out, 0, sizeof(*out));
	if (req->type != VIRTIO_RCU_REQ_SETUP)
		return VIRTIO_RCU_S_INVAL;
	if (ncpus == 0 || ncpus > lim->num_event_queues ||
	    ncpus > VIRTIO_RCU_MAX_EVENT_QUEUES)
		return VIRTIO_RCU_S_INVAL;
	if (gpa % VRCU_PAGE_SIZE || len % VRCU_PAGE_SIZE || len == 0 ||
	    len > VRCU_MAX_REGION)
		return VIRTIO_RCU_S_INVAL;
	if (len < virtio_rcu_shm_size((uint32_t)ncpus, lim->max_srcu_domains))
		return VIRTIO_RCU_S_INVAL;
	p = vrcu_gmem_translate(gm, gpa, len);
	if (!p)
		return VIRTIO_RCU_S_BADADDR;
	out->shm = p;
	out->len = len;
	out->ncpus = (uint32_t)ncpus;
	return VIRTIO_RCU_S_OK;
}

bool vrcu_iov_has_room(const struct iovec *in, unsigned int in_num, size_t len)
{
	size_t room = 0;
	unsigned int i;

	for (i = 0; i < in_num && room < len; i++) {
		if (!in[i].iov_base)
			return false;
		room += in[i].iov_len;
	}
	return room >= len;
}

long vrcu_iov_scatter(const struct iovec *in, unsigned int in_num,
		      const void *buf, size_t len)
{
	size_t done;
	unsigned int i;

	if (!vrcu_iov_has_room(in, in_num, len))
		return -1;
	for (i = 0, done = 0; i < in_num && done < len; i++) {
		size_t take = in[i].iov_len;

		if (take > len - done)
			take = len - done;
		memcpy(in[i].iov_base, (const char *)buf + done, take);
		done += take;
	}
	return (long)done;
}

long vrcu_resp_scatter(const struct iovec *in, unsigned int in_num,
		       const struct virtio_rcu_resp *resp)
{
	return vrcu_iov_scatter(in, in_num, resp, sizeof(*resp));
}

const char *vrcu_status_name(int status)
{
	static const char *const names[] = {
		[VIRTIO_RCU_S_OK] = "OK",
		[VIRTIO_RCU_S_INVAL] = "INVAL",
		[VIRTIO_RCU_S_BADADDR] = "BADADDR",
		[VIRTIO_RCU_S_UNSUPP] = "UNSUPP",
		[VIRTIO_RCU_S_NOSETUP] = "NOSETUP",
		[VIRTIO_RCU_S_LIMIT] = "LIMIT",
		[VIRTIO_RCU_S_IOERR] = "IOERR",
		[VIRTIO_RCU_S_BUSY] = "BUSY",
	};

	if (status < 0 || (size_t)status >= sizeof(names) / sizeof(names[0]))
		return "?";
	return names[status];
}

const char *vrcu_req_name(unsigned int type)
{
	static const char *const names[] = {
		[VIRTIO_RCU_REQ_SETUP] = "SETUP",
		[VIRTIO_RCU_REQ_GP] = "GP",
		[VIRTIO_RCU_REQ_TEARDOWN] = "TEARDOWN",
		[VIRTIO_RCU_REQ_STATS] = "STATS",
		[VIRTIO_RCU_REQ_SRCU_CREATE] = "SRCU_CREATE",
		[VIRTIO_RCU_REQ_SRCU_DESTROY] = "SRCU_DESTROY",
		[VIRTIO_RCU_REQ_SRCU_GP] = "SRCU_GP",
	};

	if (type >= sizeof(names) / sizeof(names[0]) || !names[type])
		return "UNKNOWN";
	return names[type];
}
