// SPDX-License-Identifier: GPL-2.0-or-later
#include "guest_mem.h"

void *vrcu_gmem_translate(const struct vrcu_gmem *gm, uint64_t gpa,
			  uint64_t len)
{
	unsigned int i, n;

	if (!gm || len == 0 || gpa + len < gpa)
		return NULL;
	n = gm->nregions < VRCU_GMEM_MAX_REGIONS ? gm->nregions :
						   VRCU_GMEM_MAX_REGIONS;
	for (i = 0; i < n; i++) {
		const struct vrcu_gmem_region *r = &gm->region[i];

		if (!r->hva || r->size == 0)
			continue;
		/* Written so that no sum can overflow. */
		if (gpa >= r->gpa && gpa - r->gpa < r->size &&
		    len <= r->size - (gpa - r->gpa))
			return (char *)r->hva + (gpa - r->gpa);
	}
	return NULL;
}
