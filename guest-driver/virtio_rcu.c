// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio_rcu: guest driver for the virtio-rcu paravirtual RCU device.
 *
 * The device (pvrcud on the host) decides when grace periods end. This
 * driver registers the shared region the host reads (reader nesting and
 * quiescent-state reports per CPU), sends requests on the request queue,
 * and answers the host's per-CPU posts on the event queues, each bound to
 * the CPU it serves.
 */
#include <linux/cpumask.h>
#include <linux/smp.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/virtio.h>
#include <linux/virtio_config.h>
#include <linux/interrupt.h>

#include "virtio_rcu.h"

#define EVQ_BUFS	4	/* event buffers kept posted per queue */
#define REQ_TIMEOUT	(10 * HZ)	/* TEARDOWN on remove: do not hang */

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
	bool abandoned;		/* waiter timed out: the callback frees it */
};

struct virtio_rcu {
	struct virtio_device *vdev;
	struct virtqueue *reqq;
	spinlock_t reqq_lock;

	unsigned int nevq;
	struct vrcu_evq *evq;
	int *cpu_evq;			/* cpu -> event queue index, or -1 */

	void *shm;
	size_t shm_len;
	u32 max_srcu;
	call_single_data_t __percpu *report_csd;
	atomic_long_t events;
	atomic_long_t misrouted;
};

static struct virtio_rcu_shm_header *vrcu_hdr(struct virtio_rcu *vr)
{
	return vr->shm;
}

static struct virtio_rcu_shm_cpu *vrcu_rec(struct virtio_rcu *vr, int cpu)
{
	return vr->shm + virtio_rcu_shm_cpu_off(cpu);
}

/*
 * Report a quiescent state for this CPU if it is not inside a reader.
 * Runs with interrupts off on the CPU it reports for; the smp_mb() orders
 * every earlier reader access before the gp_seq load (docs/ARCHITECTURE.md).
 */
static void vrcu_report_qs_local(struct virtio_rcu *vr)
{
	struct virtio_rcu_shm_cpu *rec = vrcu_rec(vr, smp_processor_id());
	u64 seq;

	if (READ_ONCE(rec->nesting))
		return;	/* the outermost unlock will report */
	smp_mb();
	seq = le64_to_cpu(READ_ONCE(vrcu_hdr(vr)->gp_seq));
	WRITE_ONCE(rec->qs_seq, cpu_to_le64(seq));
}

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
	vrcu_report_qs_local(info);
}

/* ---- requests ---------------------------------------------------------- */

static void vrcu_reqq_done(struct virtqueue *vq)
{
	struct virtio_rcu *vr = vq->vdev->priv;
	struct vrcu_req *r;
	unsigned long flags;
	unsigned int len;

	spin_lock_irqsave(&vr->reqq_lock, flags);
	do {
		virtqueue_disable_cb(vq);
		while ((r = virtqueue_get_buf(vq, &len))) {
			if (r->abandoned)
				kfree(r);
			else
				complete(&r->done);
		}
	} while (!virtqueue_enable_cb(vq));
	spin_unlock_irqrestore(&vr->reqq_lock, flags);
}

/*
 * Send one request and wait for the device's answer. Returns the device
 * status (VIRTIO_RCU_S_*), or a negative errno if it could not be sent
 * or no answer came within @timeout jiffies (0: wait forever).
 */
