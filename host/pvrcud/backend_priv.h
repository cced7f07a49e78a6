/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The backend's state, shared by backend.c, tracker.c and report.c. */
#ifndef PVRCUD_BACKEND_PRIV_H
#define PVRCUD_BACKEND_PRIV_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "libvhost-user.h"

#include "backend.h"
#include "kvm_stats.h"
#include "rcu_core.h"
#include "request.h"

#define MAX_STALLS 64

struct stall_entry {
	uint64_t when_ns;		/* since the connection started */
	struct rcuc_stall s;
};

/* Bound on requests parked until their GP ends (>= any queue size). */
#define MAX_WAITERS 1024
#define MAX_VU_WATCHES 512

struct waiter {
	VuVirtqElement *elem;
	uint64_t cookie;
	uint64_t start_ns;
	bool expedited;
};

struct vu_watch {
	int fd;
	vu_watch_cb cb;
	void *data;
};

struct backend {
	VuDev dev;			/* first: container_of by cast */
	struct event_loop *el;
	struct backend_opts opt;
	struct vrcu_dev_limits lim;
	struct rcuc_domain *dom;
	int sock;
	bool done;
	bool mem_changed;
	uint64_t features;		/* negotiated with the driver */

	/* The registered region, as the guest gave it. */
	bool have_region;
	uint64_t shm_gpa, shm_len;
	uint32_t ncpus;
	unsigned char *shm;		/* host mapping, revalidated on table changes */

	struct waiter waiters[MAX_WAITERS];
	unsigned int nwaiters;

	struct vu_watch watches[MAX_VU_WATCHES];

	uint64_t requests, bad_requests;
	uint64_t connected_ns;

	/* the vCPU tracker (KVM statistics of the QEMU process) */
	pid_t peer_pid;
	bool kvm_tried;
	struct kvm_stats *kvm;
	const struct kvm_vcpu_stats **cpu_vcpu;	/* guest CPU -> vCPU stats */
	uint32_t tracked;

	/* SRCU: nsrcu domains (0 unless negotiated); who waits for what */
	uint32_t nsrcu;
	uint64_t *srcu_want;		/* [dom * ncpus + cpu]: cookie, 0 = none */
	uint64_t *srcu_seen;		/* [dom]: last completed GP posted */
	uint64_t srcu_waiting;		/* non-zero srcu_want entries */
	uint64_t srcu_gps, srcu_done_posts;

	/* the last stall reports, for pvrcuctl stalls */
	struct stall_entry stalls[MAX_STALLS];
	unsigned int nstalls, stall_head;
};


/* backend.c: post an event to the queue bound to guest CPU @cpu */
bool post(struct backend *b, uint16_t type, uint16_t domain, uint32_t cpu,
	  uint64_t gp_seq);

/* srcu.c */
int srcu_attach(struct backend *b);
void srcu_detach(struct backend *b);
int srcu_create(struct backend *b, uint32_t dom, uint64_t *val0);
int srcu_destroy(struct backend *b, uint32_t dom);
int srcu_gp(struct backend *b, const struct vrcu_request *req, uint64_t *val0);
void srcu_notify(struct backend *b);
uint32_t srcu_in_use(const struct backend *b);

/* tracker.c */
void tracker_probe(struct backend *b);
void tracker_attach(struct backend *b);
void tracker_detach(struct backend *b);
void tracker_sample(struct backend *b);

#endif
