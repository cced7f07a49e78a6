/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A table of guest RAM regions and a checked translation of
 * guest-physical ranges into host pointers. Every address that comes from
 * the guest goes through vrcu_gmem_translate() before it is touched.
 */
#ifndef VRCU_GUEST_MEM_H
#define VRCU_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>

#define VRCU_GMEM_MAX_REGIONS 64

struct vrcu_gmem_region {
	uint64_t gpa;		/* guest-physical start */
	uint64_t size;		/* bytes */
	void *hva;		/* where the daemon has it mapped */
};

struct vrcu_gmem {
	unsigned int nregions;
	struct vrcu_gmem_region region[VRCU_GMEM_MAX_REGIONS];
};

/*
 * Host pointer for [gpa, gpa + len), or NULL when len is 0, the range
 * wraps, or it does not lie entirely inside one region.
 */
void *vrcu_gmem_translate(const struct vrcu_gmem *gm, uint64_t gpa,
			  uint64_t len);

#endif
