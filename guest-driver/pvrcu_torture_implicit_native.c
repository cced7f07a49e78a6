// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pvrcu_torture_implicit_native: pvrcu_torture_implicit.c built without
 * pvrcu_checklist.h, so that every rcu_* name in it is the kernel's own
 * RCU. The same readers and updaters; the control that must PASS.
 */
#define PVRCU_IMPLICIT_NATIVE
#include "pvrcu_torture_implicit.c"
