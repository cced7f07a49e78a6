/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * virtio-rcu: the device ABI shared by the host daemon (pvrcud) and the
 * guest driver (virtio_rcu.ko). virtio-rcu/SPEC.md is the normative text;
 * this header only gives it C names. All fields are little-endian.
 *
 * Included by kernel code (with __KERNEL__) and by host userspace, which
 * both get the fixed-width __le/__u types from <linux/types.h>.
 */
#ifndef _VIRTIO_RCU_H
#define _VIRTIO_RCU_H

#include <linux/types.h>

/* Provisional: not allocated by the virtio specification (see SPEC.md). */
#define VIRTIO_ID_RCU			60

/* Device-specific feature bits (0-23). */
#define VIRTIO_RCU_F_EXPEDITE		0	/* expedited GPs via event queues */
#define VIRTIO_RCU_F_SRCU		1	/* SRCU domains in the shared region */
#define VIRTIO_RCU_F_RUN_STATE		2	/* host publishes vCPU run state */
#define VIRTIO_RCU_F_CB_CHAIN		3	/* host chains GPs for callbacks */

/* SRCU domains a device may offer (config max_srcu_domains). */
#define VIRTIO_RCU_MAX_SRCU_DOMAINS	1024

/* Queue indices: the request queue, then one event queue per guest CPU. */
#define VIRTIO_RCU_REQUESTQ		0
#define VIRTIO_RCU_EVENTQ_BASE		1
#define VIRTIO_RCU_MAX_EVENT_QUEUES	1023

/* Layout version of the shared region described below. */
#define VIRTIO_RCU_SHM_VERSION		1

struct virtio_rcu_config {
	__le32 num_event_queues;	/* event queues = max guest CPUs */
	__le32 max_srcu_domains;	/* SRCU domains the device serves */
	__le32 shm_version;		/* VIRTIO_RCU_SHM_VERSION */
	__le32 reserved;
} __attribute__((packed));

/* ---- Requests (request queue) ---------------------------------------- */

enum virtio_rcu_req_type {
	VIRTIO_RCU_REQ_SETUP		= 1,	/* register the shared region */
	VIRTIO_RCU_REQ_GP		= 2,	/* request (and wait for) a GP */
	VIRTIO_RCU_REQ_TEARDOWN		= 3,	/* unregister the region */
	VIRTIO_RCU_REQ_STATS		= 4,	/* device statistics */
	VIRTIO_RCU_REQ_SRCU_CREATE	= 5,	/* allocate an SRCU domain */
	VIRTIO_RCU_REQ_SRCU_DESTROY	= 6,	/* free an SRCU domain */
	VIRTIO_RCU_REQ_SRCU_GP		= 7,	/* SRCU GP on one domain */
};

/* VIRTIO_RCU_REQ_GP flags; VIRTIO_RCU_REQ_SRCU_GP takes _EXPEDITED only */
#define VIRTIO_RCU_GP_F_WAIT		(1u << 0)	/* complete after the GP */
#define VIRTIO_RCU_GP_F_EXPEDITED	(1u << 1)	/* drive it fast */
#define VIRTIO_RCU_GP_F_ALL		(VIRTIO_RCU_GP_F_WAIT | \
					 VIRTIO_RCU_GP_F_EXPEDITED)

/*
 * Driver-readable part of every request. SETUP: arg0 = guest-physical
 * address of the region, arg1 = its length in bytes, arg2 = number of CPU
 * records. GP: arg0..2 reserved (zero). SRCU_*: arg0 = domain index;
 * SRCU_GP: arg1 = CPU record whose event queue gets VIRTIO_RCU_EV_SRCU_DONE,
 * or VIRTIO_RCU_SRCU_NO_EVENT.
 */
#define VIRTIO_RCU_SRCU_NO_EVENT	(~0ull)

struct virtio_rcu_req {
	__le16 type;
	__le16 flags;
	__le32 reserved;
	__le64 arg0;
	__le64 arg1;
	__le64 arg2;
} __attribute__((packed));

