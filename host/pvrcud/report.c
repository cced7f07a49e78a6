// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Control-socket commands: what pvrcuctl shows. Human tables by default,
 * JSON with --json. Tunables are set here too.
 */
#include <errno.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "backend_priv.h"
#include "event_loop.h"
#include "log.h"
#include "strbuf.h"

static const char *const source_name[RCUC_QS_NSOURCES] = {
	[RCUC_QS_NONE] = "-", [RCUC_QS_REPORT] = "report",
	[RCUC_QS_EXIT] = "exit", [RCUC_QS_OUT] = "halted",
	[RCUC_QS_OFFLINE] = "offline",
};

static const char *const run_name[] = { "unknown", "in-guest", "halted",
					"preempted" };

static const char *run_str(uint32_t r)
{
	return r < 4 ? run_name[r] : "?";
}

static int cmd_status(struct backend *b, bool json, struct strbuf *o)
{
	bool conn = b != NULL, reg = b && b->have_region;
	uint64_t seq = reg ? rcuc_gp_seq(b->dom) : 0;

	if (json) {
		sb_printf(o, "{\"connected\":%s", conn ? "true" : "false");
		if (conn)
			sb_printf(o, ",\"qemu_pid\":%d,\"uptime_s\":%.1f,"
				  "\"features\":\"0x%" PRIx64 "\",\"event_queues\":%u,"
				  "\"registered\":%s", (int)b->peer_pid,
				  (double)(el_now_ns() - b->connected_ns) / 1e9,
				  b->features, b->opt.event_queues,
				  reg ? "true" : "false");
		if (reg)
			sb_printf(o, ",\"region_gpa\":\"0x%" PRIx64 "\","
				  "\"region_len\":%" PRIu64 ",\"cpus\":%u,"
				  "\"gp_seq\":%" PRIu64 ",\"gp_in_progress\":%s,"
				  "\"kvm_tracked_cpus\":%u,\"waiting_requests\":%u",
				  b->shm_gpa, b->shm_len, b->ncpus, seq,
				  rcuc_gp_in_progress(b->dom) ? "true" : "false",
				  b->tracked, b->nwaiters);
		sb_printf(o, "}\n");
		return 0;
	}
	if (!conn) {
		sb_printf(o, "frontend:   not connected (waiting for QEMU)\n");
		return 0;
	}
	sb_printf(o, "frontend:   QEMU pid %d, connected %.1f s\n",
		  (int)b->peer_pid, (double)(el_now_ns() - b->connected_ns) / 1e9);
	sb_printf(o, "features:   0x%" PRIx64 ", %u event queues\n", b->features,
		  b->opt.event_queues);
	if (!reg) {
		sb_printf(o, "region:     not registered (no driver bound)\n");
		return 0;
	}
	sb_printf(o, "region:     gpa 0x%" PRIx64 ", %" PRIu64 " bytes, %u CPUs\n",
		  b->shm_gpa, b->shm_len, b->ncpus);
	sb_printf(o, "gp_seq:     %" PRIu64 " (%s), %u requests waiting\n", seq,
		  rcuc_gp_in_progress(b->dom) ? "GP in progress" : "idle",
		  b->nwaiters);
	sb_printf(o, "tracker:    %s\n", b->tracked ? "KVM exits and halts" :
		  "off: guest reports only");
	if (b->tracked)
		sb_printf(o, "            %u of %u CPUs mapped to vCPUs\n",
			  b->tracked, b->ncpus);
	return 0;
}

