// SPDX-License-Identifier: GPL-2.0-or-later
/* Request decoding and validation: hostile descriptors and arguments. */
#include <criterion/criterion.h>
#include <endian.h>
#include <stdint.h>
#include <string.h>

#include "request.h"

static const struct vrcu_dev_limits lim = { .num_event_queues = 4 };

static struct virtio_rcu_req raw(uint16_t type, uint16_t flags, uint64_t a0,
				 uint64_t a1, uint64_t a2)
{
	struct virtio_rcu_req r = {
		.type = htole16(type), .flags = htole16(flags),
		.arg0 = htole64(a0), .arg1 = htole64(a1), .arg2 = htole64(a2),
	};
	return r;
}

static int parse(struct virtio_rcu_req r, struct vrcu_request *out)
{
	struct iovec iov = { &r, sizeof(r) };
	int st = vrcu_req_gather(&iov, 1, out);

	return st ? st : vrcu_req_validate(out, &lim);
}

Test(request, short_buffer_is_invalid)
{
	struct virtio_rcu_req r = raw(VIRTIO_RCU_REQ_GP, 0, 0, 0, 0);
	struct iovec iov = { &r, sizeof(r) - 1 };
	struct vrcu_request out;

	cr_assert_eq(vrcu_req_gather(&iov, 1, &out), VIRTIO_RCU_S_INVAL);
	cr_assert_eq(vrcu_req_gather(NULL, 0, &out), VIRTIO_RCU_S_INVAL);
}

Test(request, split_across_descriptors_is_gathered)
{
	struct virtio_rcu_req r = raw(VIRTIO_RCU_REQ_SETUP, 0, 0x1000, 0x2000, 3);
	struct iovec iov[3] = {
		{ &r, 3 }, { (char *)&r + 3, 10 },
		{ (char *)&r + 13, sizeof(r) - 13 },
	};
	struct vrcu_request out;

	cr_assert_eq(vrcu_req_gather(iov, 3, &out), VIRTIO_RCU_S_OK);
	cr_assert_eq(out.type, VIRTIO_RCU_REQ_SETUP);
	cr_assert_eq(out.arg0, 0x1000);
	cr_assert_eq(out.arg1, 0x2000);
	cr_assert_eq(out.arg2, 3);
}

Test(request, reserved_bits_and_unknown_types_are_refused)
{
	struct virtio_rcu_req r = raw(VIRTIO_RCU_REQ_GP, 0, 0, 0, 0);
	struct vrcu_request out;

	r.reserved = htole32(1);
	cr_assert_eq(parse(r, &out), VIRTIO_RCU_S_INVAL);
	cr_assert_eq(parse(raw(0, 0, 0, 0, 0), &out), VIRTIO_RCU_S_UNSUPP);
	cr_assert_eq(parse(raw(0xffff, 0, 0, 0, 0), &out), VIRTIO_RCU_S_UNSUPP);
	cr_assert_eq(parse(raw(VIRTIO_RCU_REQ_GP, 0x8000, 0, 0, 0), &out),
		     VIRTIO_RCU_S_INVAL);
	cr_assert_eq(parse(raw(VIRTIO_RCU_REQ_GP, 0, 1, 0, 0), &out),
		     VIRTIO_RCU_S_INVAL);
	cr_assert_eq(parse(raw(VIRTIO_RCU_REQ_GP, VIRTIO_RCU_GP_F_ALL, 0, 0, 0),
			   &out), VIRTIO_RCU_S_OK);
	cr_assert_eq(parse(raw(VIRTIO_RCU_REQ_TEARDOWN, 1, 0, 0, 0), &out),
		     VIRTIO_RCU_S_INVAL);
}

Test(request, srcu_without_domains_is_unsupported)
{
	struct vrcu_request out;

	cr_assert_eq(parse(raw(VIRTIO_RCU_REQ_SRCU_CREATE, 0, 0, 0, 0), &out),
		     VIRTIO_RCU_S_UNSUPP);
}