static int vrcu_request(struct virtio_rcu *vr, u16 type, u16 flags, u64 arg0,
			u64 arg1, u64 arg2, u64 *val0, unsigned long timeout)
{
	struct scatterlist out, in, *sgs[2] = { &out, &in };
	struct vrcu_req *r;
	unsigned long irqf;
	int ret;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->req.type = cpu_to_le16(type);
	r->req.flags = cpu_to_le16(flags);
	r->req.arg0 = cpu_to_le64(arg0);
	r->req.arg1 = cpu_to_le64(arg1);
	r->req.arg2 = cpu_to_le64(arg2);
	init_completion(&r->done);
	sg_init_one(&out, &r->req, sizeof(r->req));
	sg_init_one(&in, &r->resp, sizeof(r->resp));

	spin_lock_irqsave(&vr->reqq_lock, irqf);
	ret = virtqueue_add_sgs(vr->reqq, sgs, 1, 1, r, GFP_ATOMIC);
	if (!ret)
		virtqueue_kick(vr->reqq);
	spin_unlock_irqrestore(&vr->reqq_lock, irqf);
	if (ret) {
		kfree(r);
		return ret;
	}
	if (timeout) {
		if (!wait_for_completion_timeout(&r->done, timeout)) {
			spin_lock_irqsave(&vr->reqq_lock, irqf);
			r->abandoned = !completion_done(&r->done);
			spin_unlock_irqrestore(&vr->reqq_lock, irqf);
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
	if (le16_to_cpu(ev->type) != VIRTIO_RCU_EV_REPORT_QS)
		return;
	dev_info_ratelimited(&vr->vdev->dev,
			     "cpu %u: event REPORT_QS gp=%llu handled on cpu %d\n",
			     cpu, le64_to_cpu(ev->gp_seq), here);
	if (cpu == here) {
		vrcu_report_qs_local(vr);
	} else if (cpu < nr_cpu_ids && cpu_online(cpu)) {
		/* Vector not on its CPU (hotplug, no MSI-X): hand it over. */
		atomic_long_inc(&vr->misrouted);
		/* -EBUSY: a report IPI is already on its way there. */
		smp_call_function_single_async(cpu,
					       per_cpu_ptr(vr->report_csd, cpu));
	}
}

static void vrcu_evq_done(struct virtqueue *vq)
{
	struct virtio_rcu *vr = vq->vdev->priv;
	struct vrcu_evq *q = &vr->evq[vq->index - VIRTIO_RCU_EVENTQ_BASE];
	struct vrcu_evbuf *b;
	unsigned int len;
	bool again;

	do {
		virtqueue_disable_cb(vq);
		while ((b = virtqueue_get_buf(vq, &len))) {
			if (len >= sizeof(b->ev))
				vrcu_handle_event(vr, &b->ev);
			vrcu_evq_add(q, b);
		}
		again = !virtqueue_enable_cb(vq);
	} while (again);
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

static void vrcu_init_region(struct virtio_rcu *vr)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct virtio_rcu_shm_cpu *rec = vrcu_rec(vr, cpu);

#ifdef CONFIG_X86
		rec->apic_id = cpu_to_le32(cpu_physical_id(cpu));
#else
		rec->apic_id = cpu_to_le32(cpu);
#endif
		rec->eventq = cpu_to_le32(VIRTIO_RCU_EVENTQ_BASE + vr->cpu_evq[cpu]);
		rec->online = cpu_to_le32(cpu_online(cpu) ? 1 : 0);
	}
	/* Records complete before the device may read them (SETUP below). */
	smp_wmb();
}

static void vrcu_free(struct virtio_rcu *vr)
{
	unsigned int i;

	if (vr->evq)
		for (i = 0; i < vr->nevq; i++)
			kfree(vr->evq[i].bufs);
	kfree(vr->evq);
	kfree(vr->cpu_evq);
	free_percpu(vr->report_csd);
	if (vr->shm)
		free_pages_exact(vr->shm, vr->shm_len);
	kfree(vr);
}

static int vrcu_probe(struct virtio_device *vdev)
{
	struct virtio_rcu *vr;
	u32 nevq, version;
	u64 seq, t0;
	int ret, cpu;

	if (!virtio_has_feature(vdev, VIRTIO_F_VERSION_1))
		return -ENODEV;
	virtio_cread_le(vdev, struct virtio_rcu_config, num_event_queues, &nevq);
	virtio_cread_le(vdev, struct virtio_rcu_config, shm_version, &version);
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

	vr = kzalloc(sizeof(*vr), GFP_KERNEL);
	if (!vr)
		return -ENOMEM;
	vr->vdev = vdev;
	vdev->priv = vr;
	spin_lock_init(&vr->reqq_lock);
	vr->nevq = nevq;
	virtio_cread_le(vdev, struct virtio_rcu_config, max_srcu_domains,
			&vr->max_srcu);
	vr->evq = kcalloc(nevq, sizeof(*vr->evq), GFP_KERNEL);
	vr->cpu_evq = kcalloc(nr_cpu_ids, sizeof(*vr->cpu_evq), GFP_KERNEL);
	vr->report_csd = alloc_percpu(call_single_data_t);
	ret = -ENOMEM;
	if (!vr->evq || !vr->cpu_evq || !vr->report_csd)
		goto err_free;
	for_each_possible_cpu(cpu)
		INIT_CSD(per_cpu_ptr(vr->report_csd, cpu), vrcu_report_ipi, vr);

	vr->shm_len = PAGE_ALIGN(virtio_rcu_shm_size(nr_cpu_ids, vr->max_srcu));
	vr->shm = alloc_pages_exact(vr->shm_len, GFP_KERNEL | __GFP_ZERO);
	if (!vr->shm)
		goto err_free;

	ret = vrcu_find_vqs(vr);
	if (ret)
		goto err_free;
	vrcu_map_cpus(vr);
	vrcu_init_region(vr);
	dev_info(&vdev->dev, "probed: %u event queues, %u CPUs, region %zu bytes\n",
		 nevq, nr_cpu_ids, vr->shm_len);
	for (cpu = 0; cpu < nevq && cpu < nr_cpu_ids; cpu++)
		dev_info(&vdev->dev, "cpu %d -> event queue %d (vector on cpu %d)\n",
			 cpu, vr->cpu_evq[cpu], vr->evq[vr->cpu_evq[cpu]].cpu);

	virtio_device_ready(vdev);
	ret = vrcu_fill_evqs(vr);
	if (ret)
		goto err_reset;

	ret = vrcu_request(vr, VIRTIO_RCU_REQ_SETUP, 0, virt_to_phys(vr->shm),
			   vr->shm_len, nr_cpu_ids, &seq, REQ_TIMEOUT);
	if (ret) {
		dev_err(&vdev->dev, "SETUP failed: %d\n", ret);
		ret = ret < 0 ? ret : -EIO;
		goto err_reset;
	}
	dev_info(&vdev->dev, "region registered: gpa=%pa len=%zu gp_seq=%llu\n",
		 &(phys_addr_t){ virt_to_phys(vr->shm) }, vr->shm_len, seq);

	t0 = ktime_get_ns();
	ret = vrcu_request(vr, VIRTIO_RCU_REQ_GP, VIRTIO_RCU_GP_F_WAIT, 0, 0, 0,
			   &seq, 0);
	if (ret) {
		dev_err(&vdev->dev, "GP request failed: %d\n", ret);
		ret = ret < 0 ? ret : -EIO;
		goto err_reset;
	}
	dev_info(&vdev->dev,
		 "synchronize: GP request completed, gp_seq=%llu (%llu us, %ld events)\n",
		 seq, (ktime_get_ns() - t0) / 1000, atomic_long_read(&vr->events));
	return 0;

err_reset:
	virtio_reset_device(vdev);
	vdev->config->del_vqs(vdev);
	vrcu_flush_report_ipis();
err_free:
	vrcu_free(vr);
	return ret;
}

static void vrcu_remove(struct virtio_device *vdev)
{
	struct virtio_rcu *vr = vdev->priv;
	int ret;

	ret = vrcu_request(vr, VIRTIO_RCU_REQ_TEARDOWN, 0, 0, 0, 0, NULL,
			   REQ_TIMEOUT);
	if (ret)
		dev_warn(&vdev->dev, "TEARDOWN: %d; resetting anyway\n", ret);
	/* After the reset the device no longer touches the region. */
	virtio_reset_device(vdev);
	{
		struct vrcu_req *r;

		while ((r = virtqueue_detach_unused_buf(vr->reqq)))
			kfree(r);	/* only abandoned requests are left */
	}
	vrcu_flush_report_ipis();
	vdev->config->del_vqs(vdev);
	dev_info(&vdev->dev, "removed (%ld events, %ld handed over)\n",
		 atomic_long_read(&vr->events), atomic_long_read(&vr->misrouted));
	vrcu_free(vr);
}

static const struct virtio_device_id id_table[] = {
	{ VIRTIO_ID_RCU, VIRTIO_DEV_ANY_ID },
	{ 0 },
};

static unsigned int features[] = {
	VIRTIO_RCU_F_EXPEDITE,
};

static struct virtio_driver virtio_rcu_driver = {
	.driver.name = KBUILD_MODNAME,
	.driver.owner = THIS_MODULE,
	.feature_table = features,
	.feature_table_size = ARRAY_SIZE(features),
	.id_table = id_table,
	.probe = vrcu_probe,
	.remove = vrcu_remove,
};

module_virtio_driver(virtio_rcu_driver);
MODULE_DEVICE_TABLE(virtio, id_table);
MODULE_DESCRIPTION("virtio-rcu: paravirtual RCU served by the host");
MODULE_LICENSE("GPL");
