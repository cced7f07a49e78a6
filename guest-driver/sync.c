// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Waiting for a pvrcu grace period: pvrcu_synchronize(), its expedited
 * form and the cond_synchronize family. Above callbacks.c: with a device,
 * a wait is a callback and a sleep until it runs, as the kernel's
 * synchronize_rcu() does, so no request is ever parked in the device (no
 * VIRTIO_RCU_GP_F_WAIT): requests then complete in ring order, which is
 * what lets a restarted pvrcud resume the queue (QEMU rewinds it to the
 * used index). Without one, gp.c's native engine.
 */
#include <linux/completion.h>
#include <linux/rcupdate.h>

#include "pvrcu_internal.h"

struct pvrcu_sync {
	struct rcu_head head;
	struct completion done;
};

static void pvrcu_sync_done(struct rcu_head *head)
{
	complete(&container_of(head, struct pvrcu_sync, head)->done);
}

/*
 * The callback's own cookie is taken after the caller's, so when it runs
 * the caller's cookie is done too. An expedited wait also upgrades the GP
 * in flight (a forced expedited request).
 */
static void pvrcu_sync_by_callback(bool exp)
{
	struct pvrcu_sync s;

	init_rcu_head_on_stack(&s.head);
	init_completion(&s.done);
	pvrcu_call(&s.head, pvrcu_sync_done);
	if (exp)
		pvrcu_gp_request(pvrcu_gp_cookie(), true, true);
	wait_for_completion(&s.done);
	destroy_rcu_head_on_stack(&s.head);
}

static void pvrcu_sync_wait(bool exp)
{
	unsigned long cookie = pvrcu_gp_cookie();

	if (exp && pvrcu_normal_only())
		exp = false;
	for (;;) {
		if (pvrcu_poll_state(cookie))
			return;
		if (pvrcu_gp_have_device()) {
			/*
			 * Should the device go away meanwhile, the callback
			 * moves to the kernel's GPs (gp.c rebases its cookie):
			 * it still runs only after a full GP.
			 */
			pvrcu_sync_by_callback(exp);
			smp_mb();	/* the GP ended before what follows */
			return;
		}
		pvrcu_gp_native_wait(cookie, exp);
	}
}

void pvrcu_synchronize(void)
{
	pvrcu_sleep_check(__func__);
	pvrcu_sync_wait(false);
}
EXPORT_SYMBOL_GPL(pvrcu_synchronize);

void pvrcu_synchronize_expedited(void)
{
	pvrcu_sleep_check(__func__);
	pvrcu_sync_wait(true);
}
EXPORT_SYMBOL_GPL(pvrcu_synchronize_expedited);

void pvrcu_cond_synchronize(unsigned long cookie)
{
	might_sleep();
	if (!pvrcu_poll_state(cookie))
		pvrcu_synchronize();
}
EXPORT_SYMBOL_GPL(pvrcu_cond_synchronize);

void pvrcu_cond_synchronize_full(struct rcu_gp_oldstate *rgosp)
{
	pvrcu_cond_synchronize(rgosp->rgos_norm);
}
EXPORT_SYMBOL_GPL(pvrcu_cond_synchronize_full);

void pvrcu_cond_synchronize_expedited(unsigned long cookie)
{
	might_sleep();
	if (!pvrcu_poll_state(cookie))
		pvrcu_synchronize_expedited();
}
EXPORT_SYMBOL_GPL(pvrcu_cond_synchronize_expedited);

void pvrcu_cond_synchronize_expedited_full(struct rcu_gp_oldstate *rgosp)
{
	pvrcu_cond_synchronize_expedited(rgosp->rgos_norm);
}
EXPORT_SYMBOL_GPL(pvrcu_cond_synchronize_expedited_full);
