// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * virtio-rcu on libvhost-user. The request queue carries SETUP, GP and
 * TEARDOWN requests (virtio-rcu/SPEC.md); event queue i+1 carries posts
 * to the guest CPU bound to it. Guest-supplied values are validated by
 * the device model (virtio-rcu/device) before anything acts on them.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "libvhost-user.h"

#include "backend.h"
#include "backend_priv.h"
#include "guest_mem.h"
#include "log.h"
#include "state.h"
#include "rcu_core.h"
#include "request.h"
#include "virtio_rcu.h"

static struct backend *to_backend(VuDev *dev)
{
	return (struct backend *)dev;
}

/* ---- watches: libvhost-user's fds on our event loop ------------------ */

static void vu_watch_trampoline(int fd, unsigned int events, void *data)
{
	struct backend *b = data;
	int cond = 0, i;

	if (events & EL_IN)
		cond |= VU_WATCH_IN;
	if (events & EL_OUT)
		cond |= VU_WATCH_OUT;
	if (events & EL_ERR)
		cond |= VU_WATCH_ERR;
	for (i = 0; i < MAX_VU_WATCHES; i++) {
		if (b->watches[i].fd == fd) {
			b->watches[i].cb(&b->dev, cond, b->watches[i].data);
			return;
		}
	}
}

static void set_watch(VuDev *dev, int fd, int condition, vu_watch_cb cb,
		      void *data)
{
	struct backend *b = to_backend(dev);
	unsigned int ev = 0;
	int i, slot = -1;

	for (i = 0; i < MAX_VU_WATCHES; i++) {
		if (b->watches[i].fd == fd) {
			slot = i;
			break;
		}
		if (slot < 0 && b->watches[i].fd < 0)
			slot = i;
	}
	if (slot < 0) {
		log_err("too many watched descriptors");
		return;
	}
	if (condition & VU_WATCH_IN)
		ev |= EL_IN;
	if (condition & VU_WATCH_OUT)
		ev |= EL_OUT;
	b->watches[slot] = (struct vu_watch){ .fd = fd, .cb = cb, .data = data };
	if (el_watch(b->el, fd, ev, vu_watch_trampoline, b) < 0) {
		log_err("cannot watch fd %d: %s", fd, strerror(errno));
		b->watches[slot].fd = -1;
	}
}

static void remove_watch(VuDev *dev, int fd)
{
	struct backend *b = to_backend(dev);
	int i;

	for (i = 0; i < MAX_VU_WATCHES; i++)
		if (b->watches[i].fd == fd)
			b->watches[i].fd = -1;
	el_unwatch(b->el, fd);
}

static void panic_cb(VuDev *dev, const char *err)
{
	struct backend *b = to_backend(dev);

	log_err("vhost-user: %s; dropping the connection", err);
	b->done = true;
}

/* ---- responses -------------------------------------------------------- */

static void complete(struct backend *b, VuVirtqElement *elem, int status,
		     uint64_t val0, uint64_t val1)
{
	VuVirtq *vq = vu_get_queue(&b->dev, VIRTIO_RCU_REQUESTQ);
	struct virtio_rcu_resp resp = {
		.status = (uint8_t)status,
		.val0 = htole64(val0),
		.val1 = htole64(val1),
	};
	long len = vrcu_resp_scatter(elem->in_sg, elem->in_num, &resp);

	if (len < 0) {
		/* No room for a status: the request cannot even fail cleanly. */
		b->bad_requests++;
		log_warn("request without room for a response; returned empty");
		len = 0;
	}
	vu_queue_push(&b->dev, vq, elem, (unsigned int)len);
	vu_queue_notify(&b->dev, vq);
	free(elem);
}

/* Fail every parked request (device reset or teardown): never OK. */
static void fail_waiters(struct backend *b, bool push)
{
	unsigned int i;

	for (i = 0; i < b->nwaiters; i++) {
		if (push)
			complete(b, b->waiters[i].elem, VIRTIO_RCU_S_IOERR, 0, 0);
		else
			free(b->waiters[i].elem);
	}
	b->nwaiters = 0;
}

