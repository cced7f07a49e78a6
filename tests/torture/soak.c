// SPDX-License-Identifier: GPL-2.0-or-later
/* Long torture runs: torture-soak [seconds] [vcpus] [updaters] */
#include <stdio.h>
#include <stdlib.h>

#include "report.h"

int main(int argc, char **argv)
{
	struct torture_params p = {
		.seconds = argc > 1 ? atof(argv[1]) : 600,
		.vcpus = argc > 2 ? (unsigned int)atoi(argv[2]) : 4,
		.updaters = argc > 3 ? (unsigned int)atoi(argv[3]) : 2,
		.kvm_sources = true,
	};
	struct torture_result r;

	if (torture_run(&p, &r)) {
		fprintf(stderr, "torture-soak: bad parameters\n");
		return 2;
	}
	torture_print(stdout, "rcu", &r);
	return r.errors ? 1 : 0;
}
