// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio_rcu: the virtio driver of virtio_rcu.ko.
 *
 * The device (pvrcud on the host) decides when grace periods end. At probe
 * this driver registers the region that region.c allocated at load
 * (quiescent-state reports, callback backlog per CPU) and tells its client
 * (the layers above, wired in core.c) that it serves grace periods; it
 * sends requests on the request queue and answers the host's per-CPU posts
 * on the event queues, each bound to the CPU it serves. At remove, the
 * client takes grace periods back to the kernel's RCU before the region is
 * unregistered. One device per guest; its state lives in struct virtio_rcu
 * behind vdev->priv. The bottom layer: it calls nothing above it but
 * through the client's operations.
 */
#include <linux/cpumask.h>
#include <linux/interrupt.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>

#include "pvrcu_internal.h"

#define EVQ_BUFS	4		/* event buffers kept posted per queue */
#define REQ_TIMEOUT	(10 * HZ)	/* SETUP and TEARDOWN: do not hang */
#define PROBE_GP_TIMEOUT (30 * HZ)	/* the first GP, at probe */

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
	struct virtqueue *reqq;		/* under vrcu_req_lock */
	bool req_open;			/* requests may be sent (ditto) */
	bool exp_ok;			/* VIRTIO_RCU_F_EXPEDITE negotiated */
	bool run_state_ok;		/* VIRTIO_RCU_F_RUN_STATE negotiated */
	bool cb_chain_ok;		/* VIRTIO_RCU_F_CB_CHAIN negotiated */
	unsigned int nevq;
	struct vrcu_evq *evq;
	int *cpu_evq;			/* cpu -> event queue index */
	call_single_data_t __percpu *report_csd;	/* misrouted posts */
	atomic_long_t events;
	atomic_long_t misrouted;
	struct rcu_head rcu;		/* freed after lockless readers */
};

/*
 * The device requests go to, for the callers that have no vdev (GP
 * requests from pvrcu_call() in any context, Tasks requests, feature
 * queries): set at probe before SETUP, cleared at remove before the reset;
 * the device is freed after a GP of the kernel's RCU (call_rcu(), so that
 * remove does not wait for readers), so lockless readers (rcu_read_lock())
 * and vrcu_req_lock holders may use it.
 * Requests themselves outlive the device: remove fails them.
 */
static struct virtio_rcu __rcu *vrcu_active;
static DEFINE_SPINLOCK(vrcu_req_lock);	/* vrcu_active's queue, ->abandoned */
static DEFINE_MUTEX(vrcu_probe_mutex);	/* probe, remove; vrcu_active */
static bool vrcu_region_used;		/* a SETUP was sent for the region */
static const struct pvrcu_dev_client *vrcu_client;

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

static int vrcu_alloc_report_csd(struct virtio_rcu *vr)
{
	int cpu;

	vr->report_csd = alloc_percpu(call_single_data_t);
	if (!vr->report_csd)
		return -ENOMEM;
	for_each_possible_cpu(cpu)
		INIT_CSD(per_cpu_ptr(vr->report_csd, cpu), vrcu_report_ipi,
			 NULL);
	return 0;
}

/* ---- requests ---------------------------------------------------------- */

