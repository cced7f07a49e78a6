// SPDX-License-Identifier: GPL-2.0-or-later
/* Guest-physical range checks: the only door to guest memory. */
#include <criterion/criterion.h>
#include <stdint.h>

#include "guest_mem.h"

static char ram_lo[8192], ram_hi[4096];

static struct vrcu_gmem table(void)
{
	struct vrcu_gmem gm = { .nregions = 2 };

	gm.region[0] = (struct vrcu_gmem_region){ 0x0, sizeof(ram_lo), ram_lo };
	gm.region[1] = (struct vrcu_gmem_region){ 0x100000, sizeof(ram_hi), ram_hi };
	return gm;
}

Test(guest_mem, inside_a_region_translates)
{
	struct vrcu_gmem gm = table();

	cr_assert_eq(vrcu_gmem_translate(&gm, 0x1000, 0x1000), ram_lo + 0x1000);
	cr_assert_eq(vrcu_gmem_translate(&gm, 0x100000, 4096), ram_hi);
	cr_assert_eq(vrcu_gmem_translate(&gm, 0x100fff, 1), ram_hi + 0xfff);
}

Test(guest_mem, past_the_end_is_refused)
{
	struct vrcu_gmem gm = table();

	cr_assert_null(vrcu_gmem_translate(&gm, 0x1000, 0x1001));
	cr_assert_null(vrcu_gmem_translate(&gm, 0x2000, 1));
	cr_assert_null(vrcu_gmem_translate(&gm, 0x101000, 1));
}

Test(guest_mem, straddling_two_regions_is_refused)
{
	struct vrcu_gmem gm = table();

	/* Even when the regions were adjacent, the mapping is not. */
	gm.region[1].gpa = sizeof(ram_lo);
	cr_assert_null(vrcu_gmem_translate(&gm, 0x1000, 0x2000));
}

Test(guest_mem, wrapping_and_empty_ranges_are_refused)
{
	struct vrcu_gmem gm = table();

	cr_assert_null(vrcu_gmem_translate(&gm, UINT64_MAX - 10, 100));
	cr_assert_null(vrcu_gmem_translate(&gm, 0x1000, UINT64_MAX));
	cr_assert_null(vrcu_gmem_translate(&gm, 0x1000, 0));
	cr_assert_null(vrcu_gmem_translate(NULL, 0x1000, 1));
}

Test(guest_mem, region_count_is_clamped)
{
	struct vrcu_gmem gm = table();

	gm.nregions = 1000;	/* corrupt count: must not read past the table */
	cr_assert_eq(vrcu_gmem_translate(&gm, 0x0, 1), ram_lo);
	cr_assert_null(vrcu_gmem_translate(&gm, 0x900000, 1));
}

Test(guest_mem, overlapping_regions_need_one_that_holds_it_all)
{
	struct vrcu_gmem gm = { .nregions = 2 };

	/* Two overlapping windows of the same RAM (a hostile table). */
	gm.region[0] = (struct vrcu_gmem_region){ 0x0, 4096, ram_lo };
	gm.region[1] = (struct vrcu_gmem_region){ 0x800, 4096, ram_lo + 0x800 };
	cr_assert_eq(vrcu_gmem_translate(&gm, 0x800, 4096), ram_lo + 0x800);
	cr_assert_eq(vrcu_gmem_translate(&gm, 0x0, 4096), ram_lo);
	cr_assert_null(vrcu_gmem_translate(&gm, 0x0, 0x1801));
}

Test(guest_mem, unmapped_region_is_skipped)
{
	struct vrcu_gmem gm = table();

	gm.region[0].hva = NULL;
	cr_assert_null(vrcu_gmem_translate(&gm, 0x1000, 16));
}