Test(request, srcu_arguments_are_checked)
{
	struct vrcu_dev_limits l = { .num_event_queues = 4,
				     .max_srcu_domains = 3 };
	const uint64_t none = VIRTIO_RCU_SRCU_NO_EVENT;
	struct {
		uint16_t type, flags;
		uint64_t a0, a1, a2;
		int want;
	} c[] = {
		{ VIRTIO_RCU_REQ_SRCU_CREATE, 0, 2, 0, 0, VIRTIO_RCU_S_OK },
		{ VIRTIO_RCU_REQ_SRCU_CREATE, 0, 3, 0, 0, VIRTIO_RCU_S_LIMIT },
		{ VIRTIO_RCU_REQ_SRCU_CREATE, 0, UINT64_MAX, 0, 0, VIRTIO_RCU_S_LIMIT },
		{ VIRTIO_RCU_REQ_SRCU_CREATE, 1, 0, 0, 0, VIRTIO_RCU_S_INVAL },
		{ VIRTIO_RCU_REQ_SRCU_CREATE, 0, 0, 1, 0, VIRTIO_RCU_S_INVAL },
		{ VIRTIO_RCU_REQ_SRCU_DESTROY, 0, 3, 0, 0, VIRTIO_RCU_S_INVAL },
		{ VIRTIO_RCU_REQ_SRCU_DESTROY, 0, 0, 0, 9, VIRTIO_RCU_S_INVAL },
		{ VIRTIO_RCU_REQ_SRCU_GP, 0, 0, none, 0, VIRTIO_RCU_S_OK },
		{ VIRTIO_RCU_REQ_SRCU_GP, VIRTIO_RCU_GP_F_EXPEDITED, 1, 3, 0,
		  VIRTIO_RCU_S_OK },
		{ VIRTIO_RCU_REQ_SRCU_GP, VIRTIO_RCU_GP_F_WAIT, 0, 0, 0,
		  VIRTIO_RCU_S_INVAL },
		{ VIRTIO_RCU_REQ_SRCU_GP, 0x80, 0, 0, 0, VIRTIO_RCU_S_INVAL },
		{ VIRTIO_RCU_REQ_SRCU_GP, 0, 0, 1ull << 32, 0, VIRTIO_RCU_S_INVAL },
		{ VIRTIO_RCU_REQ_SRCU_GP, 0, 5, 0, 0, VIRTIO_RCU_S_INVAL },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		struct vrcu_request r = { c[i].type, c[i].flags, c[i].a0,
					  c[i].a1, c[i].a2 };

		cr_assert_eq(vrcu_req_validate(&r, &l), c[i].want, "case %zu", i);
	}
}

static char ram[64 * 1024] __attribute__((aligned(4096)));

static struct vrcu_gmem one_region(void)
{
	struct vrcu_gmem gm = { .nregions = 1 };

	gm.region[0] = (struct vrcu_gmem_region){ 0x40000, sizeof(ram), ram };
	return gm;
}

static int setup(uint64_t gpa, uint64_t len, uint64_t ncpus,
		 struct vrcu_setup *su)
{
	struct vrcu_gmem gm = one_region();
	struct vrcu_request req = { .type = VIRTIO_RCU_REQ_SETUP,
				    .arg0 = gpa, .arg1 = len, .arg2 = ncpus };

	return vrcu_setup_check(&req, &lim, &gm, su);
}

Test(request, setup_inside_ram_is_accepted)
{
	struct vrcu_setup su;

	cr_assert_eq(setup(0x41000, 4096, 4, &su), VIRTIO_RCU_S_OK);
	cr_assert_eq(su.shm, ram + 0x1000);
	cr_assert_eq(su.len, 4096);
	cr_assert_eq(su.ncpus, 4);
}

Test(request, setup_outside_ram_is_badaddr)
{
	struct vrcu_setup su;

	cr_assert_eq(setup(0x30000, 4096, 1, &su), VIRTIO_RCU_S_BADADDR);
	cr_assert_eq(setup(0x40000 + sizeof(ram), 4096, 1, &su),
		     VIRTIO_RCU_S_BADADDR);
	/* Starts inside, ends past the end. */
	cr_assert_eq(setup(0x40000 + sizeof(ram) - 4096, 8192, 1, &su),
		     VIRTIO_RCU_S_BADADDR);
	cr_assert_null(su.shm);
}