static void complete_waiters(struct backend *b, uint64_t now)
{
	unsigned int i = 0;

	while (i < b->nwaiters) {
		struct waiter *w = &b->waiters[i];

		if (!rcuc_gp_done(b->dom, w->cookie)) {
			i++;
			continue;
		}
		log_debug("GP %llu done after %llu us%s",
			  (unsigned long long)w->cookie,
			  (unsigned long long)(now - w->start_ns) / 1000,
			  w->expedited ? " (expedited)" : "");
		complete(b, w->elem, VIRTIO_RCU_S_OK, rcuc_gp_seq(b->dom), 0);
		*w = b->waiters[--b->nwaiters];
	}
}

static void on_deadline(void *data);

/* Run the GP engine, deliver what it finished, re-arm the timer. */
static void kick_engine(struct backend *b)
{
	uint64_t now = el_now_ns();

	if (!rcuc_attached(b->dom))
		return;
	tracker_sample(b);
	rcuc_advance(b->dom, now);
	complete_waiters(b, now);
	srcu_notify(b);
	el_set_deadline(b->el, rcuc_deadline(b->dom), on_deadline, b);
}

static void on_deadline(void *data)
{
	kick_engine(data);
}

/* ---- posts: the host interrupts one guest CPU ------------------------- */

bool post(struct backend *b, uint16_t type, uint16_t domain, uint32_t cpu,
	  uint64_t gp_seq)
{
	static const char *const names[] = { "?", "REPORT_QS", "GP_DONE",
					      "SRCU_DONE" };
	volatile struct virtio_rcu_shm_cpu *r;
	struct virtio_rcu_event ev = {
		.type = htole16(type),
		.domain = htole16(domain),
		.cpu = htole32(cpu),
		.gp_seq = htole64(gp_seq),
	};
	VuVirtqElement *elem;
	uint32_t q;
	VuVirtq *vq;

	if (!b->have_region || cpu >= b->ncpus)
		return false;
	r = (volatile struct virtio_rcu_shm_cpu *)
		(b->shm + virtio_rcu_shm_cpu_off(cpu));
	/* The guest names the queue bound to this CPU: check it. */
	q = le32toh(r->eventq);
	if (q < VIRTIO_RCU_EVENTQ_BASE || q >= VIRTIO_RCU_EVENTQ_BASE + b->opt.event_queues)
		return false;
	vq = vu_get_queue(&b->dev, (int)q);
	if (!vq || !vu_queue_started(&b->dev, vq) || !vu_queue_enabled(&b->dev, vq))
		return false;
	elem = vu_queue_pop(&b->dev, vq, sizeof(*elem));
	if (!elem)
		return false;		/* the guest has no buffer posted */
	if (elem->out_num ||
	    vrcu_iov_scatter(elem->in_sg, elem->in_num, &ev, sizeof(ev)) < 0) {
		b->bad_requests++;
		vu_queue_push(&b->dev, vq, elem, 0);
		vu_queue_notify(&b->dev, vq);
		free(elem);
		return false;
	}
	vu_queue_push(&b->dev, vq, elem, sizeof(ev));
	vu_queue_notify(&b->dev, vq);
	free(elem);
	log_debug("posted %s gp=%llu to cpu %u (queue %u, domain %u)",
		  names[type < 4 ? type : 0], (unsigned long long)gp_seq, cpu,
		  q, domain);
	return true;
}

/* rcu-core: interrupt @cpu to report a quiescent state for @gp_seq. */
static bool post_report_qs(void *ctx, uint32_t cpu, uint64_t gp_seq)
{
	return post(ctx, VIRTIO_RCU_EV_REPORT_QS, 0, cpu, gp_seq);
}

/* rcu-core: @cpu's callbacks waiting for @gp_seq are ready. */
static bool post_gp_done(void *ctx, uint32_t cpu, uint64_t gp_seq)
{
	return post(ctx, VIRTIO_RCU_EV_GP_DONE, 0, cpu, gp_seq);
}