static int cmd_vcpus(struct backend *b, bool json, struct strbuf *o)
{
	uint32_t i;

	if (!b || !b->have_region) {
		sb_printf(o, json ? "[]\n" : "no registered region\n");
		return 0;
	}
	if (json)
		sb_printf(o, "[");
	else
		sb_printf(o, "%-4s %-7s %-8s %-12s %-3s %-8s %-10s %-12s %s\n",
			  "CPU", "ONLINE", "NESTING", "QS_SEQ", "QS", "SOURCE",
			  "RUN", "EXITS", "POSTS");
	for (i = 0; i < b->ncpus; i++) {
		struct rcuc_cpu_info ci;

		if (rcuc_cpu_info(b->dom, i, &ci))
			continue;
		if (json)
			sb_printf(o, "%s{\"cpu\":%u,\"online\":%s,\"nesting\":%u,"
				  "\"qs_seq\":%" PRIu64 ",\"quiescent\":%s,"
				  "\"source\":\"%s\",\"run_state\":\"%s\","
				  "\"exits\":%" PRIu64 ",\"posts\":%" PRIu64 "}",
				  i ? "," : "", i, ci.online ? "true" : "false",
				  ci.nesting, ci.qs_seq, ci.qs ? "true" : "false",
				  source_name[ci.source], run_str(ci.run_state),
				  ci.exits, ci.posts);
		else
			sb_printf(o, "%-4u %-7s %-8u %-12" PRIu64 " %-3s %-8s %-10s %-12"
				  PRIu64 " %" PRIu64 "\n", i, ci.online ? "yes" : "no",
				  ci.nesting, ci.qs_seq, ci.qs ? "yes" : "no",
				  source_name[ci.source], run_str(ci.run_state),
				  ci.exits, ci.posts);
	}
	if (json)
		sb_printf(o, "]\n");
	return 0;
}

static int cmd_stats(struct backend *b, bool json, struct strbuf *o)
{
	const struct rcuc_stats *s;
	double ppe;
	unsigned int i;

	if (!b) {
		sb_printf(o, json ? "{}\n" : "no frontend connected\n");
		return 0;
	}
	s = rcuc_stats(b->dom);
	ppe = s->gps_expedited ? (double)s->exp_posts / (double)s->gps_expedited : 0;
	if (json) {
		sb_printf(o, "{\"gps_started\":%" PRIu64 ",\"gps_completed\":%" PRIu64
			  ",\"gps_expedited\":%" PRIu64 ",\"gps_flood\":%" PRIu64
			  ",\"gps_chained\":%" PRIu64 ",\"posts\":%" PRIu64 ",\"exp_posts\":%" PRIu64
			  ",\"posts_per_expedited_gp\":%.2f,\"posts_failed\":%" PRIu64
			  ",\"cb_ready_posts\":%" PRIu64 ",\"last_gp_us\":%" PRIu64
			  ",\"max_gp_us\":%" PRIu64 ",\"stalls\":%" PRIu64
			  ",\"requests\":%" PRIu64 ",\"bad_requests\":%" PRIu64,
			  s->gps_started, s->gps_completed, s->gps_expedited,
			  s->gps_flood, s->gps_chained, s->posts, s->exp_posts, ppe,
			  s->posts_failed,
			  s->cb_ready_posts, s->last_gp_ns / 1000, s->max_gp_ns / 1000,
			  s->stalls, b->requests, b->bad_requests);
		sb_printf(o, ",\"srcu\":{\"domains\":%u,\"in_use\":%u,\"gp_requests\":%"
			  PRIu64 ",\"done_posts\":%" PRIu64 "}", b->nsrcu,
			  srcu_in_use(b), b->srcu_gps, b->srcu_done_posts);
		sb_printf(o, ",\"qs_by_source\":{\"report\":%" PRIu64 ",\"exit\":%"
			  PRIu64 ",\"halted\":%" PRIu64 ",\"offline\":%" PRIu64 "}",
			  s->qs[RCUC_QS_REPORT], s->qs[RCUC_QS_EXIT],
			  s->qs[RCUC_QS_OUT], s->qs[RCUC_QS_OFFLINE]);
		sb_printf(o, ",\"bad_input\":{\"qs_seq_future\":%" PRIu64
			  ",\"qs_seq_backwards\":%" PRIu64 ",\"nesting\":%" PRIu64
			  ",\"cb_seq\":%" PRIu64 ",\"exits_backwards\":%" PRIu64
			  ",\"srcu_counters\":%" PRIu64 "}", s->bad_qs_seq,
			  s->bad_qs_backwards, s->bad_nesting, s->bad_cb_seq,
			  s->bad_exits_backwards, s->bad_srcu_counters);
		sb_printf(o, ",\"gp_latency_us_log2\":[");
		for (i = 0; i < RCUC_HIST_BUCKETS; i++)
			sb_printf(o, "%s%" PRIu64, i ? "," : "", s->gp_us_log2[i]);
		sb_printf(o, "]}\n");
		return 0;
	}
	sb_printf(o, "grace periods:  %" PRIu64 " started, %" PRIu64 " completed, %"
		  PRIu64 " expedited, %" PRIu64 " forced for callback floods, %" PRIu64
		  " chained for callbacks\n",
		  s->gps_started, s->gps_completed, s->gps_expedited, s->gps_flood,
		  s->gps_chained);
	sb_printf(o, "posts:          %" PRIu64 " total, %" PRIu64
		  " for expedited GPs = %.2f per expedited GP, %" PRIu64
		  " failed, %" PRIu64 " callback-ready\n", s->posts, s->exp_posts,
		  ppe, s->posts_failed, s->cb_ready_posts);
	sb_printf(o, "quiescent via:  report %" PRIu64 ", exit %" PRIu64
		  ", halted %" PRIu64 ", offline %" PRIu64 "\n",
		  s->qs[RCUC_QS_REPORT], s->qs[RCUC_QS_EXIT], s->qs[RCUC_QS_OUT],
		  s->qs[RCUC_QS_OFFLINE]);
	sb_printf(o, "GP latency:     last %" PRIu64 " us, max %" PRIu64 " us\n",
		  s->last_gp_ns / 1000, s->max_gp_ns / 1000);
	for (i = 0; i < RCUC_HIST_BUCKETS; i++)
		if (s->gp_us_log2[i])
			sb_printf(o, "  %8llu us+  %" PRIu64 "\n", 1ull << i,
				  s->gp_us_log2[i]);
	sb_printf(o, "requests:       %" PRIu64 " (%" PRIu64 " refused)\n",
		  b->requests, b->bad_requests);
	sb_printf(o, "SRCU:           %u of %u domains in use, %" PRIu64
		  " GP requests, %" PRIu64 " done events\n", srcu_in_use(b),
		  b->nsrcu, b->srcu_gps, b->srcu_done_posts);
	sb_printf(o, "stalls:         %" PRIu64 "\n", s->stalls);
	sb_printf(o, "bad guest input: qs_seq future %" PRIu64 ", backwards %"
		  PRIu64 ", nesting %" PRIu64 ", cb_seq %" PRIu64
		  ", srcu counters %" PRIu64 "\n", s->bad_qs_seq,
		  s->bad_qs_backwards, s->bad_nesting, s->bad_cb_seq,
		  s->bad_srcu_counters);
	return 0;
}