static void vrcu_reqq_done(struct virtqueue *vq)
{
	struct vrcu_req *r;
	unsigned long flags;
	unsigned int len;

	this_cpu_inc(pvrcu_pstats.irqs);
	spin_lock_irqsave(&vrcu_req_lock, flags);
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
	spin_unlock_irqrestore(&vrcu_req_lock, flags);
	/* A GP may have ended: invoke what is ready here. */
	vrcu_client->gp_done(smp_processor_id());
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

/* Queue @r to the active device; -ENODEV while there is none. */
static int vrcu_submit(struct vrcu_req *r)
{
	struct scatterlist out, in, *sgs[2] = { &out, &in };
	struct virtio_rcu *vr;
	unsigned long flags;
	int ret = -ENODEV;

	sg_init_one(&out, &r->req, sizeof(r->req));
	sg_init_one(&in, &r->resp, sizeof(r->resp));
	spin_lock_irqsave(&vrcu_req_lock, flags);
	vr = rcu_dereference_protected(vrcu_active,
				       lockdep_is_held(&vrcu_req_lock));
	if (vr && vr->req_open) {
		ret = virtqueue_add_sgs(vr->reqq, sgs, 1, 1, r, GFP_ATOMIC);
		if (!ret)
			virtqueue_kick(vr->reqq);
	}
	spin_unlock_irqrestore(&vrcu_req_lock, flags);
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
			spin_lock_irqsave(&vrcu_req_lock, irqf);
			r->abandoned = !completion_done(&r->done);
			spin_unlock_irqrestore(&vrcu_req_lock, irqf);
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

/* A feature of the active device (false without one). */
#define vrcu_active_has(field)						\
({									\
	struct virtio_rcu *__vr;					\
	bool __ok;							\
									\
	rcu_read_lock();						\
	__vr = rcu_dereference(vrcu_active);				\
	__ok = __vr && READ_ONCE(__vr->field);				\
	rcu_read_unlock();						\
	__ok;								\
})

int pvrcu_dev_gp_async(bool exp)
{
	u16 flags = exp && vrcu_active_has(exp_ok) ? VIRTIO_RCU_GP_F_EXPEDITED : 0;
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
	return vrcu_active_has(run_state_ok);
}

/*
 * Callbacks may skip their GP request when the device is sure to chain
 * to it (pvrcu_gp_chained()).
 */
bool pvrcu_dev_chains_callbacks(void)
{
	return vrcu_active_has(cb_chain_ok);
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
						       per_cpu_ptr(vr->report_csd, cpu));
		}
		break;
	case VIRTIO_RCU_EV_GP_DONE:
		if (READ_ONCE(pvrcu_debug))
			dev_info_ratelimited(&vr->vdev->dev,
					     "cpu %u: event GP_DONE gp=%llu handled on cpu %d\n",
					     cpu, le64_to_cpu(ev->gp_seq), here);
		/* Callbacks may run on any CPU: invoke them here. */
		vrcu_client->gp_done(cpu);
		break;
	case VIRTIO_RCU_EV_SRCU_DONE:
		vrcu_client->srcu_done(le16_to_cpu(ev->domain),
				       le64_to_cpu(ev->gp_seq));
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

static void vrcu_free_rcu(struct rcu_head *head)
{
	struct virtio_rcu *vr = container_of(head, struct virtio_rcu, rcu);
	unsigned int i;

	if (vr->evq)
		for (i = 0; i < vr->nevq; i++)
			kfree(vr->evq[i].bufs);
	kfree(vr->evq);
	kfree(vr->cpu_evq);
	free_percpu(vr->report_csd);
	kfree(vr);
}

static void vrcu_free(struct virtio_rcu *vr)
{
	call_rcu(&vr->rcu, vrcu_free_rcu);
}

/* Stop requests, reset, fail what the device will not answer. */
static void vrcu_shutdown(struct virtio_rcu *vr)
{
	spin_lock_irq(&vrcu_req_lock);
	vr->req_open = false;
	rcu_assign_pointer(vrcu_active, NULL);
	spin_unlock_irq(&vrcu_req_lock);
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
	if (rcu_access_pointer(vrcu_active)) {
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
	if (!vr->evq || !vr->cpu_evq || vrcu_alloc_report_csd(vr))
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
	vr->exp_ok = virtio_has_feature(vdev, VIRTIO_RCU_F_EXPEDITE);
	vr->run_state_ok = virtio_has_feature(vdev, VIRTIO_RCU_F_RUN_STATE);
	vr->cb_chain_ok = virtio_has_feature(vdev, VIRTIO_RCU_F_CB_CHAIN);
	spin_lock_irq(&vrcu_req_lock);
	vr->req_open = true;
	rcu_assign_pointer(vrcu_active, vr);
	spin_unlock_irq(&vrcu_req_lock);

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

	/* One GP through the device before it serves everyone: bounded. */
	t0 = ktime_get_ns();
	ret = vrcu_request(VIRTIO_RCU_REQ_GP, VIRTIO_RCU_GP_F_WAIT, 0, 0, 0,
			   &seq, PROBE_GP_TIMEOUT);
	if (ret) {
		dev_err(&vdev->dev,
			"first GP request failed: %d%s; not binding (GPs stay with the kernel's RCU)\n",
			ret, ret == -ETIMEDOUT ? " (no answer in 30 s)" : "");
		ret = ret < 0 ? ret : -EIO;
		goto err_reset;
	}
	dev_info(&vdev->dev,
		 "synchronize: GP request completed, gp_seq=%llu (%llu us, %ld events)\n",
		 seq, (ktime_get_ns() - t0) / 1000, atomic_long_read(&vr->events));

	if (!virtio_has_feature(vdev, VIRTIO_RCU_F_SRCU))
		max_srcu = 0;
	vrcu_client->bound(pvrcu_shm_hdr, max_srcu);
	dev_info(&vdev->dev, "serving pvrcu grace periods (%s), SRCU: %u domains\n",
		 vr->exp_ok ? "expedited: posted interrupts" : "no expedite",
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
	u64 pending;
	int ret;

	mutex_lock(&vrcu_probe_mutex);
	pending = vrcu_client->unbinding();	/* GPs back to the kernel's */
	ret = vrcu_request(VIRTIO_RCU_REQ_TEARDOWN, 0, 0, 0, 0, NULL,
			   REQ_TIMEOUT);
	if (ret)
		dev_err(&vdev->dev, "TEARDOWN: %d; resetting anyway\n", ret);
	vrcu_shutdown(vr);
	vrcu_client->unbound();
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

int pvrcu_dev_init(const struct pvrcu_dev_client *client)
{
	vrcu_client = client;
	return register_virtio_driver(&virtio_rcu_driver);
}

void pvrcu_dev_exit(void)
{
	unregister_virtio_driver(&virtio_rcu_driver);
	rcu_barrier();		/* vrcu_free_rcu() is our code */
}

MODULE_DEVICE_TABLE(virtio, id_table);