static void on_stall(void *ctx, const struct rcuc_stall *s)
{
	static const char *const run[] = { "unknown", "in guest", "halted",
					   "preempted" };
	struct backend *b = ctx;
	struct stall_entry *e = &b->stalls[b->stall_head];

	e->when_ns = el_now_ns() - b->connected_ns;
	e->s = *s;
	b->stall_head = (b->stall_head + 1) % MAX_STALLS;
	if (b->nstalls < MAX_STALLS)
		b->nstalls++;
	log_warn("stall: GP %llu running for %llu ms, held by cpu %u (nesting %u, %s), report %u",
		 (unsigned long long)s->gp_seq,
		 (unsigned long long)(s->gp_age_ns / 1000000), s->cpu, s->nesting,
		 s->run_state < 4 ? run[s->run_state] : "?", s->report);
}

/* ---- the guest's region ----------------------------------------------- */

static void gmem_from_dev(VuDev *dev, struct vrcu_gmem *gm)
{
	unsigned int i;

	memset(gm, 0, sizeof(*gm));
	for (i = 0; i < dev->nregions && i < VRCU_GMEM_MAX_REGIONS; i++) {
		VuDevRegion *r = &dev->regions[i];

		gm->region[i].gpa = r->gpa;
		gm->region[i].size = r->size;
		gm->region[i].hva = r->mmap_addr ?
			(void *)(uintptr_t)(r->mmap_addr + r->mmap_offset) : NULL;
	}
	gm->nregions = i;
}

/* @push: the request queue still runs, so parked requests get IOERR. */
static void drop_region(struct backend *b, const char *why, bool push)
{
	if (!b->have_region)
		return;
	log_info("region at 0x%llx released: %s",
		 (unsigned long long)b->shm_gpa, why);
	fail_waiters(b, push);
	rcuc_detach(b->dom);
	srcu_detach(b);
	free(b->cpu_vcpu);
	b->cpu_vcpu = NULL;
	el_set_deadline(b->el, 0, NULL, NULL);
	b->have_region = false;
	b->shm = NULL;
}

/* The memory table changed: the region must still be in guest RAM. */
static void revalidate_region(struct backend *b)
{
	struct vrcu_gmem gm;
	void *p;

	b->mem_changed = false;
	if (!b->have_region)
		return;
	gmem_from_dev(&b->dev, &gm);
	p = vrcu_gmem_translate(&gm, b->shm_gpa, b->shm_len);
	if (!p) {
		drop_region(b, "no longer inside guest RAM", true);
		return;
	}
	b->shm = p;
	rcuc_rebind(b->dom, p);
}

/* ---- the registration on disk: a restarted pvrcud resumes it ----------- */

static void save_state(struct backend *b)
{
	struct pvrcud_state st = {
		.qemu_pid = b->peer_pid,
		.qemu_start = state_proc_start(b->peer_pid),
		.gpa = b->shm_gpa, .len = b->shm_len, .ncpus = b->ncpus,
	};
	int err;

	if (!b->opt.state_file)
		return;
	err = state_save(b->opt.state_file, &st);
	if (err)
		log_warn("cannot save state to %s: %s; a restart will not resume",
			 b->opt.state_file, strerror(-err));
}

/*
 * What the previous pvrcud left in the region, read before rcu-core takes
 * it over: the gp_seq, and how many SRCU domains were in use and had a GP
 * in progress. A GP in progress there is what rcu-core runs again.
 */
struct resume_found {
	uint64_t gp_seq;
	uint32_t srcu_used, srcu_busy;
};

static void resume_inspect(const struct vrcu_setup *su, uint32_t nsrcu,
			   struct resume_found *f)
{
	const unsigned char *shm = su->shm;
	uint32_t dom;

