// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "event_loop.h"

#define EL_MAX_WATCHES 512

struct watch {
	int fd;			/* -1: free slot */
	el_fd_cb cb;
	void *data;
};

struct event_loop {
	int epfd;
	bool stop;
	struct watch w[EL_MAX_WATCHES];
	uint64_t deadline_ns;
	el_timer_cb timer_cb;
	void *timer_data;
};

uint64_t el_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

struct event_loop *el_new(void)
{
	struct event_loop *el = calloc(1, sizeof(*el));
	int i;

	if (!el)
		return NULL;
	el->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (el->epfd < 0) {
		free(el);
		return NULL;
	}
	for (i = 0; i < EL_MAX_WATCHES; i++)
		el->w[i].fd = -1;
	return el;
}

void el_free(struct event_loop *el)
{
	if (!el)
		return;
	close(el->epfd);
	free(el);
}

static struct watch *find(struct event_loop *el, int fd)
{
	int i;

	for (i = 0; i < EL_MAX_WATCHES; i++)
		if (el->w[i].fd == fd)
			return &el->w[i];
	return NULL;
}

static uint32_t to_epoll(unsigned int events)
{
	return (events & EL_IN ? EPOLLIN : 0) | (events & EL_OUT ? EPOLLOUT : 0);
}

int el_watch(struct event_loop *el, int fd, unsigned int events, el_fd_cb cb,
	     void *data)
{
	struct epoll_event ev = { .events = to_epoll(events) };
	struct watch *w = find(el, fd);
	int op = EPOLL_CTL_MOD;

	if (!w) {
		w = find(el, -1);
		if (!w)
			return -1;
		op = EPOLL_CTL_ADD;
	}
	ev.data.fd = fd;
	if (epoll_ctl(el->epfd, op, fd, &ev) < 0)
		return -1;
	w->fd = fd;
	w->cb = cb;
	w->data = data;
	return 0;
}

void el_unwatch(struct event_loop *el, int fd)
{
	struct watch *w = find(el, fd);

	if (!w || fd < 0)
		return;
	epoll_ctl(el->epfd, EPOLL_CTL_DEL, fd, NULL);
	w->fd = -1;
}

void el_set_deadline(struct event_loop *el, uint64_t when_ns, el_timer_cb cb,
		     void *data)
{
	el->deadline_ns = when_ns;
	el->timer_cb = cb;
	el->timer_data = data;
}

void el_stop(struct event_loop *el)
{
	el->stop = true;
}

int el_run(struct event_loop *el)
{
	struct epoll_event evs[32];

	el->stop = false;
	while (!el->stop) {
		struct timespec ts, *tsp = NULL;
		uint64_t now = el_now_ns();
		int n, i;

		if (el->deadline_ns && el->deadline_ns <= now) {
			el_timer_cb cb = el->timer_cb;

			el->deadline_ns = 0;
			if (cb)
				cb(el->timer_data);
			/*
			 * Then look at the descriptors without waiting: a timer
			 * due again at once (a GP's back-to-back rescans) must
			 * not starve the queues' kicks.
			 */
			ts.tv_sec = 0;
			ts.tv_nsec = 0;
			tsp = &ts;
		} else if (el->deadline_ns) {
			ts.tv_sec = (time_t)((el->deadline_ns - now) / 1000000000ull);
			ts.tv_nsec = (long)((el->deadline_ns - now) % 1000000000ull);
			tsp = &ts;
		}
		n = epoll_pwait2(el->epfd, evs, 32, tsp, NULL);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (i = 0; i < n && !el->stop; i++) {
			struct watch *w = find(el, evs[i].data.fd);
			unsigned int e = 0;

			if (!w)
				continue;	/* removed by an earlier callback */
			if (evs[i].events & EPOLLIN)
				e |= EL_IN;
			if (evs[i].events & EPOLLOUT)
				e |= EL_OUT;
			if (evs[i].events & (EPOLLERR | EPOLLHUP))
				e |= EL_ERR | EL_IN;
			w->cb(w->fd, e, w->data);
		}
	}
	return 0;
}