enum virtio_rcu_status {
	VIRTIO_RCU_S_OK		= 0,
	VIRTIO_RCU_S_INVAL	= 1,	/* malformed request or bad argument */
	VIRTIO_RCU_S_BADADDR	= 2,	/* region not inside guest RAM */
	VIRTIO_RCU_S_UNSUPP	= 3,	/* unknown type or feature not negotiated */
	VIRTIO_RCU_S_NOSETUP	= 4,	/* needs a registered region first */
	VIRTIO_RCU_S_LIMIT	= 5,	/* a device limit was reached */
	VIRTIO_RCU_S_IOERR	= 6,	/* device-internal failure */
	VIRTIO_RCU_S_BUSY	= 7,	/* SRCU domain in use, GP or readers in flight */
};

/* Device-writable part of every request. */
struct virtio_rcu_resp {
	__u8 status;
	__u8 reserved[7];
	__le64 val0;	/* GP: gp_seq that completes it; SETUP: current gp_seq;
			 * SRCU_GP: srcu_gp_seq that completes it;
			 * SRCU_CREATE: the domain's srcu_gp_seq */
	__le64 val1;
} __attribute__((packed));

/* ---- Events (event queues: device -> driver) ------------------------- */

enum virtio_rcu_event_type {
	VIRTIO_RCU_EV_REPORT_QS	= 1,	/* report a quiescent state for gp_seq */
	VIRTIO_RCU_EV_GP_DONE	= 2,	/* gp_seq completed; run callbacks */
	VIRTIO_RCU_EV_SRCU_DONE	= 3,	/* domain's srcu_gp_seq reached gp_seq */
};

struct virtio_rcu_event {
	__le16 type;
	__le16 domain;	/* SRCU_DONE: the SRCU domain; otherwise 0 */
	__le32 cpu;	/* CPU record the event is for */
	__le64 gp_seq;
} __attribute__((packed));

/* ---- Shared region (layout version 1) -------------------------------- */

/*
 * The region starts with one host-written header line, followed by one
 * guest-written record per CPU, one host-written line per CPU, then the
 * SRCU area. Each line is 64 bytes; every field has exactly one writer.
 */
#define VIRTIO_RCU_LINE			64

/* gp_seq: Linux-style sequence, low two bits are the phase. */
#define VIRTIO_RCU_SEQ_STATE_MASK	3ull

/* header.flags */
#define VIRTIO_RCU_HDR_F_GP_ACTIVE	(1u << 0)	/* a GP is in progress */
#define VIRTIO_RCU_HDR_F_EXPEDITING	(1u << 1)	/* it is expedited */

struct virtio_rcu_shm_header {		/* host writes */
	__le64 gp_seq;			/* current GP sequence */
	__le64 gp_completed;		/* gp_seq of the last completed GP */
	__le64 exp_seq;			/* expedited GPs started */
	__le32 flags;
	__le32 version;			/* VIRTIO_RCU_SHM_VERSION */
	__le64 host_epoch;		/* changes when the device restarts */
	__u8 pad[24];
};

/*
 * cpu.nesting of a driver whose readers are not all counted there (the
 * Linux driver: preemption-, bottom-half- and interrupt-disabled regions
 * are readers too). Never 0, so a device never takes it for "no reader";
 * such a CPU is quiescent only by its reports (SPEC §1.6.4).
 */
#define VIRTIO_RCU_NESTING_UNTRACKED	1u

struct virtio_rcu_shm_cpu {		/* guest writes, except need_qs */
	__le32 nesting;			/* reader depth; 0 = no reader */
	__le32 online;			/* 1 once the driver serves this CPU */
	__le64 qs_seq;			/* last gp_seq reported quiescent */
	__le64 need_qs;			/* host: report for this gp_seq */
	__le32 apic_id;			/* identity, to map to a vCPU */
	__le32 eventq;			/* event queue bound to this CPU */
	__le64 backlog;			/* callbacks queued on this CPU */
	__le64 cb_seq;			/* gp_seq its oldest callbacks wait for */
	__le64 cb_next;			/* ...its newest ones (0: as cb_seq) */
	__u8 pad[8];
};

