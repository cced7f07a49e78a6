/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Userspace build of the guest reader fast path (pvrcu_reader.h): each
 * thread plays one vCPU. Used by the torture test and the read-side
 * benchmark, so they measure and check the very code the guest runs.
 */
#ifndef PVRCU_USER_READER_H
#define PVRCU_USER_READER_H

#include <endian.h>

#include "virtio_rcu.h"

extern __thread struct virtio_rcu_shm_cpu *user_reader_rec;
extern struct virtio_rcu_shm_header *user_reader_hdr;

#define PVRCU_RD_THIS_REC()		user_reader_rec
#define PVRCU_RD_HDR()			user_reader_hdr
#define PVRCU_RD_PREEMPT_DISABLE()	do { } while (0)	/* a thread is a vCPU */
#define PVRCU_RD_PREEMPT_ENABLE()	do { } while (0)
#define PVRCU_RD_BARRIER()		__asm__ __volatile__("" ::: "memory")
#define PVRCU_RD_MB()			__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define PVRCU_RD_LOAD32(p)		le32toh(*(volatile __le32 *)(p))
#define PVRCU_RD_LOAD64(p)		le64toh(*(volatile __le64 *)(p))
#define PVRCU_RD_STORE32(p, v)		(*(volatile __le32 *)(p) = htole32(v))
#define PVRCU_RD_STORE64(p, v)		(*(volatile __le64 *)(p) = htole64(v))
#define PVRCU_RD_UNLIKELY(x)		__builtin_expect(!!(x), 0)
/* A thread has no interrupts: the torture's "irq" runs between sections. */
#define PVRCU_RD_IRQ_SAVE(f)		((void)(f))
#define PVRCU_RD_IRQ_RESTORE(f)		((void)(f))

#include "pvrcu_reader.h"

#endif