Test(request, setup_bad_geometry_is_invalid)
{
	struct vrcu_setup su;

	cr_assert_eq(setup(0x41001, 4096, 1, &su), VIRTIO_RCU_S_INVAL);
	cr_assert_eq(setup(0x41000, 100, 1, &su), VIRTIO_RCU_S_INVAL);
	cr_assert_eq(setup(0x41000, 0, 1, &su), VIRTIO_RCU_S_INVAL);
	cr_assert_eq(setup(0x41000, 4096, 0, &su), VIRTIO_RCU_S_INVAL);
	cr_assert_eq(setup(0x41000, 4096, 5, &su), VIRTIO_RCU_S_INVAL);
	cr_assert_eq(setup(0x41000, 4096, UINT64_MAX, &su), VIRTIO_RCU_S_INVAL);
	cr_assert_eq(setup(UINT64_MAX & ~4095ull, 1ull << 40, 1, &su),
		     VIRTIO_RCU_S_INVAL);
	cr_assert_eq(setup(UINT64_MAX & ~4095ull, 8192, 1, &su),
		     VIRTIO_RCU_S_BADADDR);
}

Test(request, response_needs_room_for_all_of_it)
{
	struct virtio_rcu_resp resp = { .status = 7, .val0 = htole64(42) };
	char a[5], b[64];
	struct iovec small = { a, sizeof(a) };
	struct iovec split[2] = { { a, sizeof(a) }, { b, sizeof(b) } };
	struct virtio_rcu_resp back;

	memset(a, 0xee, sizeof(a));
	cr_assert_eq(vrcu_resp_scatter(&small, 1, &resp), -1);
	cr_assert_eq((unsigned char)a[0], 0xee, "nothing written on failure");
	cr_assert_eq(vrcu_resp_scatter(split, 2, &resp), (long)sizeof(resp));
	memcpy(&back, a, sizeof(a));
	memcpy((char *)&back + sizeof(a), b, sizeof(resp) - sizeof(a));
	cr_assert_eq(back.status, 7);
	cr_assert_eq(le64toh(back.val0), 42);
}

Test(request, descriptor_without_memory_is_refused)
{
	struct virtio_rcu_req r = raw(VIRTIO_RCU_REQ_GP, 0, 0, 0, 0);
	struct iovec bad[2] = { { NULL, 16 }, { (char *)&r + 16, 16 } };
	struct vrcu_request out;
	struct iovec in = { NULL, 64 };

	cr_assert_eq(vrcu_req_gather(bad, 2, &out), VIRTIO_RCU_S_INVAL);
	cr_assert_not(vrcu_iov_has_room(&in, 1, 24));
}

Test(request, huge_descriptor_counts_are_bounded)
{
	static struct iovec many[4096];
	struct virtio_rcu_req r = raw(VIRTIO_RCU_REQ_STATS, 0, 0, 0, 0);
	struct vrcu_request out;
	unsigned int i;

	/* 4096 one-byte descriptors: gathered without overrunning anything. */
	for (i = 0; i < 4096; i++)
		many[i] = (struct iovec){ (char *)&r + (i % sizeof(r)), 1 };
	cr_assert_eq(vrcu_req_gather(many, 4096, &out), VIRTIO_RCU_S_OK);
	cr_assert_eq(out.type, VIRTIO_RCU_REQ_STATS);
}

/*
 * A descriptor of 2^63 bytes, with a real buffer behind it: only the
 * length is hostile, and the device must copy just what it needs, in
 * either direction (a copy of the whole length runs off the buffer).
 */
Test(request, huge_lengths_copy_only_what_is_needed)
{
	struct virtio_rcu_req r = raw(VIRTIO_RCU_REQ_STATS, 0, 0, 0, 0);
	struct virtio_rcu_resp resp = { .status = 5, .val0 = htole64(42),
					.val1 = htole64(7) }, back;
	char buf[sizeof(resp) + 16];
	struct iovec out = { &r, 1ull << 63 }, in = { buf, 1ull << 63 };
	struct vrcu_request req;
	size_t i;

	cr_assert_eq(vrcu_req_gather(&out, 1, &req), VIRTIO_RCU_S_OK);
	cr_assert_eq(req.type, VIRTIO_RCU_REQ_STATS);

	memset(buf, 0xee, sizeof(buf));
	cr_assert(vrcu_iov_has_room(&in, 1, sizeof(resp)));
	cr_assert_eq(vrcu_resp_scatter(&in, 1, &resp), (long)sizeof(resp));
	memcpy(&back, buf, sizeof(back));
	cr_assert_eq(back.status, 5);
	cr_assert_eq(le64toh(back.val0), 42);
	cr_assert_eq(le64toh(back.val1), 7);
	for (i = sizeof(resp); i < sizeof(buf); i++)
		cr_assert_eq((unsigned char)buf[i], 0xee,
			     "byte %zu past the response written", i);
}