/* run_state values in struct virtio_rcu_shm_vcpu */
#define VIRTIO_RCU_RUN_UNKNOWN		0
#define VIRTIO_RCU_RUN_IN_GUEST		1
#define VIRTIO_RCU_RUN_HALTED		2
#define VIRTIO_RCU_RUN_PREEMPTED	3

struct virtio_rcu_shm_vcpu {		/* host writes */
	__le32 run_state;
	__le32 reserved;
	__le64 exits;			/* last sampled KVM exit count */
	__le64 run_state_seq;		/* bumps when run_state changes */
	__u8 pad[40];
};

/* SRCU area: per domain one host line, then one guest line per CPU. */
struct virtio_rcu_shm_srcu_domain {	/* host writes */
	__le64 srcu_gp_seq;
	__le64 srcu_gp_completed;
	__le32 idx;			/* active counter index, 0 or 1 */
	__le32 in_use;
	__u8 pad[40];
};

struct virtio_rcu_shm_srcu_cpu {	/* guest writes */
	__le64 lock[2];
	__le64 unlock[2];
	__u8 pad[32];
};

/*
 * The region's structs are naturally aligned and padded to one line each,
 * so they need no packing (and their fields may be accessed in place).
 */
#ifdef __KERNEL__
#define VIRTIO_RCU_ASSERT_SIZE(t, n) static_assert(sizeof(t) == (n))
#else
#define VIRTIO_RCU_ASSERT_SIZE(t, n) _Static_assert(sizeof(t) == (n), #t)
#endif
VIRTIO_RCU_ASSERT_SIZE(struct virtio_rcu_config, 16);
VIRTIO_RCU_ASSERT_SIZE(struct virtio_rcu_req, 32);
VIRTIO_RCU_ASSERT_SIZE(struct virtio_rcu_resp, 24);
VIRTIO_RCU_ASSERT_SIZE(struct virtio_rcu_event, 16);
VIRTIO_RCU_ASSERT_SIZE(struct virtio_rcu_shm_header, VIRTIO_RCU_LINE);
VIRTIO_RCU_ASSERT_SIZE(struct virtio_rcu_shm_cpu, VIRTIO_RCU_LINE);
VIRTIO_RCU_ASSERT_SIZE(struct virtio_rcu_shm_vcpu, VIRTIO_RCU_LINE);
VIRTIO_RCU_ASSERT_SIZE(struct virtio_rcu_shm_srcu_domain, VIRTIO_RCU_LINE);
VIRTIO_RCU_ASSERT_SIZE(struct virtio_rcu_shm_srcu_cpu, VIRTIO_RCU_LINE);

/* Offsets of the parts of a region serving @ncpus CPUs. */
static inline __u64 virtio_rcu_shm_cpu_off(__u32 cpu)
{
	return VIRTIO_RCU_LINE * (1ull + cpu);
}

static inline __u64 virtio_rcu_shm_vcpu_off(__u32 ncpus, __u32 cpu)
{
	return VIRTIO_RCU_LINE * (1ull + ncpus + cpu);
}

static inline __u64 virtio_rcu_shm_srcu_off(__u32 ncpus, __u32 dom)
{
	return VIRTIO_RCU_LINE *
	       (1ull + 2ull * ncpus + (__u64)dom * (1ull + ncpus));
}

static inline __u64 virtio_rcu_shm_srcu_cpu_off(__u32 ncpus, __u32 dom,
						__u32 cpu)
{
	return virtio_rcu_shm_srcu_off(ncpus, dom) +
	       VIRTIO_RCU_LINE * (1ull + cpu);
}

/* Minimum region size for @ncpus CPUs and @ndom SRCU domains. */
static inline __u64 virtio_rcu_shm_size(__u32 ncpus, __u32 ndom)
{
	return virtio_rcu_shm_srcu_off(ncpus, ndom);
}

#endif /* _VIRTIO_RCU_H */
