/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The virtio-rcu vhost-user backend: one connection from QEMU, served on
 * an event loop with libvhost-user, driving one rcu-core domain.
 */
#ifndef PVRCUD_BACKEND_H
#define PVRCUD_BACKEND_H

#include <stdbool.h>
#include <stdint.h>

#include "event_loop.h"

struct backend;
struct strbuf;

#define PVRCUD_DEFAULT_SRCU_DOMAINS 16

struct backend_opts {
	uint32_t event_queues;		/* must match QEMU's event-queues */
	uint32_t srcu_domains;		/* offered in config space; 0: no SRCU */
	bool test_unsafe_early_gp;	/* TEST ONLY: end GPs at once */
	struct backend **current;	/* set while a frontend is served */
	const char *state_file;		/* registration kept here, or NULL */
};

/*
 * Serve one vhost-user connection on @sock until the frontend
 * disconnects, the protocol breaks, or el_stop() is called. Returns 0 on
 * a clean disconnect, -1 on failure.
 */
int backend_serve(struct event_loop *el, int sock,
		  const struct backend_opts *opts);

/*
 * Answer a control command (status, vcpus, stats, stalls, set NAME VALUE)
 * about @b, which may be NULL when no frontend is connected.
 */
int backend_control(struct backend *b, int argc, char **argv, bool json,
		    struct strbuf *reply);

#endif