static int cmd_stalls(struct backend *b, bool json, struct strbuf *o)
{
	unsigned int i, n = b ? b->nstalls : 0;

	if (json)
		sb_printf(o, "[");
	else if (!n)
		sb_printf(o, "no stalls\n");
	for (i = 0; i < n; i++) {
		const struct stall_entry *e =
			&b->stalls[(b->stall_head + MAX_STALLS - n + i) % MAX_STALLS];

		if (json)
			sb_printf(o, "%s{\"at_s\":%.1f,\"gp_seq\":%" PRIu64
				  ",\"gp_age_ms\":%" PRIu64 ",\"cpu\":%u,"
				  "\"nesting\":%u,\"run_state\":\"%s\",\"report\":%u}",
				  i ? "," : "", (double)e->when_ns / 1e9, e->s.gp_seq,
				  e->s.gp_age_ns / 1000000, e->s.cpu, e->s.nesting,
				  run_str(e->s.run_state), e->s.report);
		else
			sb_printf(o, "%8.1fs  GP %" PRIu64 " held %" PRIu64
				  " ms by cpu %u (nesting %u, %s), report %u\n",
				  (double)e->when_ns / 1e9, e->s.gp_seq,
				  e->s.gp_age_ns / 1000000, e->s.cpu, e->s.nesting,
				  run_str(e->s.run_state), e->s.report);
	}
	if (json)
		sb_printf(o, "]\n");
	return 0;
}

struct tunable {
	const char *name;
	const char *unit;
	size_t off;		/* in struct rcuc_tunables */
	uint64_t scale;		/* unit -> ns */
	bool is_bool;
	uint64_t min, max;	/* in units */
};

#define TUN(n, u, f, sc, mn, mx) \
	{ n, u, offsetof(struct rcuc_tunables, f), sc, false, mn, mx }

