// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio_rcu: the virtio driver of virtio_rcu.ko.
 *
 * The device (pvrcud on the host) decides when grace periods end. At probe
 * this driver registers the region that core.c allocated at load (reader
 * nesting, quiescent-state reports, callback backlog per CPU) and hands
 * grace periods to the device (gp.c); it sends requests on the request
 * queue and answers the host's per-CPU posts on the event queues, each
 * bound to the CPU it serves. At remove, grace periods go back to the
 * kernel's RCU before the region is unregistered. One device per guest.
 */
#include <linux/cpumask.h>
#include <linux/interrupt.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>

#include "pvrcu_internal.h"

#define EVQ_BUFS	4		/* event buffers kept posted per queue */
#define REQ_TIMEOUT	(10 * HZ)	/* SETUP and TEARDOWN: do not hang */

struct vrcu_evbuf {
	struct virtio_rcu_event ev;
};

struct vrcu_evq {
	struct virtqueue *vq;
	struct vrcu_evbuf *bufs;	/* EVQ_BUFS of them */
	int cpu;			/* CPU its vector is bound to, or -1 */
};

struct vrcu_req {
	struct virtio_rcu_req req;
	struct virtio_rcu_resp resp;
	struct completion done;
	bool async;		/* nobody waits: freed on completion */
	bool abandoned;		/* waiter timed out: freed on completion */
};

struct virtio_rcu {
	struct virtio_device *vdev;
	struct virtqueue *reqq;
	unsigned int nevq;
	struct vrcu_evq *evq;
	int *cpu_evq;			/* cpu -> event queue index */
	atomic_long_t events;
	atomic_long_t misrouted;
};

/*
 * The request queue, reachable from pvrcu_call() in any context: ->vq is
 * set only while requests may be sent.
 */
static struct {
	spinlock_t lock;		/* the queue, and ->vq itself */
	struct virtqueue *vq;
	bool exp_ok;			/* VIRTIO_RCU_F_EXPEDITE negotiated */
	bool run_state_ok;		/* VIRTIO_RCU_F_RUN_STATE negotiated */
	bool cb_chain_ok;		/* VIRTIO_RCU_F_CB_CHAIN negotiated */
} vreq;

static DEFINE_MUTEX(vrcu_probe_mutex);
static struct virtio_rcu *vrcu_bound;	/* the device serving GPs */
static bool vrcu_region_used;		/* a SETUP was sent for the region */
static call_single_data_t __percpu *vrcu_report_csd;

static void vrcu_nop(void *info)
{
}

/*
 * Wait for report IPIs already queued: each CPU runs its queue in order,
 * so a synchronous call to every CPU comes after them.
 */
static void vrcu_flush_report_ipis(void)
{
	on_each_cpu(vrcu_nop, NULL, 1);
}

/* Runs on the target CPU in IPI context (interrupts off). */
static void vrcu_report_ipi(void *info)
{
	pvrcu_report_qs_local();
}

/* ---- requests ---------------------------------------------------------- */

static void vrcu_reqq_done(struct virtqueue *vq)
{
	struct vrcu_req *r;
	unsigned long flags;
	unsigned int len;

	this_cpu_inc(pvrcu_pstats.irqs);
	spin_lock_irqsave(&vreq.lock, flags);
	do {
		virtqueue_disable_cb(vq);
		while ((r = virtqueue_get_buf(vq, &len))) {
			/* No response written: the request was not carried out. */
			if (len < sizeof(r->resp))
				r->resp.status = VIRTIO_RCU_S_IOERR;
			if (r->async || r->abandoned)
				kfree(r);
			else
				complete(&r->done);
		}
	} while (!virtqueue_enable_cb(vq));
	spin_unlock_irqrestore(&vreq.lock, flags);
	/* A GP may have ended: invoke what is ready here. */
	pvrcu_cb_kick(smp_processor_id());
}