	f->gp_seq = le64toh(((const volatile struct virtio_rcu_shm_header *)
			     shm)->gp_seq);
	f->srcu_used = f->srcu_busy = 0;
	for (dom = 0; dom < nsrcu; dom++) {
		const volatile struct virtio_rcu_shm_srcu_domain *h =
			(const volatile struct virtio_rcu_shm_srcu_domain *)
			(shm + virtio_rcu_shm_srcu_off(su->ncpus, dom));

		if (le32toh(h->in_use) != 1)
			continue;
		f->srcu_used++;
		f->srcu_busy += (le64toh(h->srcu_gp_seq) &
				 VIRTIO_RCU_SEQ_STATE_MASK) != 0;
	}
}

/*
 * The request queue (re)started with no region: if the state file says
 * this very QEMU process had registered one, resume it. The engine then
 * continues from the gp_seq in the region and runs a GP found in
 * progress again from scratch (rcu-core's restart rule): nothing that
 * the previous pvrcud saw is trusted.
 */
static void try_resume(struct backend *b)
{
	struct pvrcud_state st;
	struct vrcu_request req = { .type = VIRTIO_RCU_REQ_SETUP };
	struct resume_found found = { 0 };
	struct vrcu_setup su;
	struct vrcu_gmem gm;
	bool ok;
	int err;

	if (b->have_region || !b->opt.state_file)
		return;
	err = state_load(b->opt.state_file, &st);
	if (err == -ENOENT)
		return;
	if (err || st.qemu_pid != b->peer_pid || !st.qemu_start ||
	    st.qemu_start != state_proc_start(b->peer_pid)) {
		log_info("state file %s is not for this QEMU process: ignored",
			 b->opt.state_file);
		state_remove(b->opt.state_file);
		return;
	}
	req.arg0 = st.gpa;
	req.arg1 = st.len;
	req.arg2 = st.ncpus;
	gmem_from_dev(&b->dev, &gm);
	ok = vrcu_setup_check(&req, &b->lim, &gm, &su) == VIRTIO_RCU_S_OK;
	if (ok)
		resume_inspect(&su, b->lim.max_srcu_domains, &found);
	if (!ok ||
	    rcuc_attach(b->dom, su.shm, su.len, su.ncpus, b->lim.max_srcu_domains,
			RCUC_ATTACH_RESUME, el_now_ns()) < 0) {
		log_warn("state file %s: region no longer valid; not resumed",
			 b->opt.state_file);
		state_remove(b->opt.state_file);
		return;
	}
	b->have_region = true;
	b->shm = su.shm;
	b->shm_gpa = st.gpa;
	b->shm_len = su.len;
	b->ncpus = su.ncpus;
	if (srcu_attach(b) < 0) {
		drop_region(b, "out of memory", false);
		return;
	}
	tracker_attach(b);
	log_info("resumed region gpa=0x%llx len=%llu cpus=%u at gp_seq %llu",
		 (unsigned long long)st.gpa, (unsigned long long)su.len, su.ncpus,
		 (unsigned long long)rcuc_gp_seq(b->dom));
	if (found.gp_seq & VIRTIO_RCU_SEQ_STATE_MASK)
		log_info("resume: the region's gp_seq was %llu: a GP was in progress, run again from scratch",
			 (unsigned long long)found.gp_seq);
	else
		log_info("resume: the region's gp_seq was %llu: no GP was in progress",
			 (unsigned long long)found.gp_seq);
	if (b->lim.max_srcu_domains)
		log_info("resume: %u SRCU domains in use, %u with a GP in progress (run again from its first phase)",
			 found.srcu_used, found.srcu_busy);
	kick_engine(b);
}

/* ---- requests --------------------------------------------------------- */

