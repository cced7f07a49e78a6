/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small epoll loop: file-descriptor watches plus one deadline timer.
 * Single-threaded; callbacks may add and remove watches.
 */
#ifndef PVRCUD_EVENT_LOOP_H
#define PVRCUD_EVENT_LOOP_H

#include <stdbool.h>
#include <stdint.h>

#define EL_IN	1u
#define EL_OUT	2u
#define EL_ERR	4u

typedef void (*el_fd_cb)(int fd, unsigned int events, void *data);
typedef void (*el_timer_cb)(void *data);

struct event_loop;

struct event_loop *el_new(void);
void el_free(struct event_loop *el);
int el_watch(struct event_loop *el, int fd, unsigned int events, el_fd_cb cb,
	     void *data);
void el_unwatch(struct event_loop *el, int fd);
/* Call @cb at absolute CLOCK_MONOTONIC time @when_ns (0 cancels). */
void el_set_deadline(struct event_loop *el, uint64_t when_ns, el_timer_cb cb,
		     void *data);
/* Run until el_stop(); returns 0, or -1 on an epoll failure. */
int el_run(struct event_loop *el);
void el_stop(struct event_loop *el);

uint64_t el_now_ns(void);

#endif