static const struct tunable tunables[] = {
	TUN("fqs_delay_us", "us", fqs_delay_ns, 1000, 10, 10000000),
	TUN("spin_us", "us", spin_ns, 1000, 0, 10000),
	TUN("poll_min_us", "us", poll_min_ns, 1000, 1, 1000000),
	TUN("poll_max_us", "us", poll_max_ns, 1000, 1, 10000000),
	TUN("exp_poll_us", "us", exp_poll_ns, 1000, 1, 1000000),
	TUN("exp_spin_us", "us", exp_spin_ns, 1000, 0, 10000),
	TUN("repost_ms", "ms", repost_ns, 1000000, 1, 100000),
	TUN("stall_timeout_s", "s", stall_ns, 1000000000ull, 1, 3600),
	TUN("srcu_poll_us", "us", srcu_poll_ns, 1000, 10, 10000000),
	TUN("backlog_expedite", "callbacks", backlog_expedite, 1, 1, 1ull << 40),
	{ "normal_only", "0|1", offsetof(struct rcuc_tunables, normal_only), 1,
	  true, 0, 1 },
};

static int cmd_set(struct backend *b, int argc, char **argv, bool json,
		   struct strbuf *o)
{
	struct rcuc_tunables *t;
	unsigned long long v;
	char *end;
	size_t i;

	if (argc == 1) {		/* list them */
		t = b ? rcuc_tunables(b->dom) : NULL;
		for (i = 0; i < sizeof(tunables) / sizeof(tunables[0]); i++) {
			const struct tunable *tu = &tunables[i];
			uint64_t cur = 0;

			if (t && tu->is_bool)
				cur = *(bool *)((char *)t + tu->off);
			else if (t)
				cur = *(uint64_t *)((char *)t + tu->off) / tu->scale;
			sb_printf(o, json ? "%s\"%s\":%llu" : "%s%-18s %llu %s\n",
				  json ? (i ? "," : "{") : "", tu->name,
				  (unsigned long long)cur, json ? "" : tu->unit);
		}
		if (json)
			sb_printf(o, "}\n");
		return 0;
	}
	if (argc != 3) {
		sb_printf(o, "usage: set NAME VALUE (set alone lists them)\n");
		return -1;
	}
	if (!b) {
		sb_printf(o, "no frontend connected: nothing to tune\n");
		return -1;
	}
	for (i = 0; i < sizeof(tunables) / sizeof(tunables[0]); i++)
		if (!strcmp(argv[1], tunables[i].name))
			break;
	if (i == sizeof(tunables) / sizeof(tunables[0])) {
		sb_printf(o, "unknown tunable %s\n", argv[1]);
		return -1;
	}
	errno = 0;
	v = strtoull(argv[2], &end, 0);
	if (errno || *end || argv[2][0] == '-' || v < tunables[i].min ||
	    v > tunables[i].max) {
		sb_printf(o, "%s: value must be %llu..%llu %s\n", argv[1],
			  (unsigned long long)tunables[i].min,
			  (unsigned long long)tunables[i].max, tunables[i].unit);
		return -1;
	}
	t = rcuc_tunables(b->dom);
	if (tunables[i].is_bool)
		*(bool *)((char *)t + tunables[i].off) = v != 0;
	else
		*(uint64_t *)((char *)t + tunables[i].off) = v * tunables[i].scale;
	log_info("tunable %s set to %llu %s", argv[1], v, tunables[i].unit);
	sb_printf(o, "%s = %llu %s\n", argv[1], v, tunables[i].unit);
	return 0;
}

int backend_control(struct backend *b, int argc, char **argv, bool json,
		    struct strbuf *reply)
{
	if (!strcmp(argv[0], "status"))
		return cmd_status(b, json, reply);
	if (!strcmp(argv[0], "vcpus"))
		return cmd_vcpus(b, json, reply);
	if (!strcmp(argv[0], "stats"))
		return cmd_stats(b, json, reply);
	if (!strcmp(argv[0], "stalls"))
		return cmd_stalls(b, json, reply);
	if (!strcmp(argv[0], "set"))
		return cmd_set(b, argc, argv, json, reply);
	sb_printf(reply, "unknown command %s (status, vcpus, stats, stalls, set)\n",
		  argv[0]);
	return -1;
}