static int do_setup(struct backend *b, const struct vrcu_request *req,
		    uint64_t *val0)
{
	struct vrcu_setup su;
	struct vrcu_gmem gm;
	int st;

	if (b->have_region)
		return VIRTIO_RCU_S_INVAL;	/* TEARDOWN first */
	gmem_from_dev(&b->dev, &gm);
	st = vrcu_setup_check(req, &b->lim, &gm, &su);
	if (st != VIRTIO_RCU_S_OK) {
		log_warn("SETUP gpa=0x%llx len=%llu cpus=%llu refused: %s",
			 (unsigned long long)req->arg0,
			 (unsigned long long)req->arg1,
			 (unsigned long long)req->arg2, vrcu_status_name(st));
		return st;
	}
	switch (rcuc_attach(b->dom, su.shm, su.len, su.ncpus,
			    b->lim.max_srcu_domains, 0, el_now_ns())) {
	case 0:
		break;
	case -2:
		log_warn("SETUP refused: region holds stale qs_seq values");
		return VIRTIO_RCU_S_INVAL;
	default:
		return VIRTIO_RCU_S_IOERR;
	}
	b->have_region = true;
	b->shm = su.shm;
	b->shm_gpa = req->arg0;
	b->shm_len = su.len;
	b->ncpus = su.ncpus;
	if (srcu_attach(b) < 0) {
		drop_region(b, "out of memory", true);
		return VIRTIO_RCU_S_IOERR;
	}
	*val0 = rcuc_gp_seq(b->dom);
	tracker_attach(b);
	save_state(b);
	log_info("SETUP: region gpa=0x%llx len=%llu cpus=%u registered, %u SRCU domains",
		 (unsigned long long)b->shm_gpa,
		 (unsigned long long)b->shm_len, b->ncpus, b->nsrcu);
	return VIRTIO_RCU_S_OK;
}

/* Returns true if @elem was parked (completed later). */
static bool do_gp(struct backend *b, const struct vrcu_request *req,
		  VuVirtqElement *elem, int *st, uint64_t *val0)
{
	bool exp = req->flags & VIRTIO_RCU_GP_F_EXPEDITED;
	uint64_t now = el_now_ns(), cookie;
	struct waiter *w;

	if (!b->have_region) {
		*st = VIRTIO_RCU_S_NOSETUP;
		return false;
	}
	if (exp && !(b->features & (1ull << VIRTIO_RCU_F_EXPEDITE))) {
		*st = VIRTIO_RCU_S_UNSUPP;
		return false;
	}
	if ((req->flags & VIRTIO_RCU_GP_F_WAIT) && b->nwaiters >= MAX_WAITERS) {
		*st = VIRTIO_RCU_S_LIMIT;
		return false;
	}
	cookie = rcuc_gp_request(b->dom, exp, now);
	log_debug("GP request%s: cookie %llu", exp ? " (expedited)" : "",
		  (unsigned long long)cookie);
	*st = VIRTIO_RCU_S_OK;
	*val0 = cookie;
	if (!(req->flags & VIRTIO_RCU_GP_F_WAIT))
		return false;
	w = &b->waiters[b->nwaiters++];
	*w = (struct waiter){ .elem = elem, .cookie = cookie, .start_ns = now,
			      .expedited = exp };
	return true;
}

static void handle_request(struct backend *b, VuVirtqElement *elem)
{
	struct vrcu_request req;
	uint64_t val0 = 0, val1 = 0;
	int st;

	b->requests++;
	/* No room for a status: refuse before doing anything at all. */
	if (!vrcu_iov_has_room(elem->in_sg, elem->in_num,
			       sizeof(struct virtio_rcu_resp))) {
		complete(b, elem, VIRTIO_RCU_S_INVAL, 0, 0);
		return;
	}
	st = vrcu_req_gather(elem->out_sg, elem->out_num, &req);
	if (st == VIRTIO_RCU_S_OK)
		st = vrcu_req_validate(&req, &b->lim);
	if (st != VIRTIO_RCU_S_OK) {
		b->bad_requests++;
		log_warn("request %s refused: %s", vrcu_req_name(req.type),
			 vrcu_status_name(st));
		complete(b, elem, st, 0, 0);
		return;
	}
	switch (req.type) {
	case VIRTIO_RCU_REQ_SETUP:
		st = do_setup(b, &req, &val0);
		break;
	case VIRTIO_RCU_REQ_GP:
		if (do_gp(b, &req, elem, &st, &val0))
			return;
		break;
	case VIRTIO_RCU_REQ_TEARDOWN:
		if (!b->have_region) {
			st = VIRTIO_RCU_S_NOSETUP;
			break;
		}
		drop_region(b, "TEARDOWN", true);
		state_remove(b->opt.state_file);
		st = VIRTIO_RCU_S_OK;
		break;
	case VIRTIO_RCU_REQ_SRCU_CREATE:
		st = srcu_create(b, (uint32_t)req.arg0, &val0);
		break;
	case VIRTIO_RCU_REQ_SRCU_DESTROY:
		st = srcu_destroy(b, (uint32_t)req.arg0);
		break;
	case VIRTIO_RCU_REQ_SRCU_GP:
		st = srcu_gp(b, &req, &val0);
		break;
	case VIRTIO_RCU_REQ_STATS:
		val0 = rcuc_stats(b->dom)->gps_completed;
		val1 = rcuc_stats(b->dom)->exp_posts;
		st = VIRTIO_RCU_S_OK;
		break;
	default:
		st = VIRTIO_RCU_S_UNSUPP;
		break;
	}
	if (st != VIRTIO_RCU_S_OK)
		b->bad_requests++;
	complete(b, elem, st, val0, val1);
}

