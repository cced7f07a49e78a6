// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The vCPU tracker against real KVM: a separate process owns a tiny VM
 * (tests/lib/kvm_tiny_vm.c); from here, by pid alone, the tracker finds
 * its stats fd, sees "exits" advance by the N port writes the guest does,
 * and "blocking" set once the guest halts.
 */
#include <criterion/criterion.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kvm_stats.h"
#include "kvm_tiny_vm.h"

#define NEXITS 6

static struct kvm_stats ks;

Test(kvm_stats, tracker_sees_exits_and_halt_of_another_process, .timeout = 60)
{
	const struct kvm_vcpu_stats *v;
	uint64_t e0, e = 0;
	bool blocking = false;
	char why[256] = "";
	int go, pid, i, n;

	pid = kvm_tiny_vm_spawn(NEXITS, &go, why, sizeof(why));
	cr_assert_geq(pid, 0);
	if (pid == 0)
		cr_skip_test("%s", why);

	n = kvm_stats_open(&ks, pid, why, sizeof(why));
	cr_assert_eq(n, 1, "found %d vCPU stats fds: %s", n, why);
	v = kvm_stats_find(&ks, 0);
	cr_assert_not_null(v);
	cr_assert(v->has_blocking, "this kernel has no \"blocking\" statistic");
	cr_assert_eq(kvm_stats_read(v, &e0, &blocking), 0);
	cr_assert_not(blocking, "not started yet");

	kvm_tiny_vm_go(go);
	for (i = 0; i < 2000; i++) {	/* up to 20 s: nested KVM is slow */
		cr_assert_eq(kvm_stats_read(v, &e, &blocking), 0);
		if (blocking && e - e0 >= NEXITS)
			break;
		usleep(10000);
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	kvm_stats_close(&ks);
	cr_log_info("exits %llu -> %llu, blocking %d", (unsigned long long)e0,
		    (unsigned long long)e, blocking);
	cr_assert_geq(e - e0, NEXITS, "exits advanced by %llu",
		      (unsigned long long)(e - e0));
	cr_assert(blocking, "halted vCPU not seen blocking");
}

Test(kvm_stats, a_process_without_kvm_has_no_vcpus)
{
	char why[256] = "";

	cr_assert_eq(kvm_stats_open(&ks, getpid(), why, sizeof(why)), 0);
	cr_assert(strstr(why, "no KVM") != NULL, "%s", why);
}

Test(kvm_stats, a_missing_process_is_an_error)
{
	char why[256] = "";

	cr_assert_lt(kvm_stats_open(&ks, 0x7ffffff0, why, sizeof(why)), 0);
	cr_assert_neq(why[0], '\0');
}