static struct vrcu_req *vrcu_req_alloc(u16 type, u16 flags, u64 arg0,
				       u64 arg1, u64 arg2, gfp_t gfp)
{
	struct vrcu_req *r = kzalloc(sizeof(*r), gfp);

	if (!r)
		return NULL;
	r->req.type = cpu_to_le16(type);
	r->req.flags = cpu_to_le16(flags);
	r->req.arg0 = cpu_to_le64(arg0);
	r->req.arg1 = cpu_to_le64(arg1);
	r->req.arg2 = cpu_to_le64(arg2);
	init_completion(&r->done);
	return r;
}

static int vrcu_submit(struct vrcu_req *r)
{
	struct scatterlist out, in, *sgs[2] = { &out, &in };
	unsigned long flags;
	int ret = -ENODEV;

	sg_init_one(&out, &r->req, sizeof(r->req));
	sg_init_one(&in, &r->resp, sizeof(r->resp));
	spin_lock_irqsave(&vreq.lock, flags);
	if (vreq.vq) {
		ret = virtqueue_add_sgs(vreq.vq, sgs, 1, 1, r, GFP_ATOMIC);
		if (!ret)
			virtqueue_kick(vreq.vq);
	}
	spin_unlock_irqrestore(&vreq.lock, flags);
	return ret;
}

/*
 * Send one request and wait for the device's answer. Returns the device
 * status (VIRTIO_RCU_S_*), or a negative errno if it could not be sent
 * or no answer came within @timeout jiffies (0: wait until the answer, or
 * until remove fails the request).
 */