static void requestq_handler(VuDev *dev, int qidx)
{
	struct backend *b = to_backend(dev);
	VuVirtq *vq = vu_get_queue(dev, qidx);
	VuVirtqElement *elem;

	while (!dev->broken &&
	       (elem = vu_queue_pop(dev, vq, sizeof(*elem))) != NULL)
		handle_request(b, elem);
	kick_engine(b);
}

/* ---- vhost-user device interface ------------------------------------- */

static uint64_t get_features(VuDev *dev)
{
	uint64_t f = 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_RCU_F_EXPEDITE |
		     1ull << VIRTIO_RCU_F_CB_CHAIN;

	if (to_backend(dev)->opt.srcu_domains)
		f |= 1ull << VIRTIO_RCU_F_SRCU;
	/*
	 * Run states are published only where KVM statistics are read.
	 * QEMU asks for the features when it realizes the device, after it
	 * created its vCPUs; at connect time (its chardev) they may not
	 * exist yet.
	 */
	tracker_probe(to_backend(dev));
	if (to_backend(dev)->kvm)
		f |= 1ull << VIRTIO_RCU_F_RUN_STATE;
	return f;
}

/* The SRCU area exists only if the driver accepted VIRTIO_RCU_F_SRCU. */
static void set_features(VuDev *dev, uint64_t features)
{
	struct backend *b = to_backend(dev);

	b->features = features;
	b->lim.max_srcu_domains = features & (1ull << VIRTIO_RCU_F_SRCU) ?
				  b->opt.srcu_domains : 0;
	log_debug("driver features 0x%llx", (unsigned long long)features);
}

static uint64_t get_protocol_features(VuDev *dev)
{
	(void)dev;
	return 1ull << VHOST_USER_PROTOCOL_F_CONFIG |
	       1ull << VHOST_USER_PROTOCOL_F_MQ;
}

static int get_config(VuDev *dev, uint8_t *config, uint32_t len)
{
	struct backend *b = to_backend(dev);
	struct virtio_rcu_config cfg = {
		.num_event_queues = htole32(b->lim.num_event_queues),
		.max_srcu_domains = htole32(b->opt.srcu_domains),
		.shm_version = htole32(VIRTIO_RCU_SHM_VERSION),
	};

	memset(config, 0, len);
	memcpy(config, &cfg, len < sizeof(cfg) ? len : sizeof(cfg));
	return 0;
}

static int set_config(VuDev *dev, const uint8_t *data, uint32_t offset,
		      uint32_t size, uint32_t flags)
{
	(void)dev; (void)data; (void)offset; (void)size; (void)flags;
	return -1;	/* config space is read-only */
}

