// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Torture rcu-core with real threads (tests/torture/torture.c). The runs
 * are short here (PVRCU_TORTURE_SECS overrides; build/torture-soak runs
 * long). The broken-engine run proves the checks can fail.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "rcu_core.h"
#include "torture.h"
#include "report.h"

static double secs(double dflt)
{
	const char *s = getenv("PVRCU_TORTURE_SECS");

	return s ? atof(s) : dflt;
}

Test(torture, guest_reports_only_pass, .timeout = 120)
{
	struct torture_params p = { .vcpus = 3, .updaters = 2, .seconds = secs(3) };
	struct torture_result r;

	cr_assert_eq(torture_run(&p, &r), 0);
	torture_print(stderr, "rcu", &r);
	cr_expect_eq(r.errors, 0, "%llu reads saw freed or GP-expired elements",
		     (unsigned long long)r.errors);
	cr_expect_gt(r.reads, 10000);
	cr_expect_gt(r.gps + r.callbacks, 100, "forward progress");
	cr_expect_eq(r.qs_by_source[RCUC_QS_EXIT] + r.qs_by_source[RCUC_QS_OUT], 0);
}

Test(torture, kvm_exit_and_halt_sources_pass, .timeout = 120)
{
	struct torture_params p = { .vcpus = 3, .updaters = 2, .seconds = secs(3),
				    .kvm_sources = true };
	struct torture_result r;

	cr_assert_eq(torture_run(&p, &r), 0);
	torture_print(stderr, "rcu+kvm", &r);
	cr_expect_eq(r.errors, 0);
	cr_expect_gt(r.gps + r.callbacks, 100, "forward progress");
	cr_expect_gt(r.qs_by_source[RCUC_QS_EXIT] + r.qs_by_source[RCUC_QS_OUT], 0,
		     "exit/halt sources were exercised");
}

Test(torture, broken_engine_is_caught, .timeout = 120)
{
	struct torture_params p = { .vcpus = 3, .updaters = 2, .seconds = secs(3),
				    .broken = true };
	struct torture_result r;

	cr_assert_eq(torture_run(&p, &r), 0);
	torture_print(stderr, "rcu-broken", &r);
	cr_expect_gt(r.errors, 0, "GPs that end early must be detected");
}