static int vrcu_request(u16 type, u16 flags, u64 arg0, u64 arg1, u64 arg2,
			u64 *val0, unsigned long timeout)
{
	struct vrcu_req *r;
	unsigned long irqf;
	int ret;

	r = vrcu_req_alloc(type, flags, arg0, arg1, arg2, GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	ret = vrcu_submit(r);
	if (ret) {
		kfree(r);
		return ret;
	}
	if (timeout) {
		if (!wait_for_completion_timeout(&r->done, timeout)) {
			spin_lock_irqsave(&vreq.lock, irqf);
			r->abandoned = !completion_done(&r->done);
			spin_unlock_irqrestore(&vreq.lock, irqf);
			if (r->abandoned)
				return -ETIMEDOUT;
		}
	} else {
		wait_for_completion(&r->done);
	}
	ret = r->resp.status;
	if (val0)
		*val0 = le64_to_cpu(r->resp.val0);
	kfree(r);
	return ret;
}

int pvrcu_dev_request(u16 type, u16 flags, u64 arg0, u64 arg1, u64 *val0)
{
	return vrcu_request(type, flags, arg0, arg1, 0, val0, REQ_TIMEOUT);
}

int pvrcu_dev_gp_async(bool exp)
{
	u16 flags = exp && READ_ONCE(vreq.exp_ok) ? VIRTIO_RCU_GP_F_EXPEDITED : 0;
	struct vrcu_req *r;
	int ret;

	r = vrcu_req_alloc(VIRTIO_RCU_REQ_GP, flags, 0, 0, 0, GFP_ATOMIC);
	if (!r)
		return -ENOMEM;
	r->async = true;
	ret = vrcu_submit(r);
	if (ret) {
		kfree(r);
		return ret;
	}
	this_cpu_inc(pvrcu_pstats.gp_requests);
	if (flags)
		this_cpu_inc(pvrcu_pstats.exp_requests);
	return 0;
}

/*
 * Tasks-Rude RCU (tasks.c) may read the vCPU lines: the device keeps them,
 * and each reflects a sample taken during the last GP that ended.
 */
bool pvrcu_dev_has_run_state(void)
{
	return READ_ONCE(vreq.run_state_ok);
}

/*
 * Callbacks may skip their GP request when the device is sure to chain
 * to it (pvrcu_gp_chained()).
 */
bool pvrcu_dev_chains_callbacks(void)
{
	return READ_ONCE(vreq.cb_chain_ok);
}

struct vrcu_sync {
	struct rcu_head head;
	struct completion done;
};

static void vrcu_sync_done(struct rcu_head *head)
{
	complete(&container_of(head, struct vrcu_sync, head)->done);
}

/*
 * Wait for a GP for pvrcu_synchronize(), as the kernel's synchronize_rcu()
 * does: queue a callback and sleep until it runs. No request is ever
 * parked in the device (no VIRTIO_RCU_GP_F_WAIT): requests then complete
 * in ring order, which is what lets a restarted pvrcud resume the queue
 * (QEMU rewinds it to the used index). The callback's own cookie is taken
 * after @cookie, so when it runs @cookie is done too.
 */
int pvrcu_dev_gp_wait(bool exp, unsigned long cookie)
{
	struct vrcu_sync s;

	init_rcu_head_on_stack(&s.head);
	init_completion(&s.done);
	pvrcu_call(&s.head, vrcu_sync_done);
	if (exp && READ_ONCE(vreq.exp_ok))
		pvrcu_dev_gp_async(true);	/* upgrades the GP to expedited */
	wait_for_completion(&s.done);
	destroy_rcu_head_on_stack(&s.head);
	return 0;
}

/* After a reset: the device will not answer what is left. */
static void vrcu_fail_requests(struct virtio_rcu *vr)
{
	struct vrcu_req *r;

	while ((r = virtqueue_detach_unused_buf(vr->reqq))) {
		if (r->async || r->abandoned) {
			kfree(r);
		} else {
			r->resp.status = VIRTIO_RCU_S_IOERR;
			complete(&r->done);
		}
	}
}

/* ---- events: the host's posts ----------------------------------------- */

static int vrcu_evq_add(struct vrcu_evq *q, struct vrcu_evbuf *b)
{
	struct scatterlist sg;

	sg_init_one(&sg, &b->ev, sizeof(b->ev));
	return virtqueue_add_inbuf(q->vq, &sg, 1, b, GFP_ATOMIC);
}

static void vrcu_handle_event(struct virtio_rcu *vr,
			      const struct virtio_rcu_event *ev)
{
	unsigned int cpu = le32_to_cpu(ev->cpu);
	int here = smp_processor_id();

	atomic_long_inc(&vr->events);
	this_cpu_inc(pvrcu_pstats.events);
	switch (le16_to_cpu(ev->type)) {
	case VIRTIO_RCU_EV_REPORT_QS:
		if (READ_ONCE(pvrcu_debug))
			dev_info_ratelimited(&vr->vdev->dev,
					     "cpu %u: event REPORT_QS gp=%llu handled on cpu %d\n",
					     cpu, le64_to_cpu(ev->gp_seq), here);
		if (cpu == here) {
			pvrcu_report_qs_local();
		} else if (cpu < nr_cpu_ids && cpu_online(cpu)) {
			/* Vector not on its CPU (hotplug, no MSI-X): hand over. */
			atomic_long_inc(&vr->misrouted);
			/* -EBUSY: a report IPI is already on its way there. */
			smp_call_function_single_async(cpu,
						       per_cpu_ptr(vrcu_report_csd, cpu));
		}
		break;
	case VIRTIO_RCU_EV_GP_DONE:
		if (READ_ONCE(pvrcu_debug))
			dev_info_ratelimited(&vr->vdev->dev,
					     "cpu %u: event GP_DONE gp=%llu handled on cpu %d\n",
					     cpu, le64_to_cpu(ev->gp_seq), here);
		/* Callbacks may run on any CPU: invoke them here. */
		pvrcu_cb_kick(cpu);
		break;
	case VIRTIO_RCU_EV_SRCU_DONE:
		pvsrcu_dev_event(le16_to_cpu(ev->domain), le64_to_cpu(ev->gp_seq));
		break;
	default:
		break;		/* unknown types are ignored (SPEC §1.6.9) */
	}
}

static void vrcu_evq_done(struct virtqueue *vq)
{
	struct virtio_rcu *vr = vq->vdev->priv;
	struct vrcu_evq *q = &vr->evq[vq->index - VIRTIO_RCU_EVENTQ_BASE];
	struct vrcu_evbuf *b;
	unsigned int len;

	this_cpu_inc(pvrcu_pstats.irqs);
	do {
		virtqueue_disable_cb(vq);
		while ((b = virtqueue_get_buf(vq, &len))) {
			if (len >= sizeof(b->ev))
				vrcu_handle_event(vr, &b->ev);
			vrcu_evq_add(q, b);
		}
	} while (!virtqueue_enable_cb(vq));
	virtqueue_kick(vq);
}

/* ---- probe and remove -------------------------------------------------- */

static int vrcu_find_vqs(struct virtio_rcu *vr)
{
	struct irq_affinity desc = { .pre_vectors = 1 };
	unsigned int n = 1 + vr->nevq, i;
	vq_callback_t **cbs;
	const char **names;
	struct virtqueue **vqs;
	char (*evnames)[16];
	int ret = -ENOMEM;

	vqs = kcalloc(n, sizeof(*vqs), GFP_KERNEL);
	cbs = kcalloc(n, sizeof(*cbs), GFP_KERNEL);
	names = kcalloc(n, sizeof(*names), GFP_KERNEL);
	evnames = kcalloc(n, sizeof(*evnames), GFP_KERNEL);
	if (!vqs || !cbs || !names || !evnames)
		goto out;
	cbs[0] = vrcu_reqq_done;
	names[0] = "request";
	for (i = 1; i < n; i++) {
		cbs[i] = vrcu_evq_done;
		snprintf(evnames[i], sizeof(evnames[i]), "event%u", i - 1);
		names[i] = evnames[i];
	}
	ret = virtio_find_vqs(vr->vdev, n, vqs, cbs, names, &desc);
	if (ret)
		goto out;
	vr->reqq = vqs[0];
	for (i = 0; i < vr->nevq; i++) {
		const struct cpumask *m;

		vr->evq[i].vq = vqs[1 + i];
		m = vr->vdev->config->get_vq_affinity ?
		    vr->vdev->config->get_vq_affinity(vr->vdev, 1 + i) : NULL;
		vr->evq[i].cpu = m ? cpumask_first(m) : -1;
		if (vr->evq[i].cpu >= nr_cpu_ids)
			vr->evq[i].cpu = -1;
	}
out:
	kfree(evnames);
	kfree(names);
	kfree(cbs);
	kfree(vqs);
	return ret;
}

/* Bind each CPU to the event queue whose vector targets it. */
static void vrcu_map_cpus(struct virtio_rcu *vr)
{
	unsigned int i;
	int cpu;

	for_each_possible_cpu(cpu)
		vr->cpu_evq[cpu] = -1;
	for (i = 0; i < vr->nevq; i++)
		if (vr->evq[i].cpu >= 0 && vr->cpu_evq[vr->evq[i].cpu] < 0)
			vr->cpu_evq[vr->evq[i].cpu] = i;
	/* CPUs no vector targets: any queue; the handler hands over. */
	for_each_possible_cpu(cpu)
		if (vr->cpu_evq[cpu] < 0)
			vr->cpu_evq[cpu] = cpu % vr->nevq;
}

static int vrcu_fill_evqs(struct virtio_rcu *vr)
{
	unsigned int i, j;
	int ret;

	for (i = 0; i < vr->nevq; i++) {
		struct vrcu_evq *q = &vr->evq[i];

		q->bufs = kcalloc(EVQ_BUFS, sizeof(*q->bufs), GFP_KERNEL);
		if (!q->bufs)
			return -ENOMEM;
		for (j = 0; j < EVQ_BUFS; j++) {
			ret = vrcu_evq_add(q, &q->bufs[j]);
			if (ret)
				return ret;
		}
		virtqueue_kick(q->vq);
	}
	return 0;
}

/*
 * Make the region ready for SETUP. Readers have used it since the module
 * loaded; ``online`` follows CPU hotplug (core.c). A registration before
 * this one may have left its header and need_qs behind, and SETUP must
 * find qs_seq = 0 in every record (SPEC §1.5.1). No device owns the region
 * now, so: stop new reports (gp_seq = need_qs = 0 make the unlock's "report
 * wanted?" test false), wait for reports already under way (each runs with
 * preemption or interrupts disabled, so a GP of the kernel's RCU covers
 * it), then clear qs_seq.
 */
static void vrcu_prepare_region(struct virtio_rcu *vr)
{
	int cpu;

	if (vrcu_region_used) {
		WRITE_ONCE(pvrcu_shm_hdr->gp_seq, 0);
		for_each_possible_cpu(cpu)
			WRITE_ONCE(pvrcu_cpu_rec(cpu)->need_qs, 0);
		synchronize_rcu();
		for_each_possible_cpu(cpu)
			WRITE_ONCE(pvrcu_cpu_rec(cpu)->qs_seq, 0);
	}
	for_each_possible_cpu(cpu) {
		struct virtio_rcu_shm_cpu *rec = pvrcu_cpu_rec(cpu);

#ifdef CONFIG_X86
		WRITE_ONCE(rec->apic_id, cpu_to_le32(cpu_physical_id(cpu)));
#else
		WRITE_ONCE(rec->apic_id, cpu_to_le32(cpu));
#endif
		WRITE_ONCE(rec->eventq, cpu_to_le32(VIRTIO_RCU_EVENTQ_BASE +
						    vr->cpu_evq[cpu]));
	}
	/* Records complete before the device may read them (SETUP below). */
	smp_mb();
}

static void vrcu_free(struct virtio_rcu *vr)
{
	unsigned int i;

	if (vr->evq)
		for (i = 0; i < vr->nevq; i++)
			kfree(vr->evq[i].bufs);
	kfree(vr->evq);
	kfree(vr->cpu_evq);
	kfree(vr);
}

/* Stop requests, reset, fail what the device will not answer. */
static void vrcu_shutdown(struct virtio_rcu *vr)
{
	spin_lock_irq(&vreq.lock);
	vreq.vq = NULL;
	vreq.run_state_ok = false;
	vreq.cb_chain_ok = false;
	spin_unlock_irq(&vreq.lock);
	/* After the reset the device no longer touches the region. */
	virtio_reset_device(vr->vdev);
	vrcu_fail_requests(vr);
	vrcu_flush_report_ipis();
	vr->vdev->config->del_vqs(vr->vdev);
}

static int vrcu_check_config(struct virtio_device *vdev)
{
	u32 nevq, version, max_srcu;

	if (!virtio_has_feature(vdev, VIRTIO_F_VERSION_1))
		return -ENODEV;
	virtio_cread_le(vdev, struct virtio_rcu_config, num_event_queues, &nevq);
	virtio_cread_le(vdev, struct virtio_rcu_config, shm_version, &version);
	virtio_cread_le(vdev, struct virtio_rcu_config, max_srcu_domains,
			&max_srcu);
	if (version != VIRTIO_RCU_SHM_VERSION) {
		dev_err(&vdev->dev, "shared-memory layout %u, driver knows %u\n",
			version, VIRTIO_RCU_SHM_VERSION);
		return -ENODEV;
	}
	if (nevq < nr_cpu_ids || nevq > VIRTIO_RCU_MAX_EVENT_QUEUES) {
		dev_err(&vdev->dev,
			"device has %u event queues but the guest has %u CPUs: start QEMU with vhost-user-rcu-pci,event-queues=%u and pvrcud --event-queues=%u\n",
			nevq, nr_cpu_ids, nr_cpu_ids, nr_cpu_ids);
		return -EINVAL;
	}
	/* The SRCU area counts only with VIRTIO_RCU_F_SRCU (see vrcu_validate). */
	if (virtio_has_feature(vdev, VIRTIO_RCU_F_SRCU) &&
	    virtio_rcu_shm_size(nr_cpu_ids, max_srcu) > pvrcu_region_len)
		return -EINVAL;
	return 0;
}

/*
 * Before features are final: decline VIRTIO_RCU_F_SRCU if the region,
 * sized at load, has no room for every domain the device offers.
 */
static int vrcu_validate(struct virtio_device *vdev)
{
	u32 max_srcu;

	if (!virtio_has_feature(vdev, VIRTIO_RCU_F_SRCU))
		return 0;
	virtio_cread_le(vdev, struct virtio_rcu_config, max_srcu_domains,
			&max_srcu);
	if (max_srcu && max_srcu <= VIRTIO_RCU_MAX_SRCU_DOMAINS &&
	    max_srcu <= pvrcu_srcu_domains)
		return 0;
	dev_warn(&vdev->dev,
		 "device offers %u SRCU domains, the region has room for %u: SRCU grace periods stay in the guest (load virtio_rcu with srcu_domains=%u)\n",
		 max_srcu, pvrcu_srcu_domains, max_srcu);
	__virtio_clear_bit(vdev, VIRTIO_RCU_F_SRCU);
	return 0;
}

static int vrcu_probe(struct virtio_device *vdev)
{
	struct virtio_rcu *vr;
	u64 seq, t0;
	u32 nevq, max_srcu;
	int ret, cpu;

	ret = vrcu_check_config(vdev);
	if (ret)
		return ret;
	virtio_cread_le(vdev, struct virtio_rcu_config, num_event_queues, &nevq);
	virtio_cread_le(vdev, struct virtio_rcu_config, max_srcu_domains,
			&max_srcu);

	mutex_lock(&vrcu_probe_mutex);
	if (vrcu_bound) {
		dev_err(&vdev->dev, "a virtio-rcu device is already bound\n");
		ret = -EBUSY;
		goto out_unlock;
	}
	ret = -ENOMEM;
	vr = kzalloc(sizeof(*vr), GFP_KERNEL);
	if (!vr)
		goto out_unlock;
	vr->vdev = vdev;
	vdev->priv = vr;
	vr->nevq = nevq;
	vr->evq = kcalloc(nevq, sizeof(*vr->evq), GFP_KERNEL);
	vr->cpu_evq = kcalloc(nr_cpu_ids, sizeof(*vr->cpu_evq), GFP_KERNEL);
	if (!vr->evq || !vr->cpu_evq)
		goto err_free;

	ret = vrcu_find_vqs(vr);
	if (ret)
		goto err_free;
	vrcu_map_cpus(vr);
	vrcu_prepare_region(vr);
	dev_info(&vdev->dev, "probed: %u event queues, %u CPUs, region %zu bytes\n",
		 nevq, nr_cpu_ids, pvrcu_region_len);
	for (cpu = 0; cpu < nevq && cpu < nr_cpu_ids; cpu++)
		dev_info(&vdev->dev, "cpu %d -> event queue %d (vector on cpu %d)\n",
			 cpu, vr->cpu_evq[cpu], vr->evq[vr->cpu_evq[cpu]].cpu);

	virtio_device_ready(vdev);
	ret = vrcu_fill_evqs(vr);
	if (ret)
		goto err_reset;
	spin_lock_irq(&vreq.lock);
	vreq.vq = vr->reqq;
	vreq.exp_ok = virtio_has_feature(vdev, VIRTIO_RCU_F_EXPEDITE);
	vreq.run_state_ok = virtio_has_feature(vdev, VIRTIO_RCU_F_RUN_STATE);
	vreq.cb_chain_ok = virtio_has_feature(vdev, VIRTIO_RCU_F_CB_CHAIN);
	spin_unlock_irq(&vreq.lock);

	vrcu_region_used = true;
	ret = vrcu_request(VIRTIO_RCU_REQ_SETUP, 0, virt_to_phys(pvrcu_region),
			   pvrcu_region_len, nr_cpu_ids, &seq, REQ_TIMEOUT);
	if (ret) {
		dev_err(&vdev->dev, "SETUP failed: %d\n", ret);
		ret = ret < 0 ? ret : -EIO;
		goto err_reset;
	}
	dev_info(&vdev->dev, "region registered: gpa=%pa len=%zu gp_seq=%llu\n",
		 &(phys_addr_t){ virt_to_phys(pvrcu_region) }, pvrcu_region_len,
		 seq);

	/* One GP through the device before it serves everyone. */
	t0 = ktime_get_ns();
	ret = vrcu_request(VIRTIO_RCU_REQ_GP, VIRTIO_RCU_GP_F_WAIT, 0, 0, 0,
			   &seq, 0);
	if (ret) {
		dev_err(&vdev->dev, "GP request failed: %d\n", ret);
		ret = ret < 0 ? ret : -EIO;
		goto err_reset;
	}
	dev_info(&vdev->dev,
		 "synchronize: GP request completed, gp_seq=%llu (%llu us, %ld events)\n",
		 seq, (ktime_get_ns() - t0) / 1000, atomic_long_read(&vr->events));

	vrcu_bound = vr;
	pvrcu_gp_bind(pvrcu_shm_hdr);
	if (!virtio_has_feature(vdev, VIRTIO_RCU_F_SRCU))
		max_srcu = 0;
	pvsrcu_switch_begin();
	pvsrcu_switch_end(max_srcu);
	dev_info(&vdev->dev, "serving pvrcu grace periods (%s), SRCU: %u domains\n",
		 vreq.exp_ok ? "expedited: posted interrupts" : "no expedite",
		 max_srcu);
	mutex_unlock(&vrcu_probe_mutex);
	return 0;

err_reset:
	vrcu_shutdown(vr);
err_free:
	vrcu_free(vr);
out_unlock:
	mutex_unlock(&vrcu_probe_mutex);
	return ret;
}

/*
 * Checklist item 17: callbacks pending at removal are neither lost nor run
 * early. Grace periods go to the kernel's RCU first (gp.c rebases every
 * cookie so that it needs a GP of the kernel's that starts after this
 * point), then the device lets go of the region.
 */
static void vrcu_remove(struct virtio_device *vdev)
{
	struct virtio_rcu *vr = vdev->priv;
	u64 pending = pvrcu_cb_pending();
	int ret;

	mutex_lock(&vrcu_probe_mutex);
	pvsrcu_switch_begin();		/* SRCU GPs in flight start over locally */
	pvrcu_gp_unbind();
	vrcu_bound = NULL;
	ret = vrcu_request(VIRTIO_RCU_REQ_TEARDOWN, 0, 0, 0, 0, NULL,
			   REQ_TIMEOUT);
	if (ret)
		dev_err(&vdev->dev, "TEARDOWN: %d; resetting anyway\n", ret);
	vrcu_shutdown(vr);
	pvsrcu_switch_end(0);
	dev_info(&vdev->dev,
		 "removed (%ld events, %ld handed over, %llu callbacks pending)\n",
		 atomic_long_read(&vr->events), atomic_long_read(&vr->misrouted),
		 pending);
	vrcu_free(vr);
	mutex_unlock(&vrcu_probe_mutex);
}

static const struct virtio_device_id id_table[] = {
	{ VIRTIO_ID_RCU, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

static unsigned int features[] = {
	VIRTIO_RCU_F_EXPEDITE,
	VIRTIO_RCU_F_SRCU,
	VIRTIO_RCU_F_RUN_STATE,
	VIRTIO_RCU_F_CB_CHAIN,
};

static struct virtio_driver virtio_rcu_driver = {
	.driver.name = KBUILD_MODNAME,
	.driver.owner = THIS_MODULE,
	.feature_table = features,
	.feature_table_size = ARRAY_SIZE(features),
	.id_table = id_table,
	.validate = vrcu_validate,
	.probe = vrcu_probe,
	.remove = vrcu_remove,
};

int pvrcu_dev_init(void)
{
	int cpu, ret;

	spin_lock_init(&vreq.lock);
	vrcu_report_csd = alloc_percpu(call_single_data_t);
	if (!vrcu_report_csd)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		INIT_CSD(per_cpu_ptr(vrcu_report_csd, cpu), vrcu_report_ipi,
			 NULL);
	ret = register_virtio_driver(&virtio_rcu_driver);
	if (ret)
		free_percpu(vrcu_report_csd);
	return ret;
}

void pvrcu_dev_exit(void)
{
	unregister_virtio_driver(&virtio_rcu_driver);
	vrcu_flush_report_ipis();
	free_percpu(vrcu_report_csd);
}

MODULE_DEVICE_TABLE(virtio, id_table);