static void queue_set_started(VuDev *dev, int qidx, bool started)
{
	struct backend *b = to_backend(dev);
	VuVirtq *vq = vu_get_queue(dev, qidx);

	log_debug("queue %d %s (last_avail %u, used %u, ring used %u, avail %u, inuse %u)",
		  qidx, started ? "started" : "stopped", vq->last_avail_idx,
		  vq->used_idx, vq->vring.used ? le16toh(vq->vring.used->idx) : 0,
		  vq->vring.avail ? le16toh(vq->vring.avail->idx) : 0, vq->inuse);
	if (qidx == VIRTIO_RCU_REQUESTQ) {
		vu_set_queue_handler(dev, vq, started ? requestq_handler : NULL);
		if (started) {
			try_resume(b);
		} else if (b->have_region) {
			/* A reset or shutdown: this registration is over. */
			drop_region(b, "device stopped", false);
			state_remove(b->opt.state_file);
		}
	}
}

static int process_msg(VuDev *dev, VhostUserMsg *msg, int *do_reply)
{
	struct backend *b = to_backend(dev);

	(void)do_reply;
	switch (msg->request) {
	case VHOST_USER_NONE:
		/*
		 * What libvhost-user hands us when the frontend hung up; left
		 * to it, it would exit(0). Serve the next connection instead.
		 */
		b->done = true;
		return 1;
	case VHOST_USER_SET_MEM_TABLE:
	case VHOST_USER_ADD_MEM_REG:
	case VHOST_USER_REM_MEM_REG:
		b->mem_changed = true;
		break;
	default:
		break;
	}
	return 0;	/* let libvhost-user handle it */
}

static const VuDevIface iface = {
	.get_features = get_features,
	.set_features = set_features,
	.get_protocol_features = get_protocol_features,
	.get_config = get_config,
	.set_config = set_config,
	.queue_set_started = queue_set_started,
	.process_msg = process_msg,
};

static void on_socket(int fd, unsigned int events, void *data)
{
	struct backend *b = data;

	(void)fd; (void)events;
	if (!vu_dispatch(&b->dev) || b->dev.broken)
		b->done = true;
	if (b->mem_changed)
		revalidate_region(b);
	if (b->done)
		el_stop(b->el);
}

int backend_serve(struct event_loop *el, int sock,
		  const struct backend_opts *opts)
{
	static const struct rcuc_ops ops = {
		.post = post_report_qs,
		.cb_ready = post_gp_done,
		.stall = on_stall,
	};
	struct backend *b = calloc(1, sizeof(*b));
	struct rcuc_tunables tun;
	int i, ret = 0;

	if (!b)
		return -1;
	b->el = el;
	b->opt = *opts;
	b->sock = sock;
	b->lim.num_event_queues = opts->event_queues;
	b->lim.max_srcu_domains = 0;
	for (i = 0; i < MAX_VU_WATCHES; i++)
		b->watches[i].fd = -1;
	rcuc_tunables_default(&tun);
	tun.unsafe_end_gp_early = opts->test_unsafe_early_gp;
	b->dom = rcuc_domain_new(&ops, b, &tun);
	if (!b->dom) {
		free(b);
		return -1;
	}
	if (!vu_init(&b->dev, (uint16_t)(1 + opts->event_queues), sock,
		     panic_cb, NULL, set_watch, remove_watch, &iface)) {
		log_err("vu_init failed");
		rcuc_domain_free(b->dom);
		free(b);
		return -1;
	}
	if (el_watch(el, sock, EL_IN, on_socket, b) < 0) {
		log_err("cannot watch the vhost-user socket: %s", strerror(errno));
		ret = -1;
		goto out;
	}
	{
		struct ucred cred;
		socklen_t len = sizeof(cred);

		if (!getsockopt(sock, SOL_SOCKET, SO_PEERCRED, &cred, &len))
			b->peer_pid = cred.pid;
	}
	b->connected_ns = el_now_ns();
	if (opts->current)
		*opts->current = b;
	log_info("frontend connected (pid %d)", (int)b->peer_pid);
	if (el_run(el) < 0)
		ret = -1;
	log_info("frontend disconnected");
	el_unwatch(el, sock);
out:
	if (opts->current)
		*opts->current = NULL;
	drop_region(b, "disconnect", false);
	tracker_detach(b);
	el_set_deadline(el, 0, NULL, NULL);
	vu_deinit(&b->dev);
	rcuc_domain_free(b->dom);
	free(b);
	return ret;
}
