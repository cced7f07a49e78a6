// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "control.h"
#include "log.h"
#include "sockpath.h"

#define MAX_LINE 512
#define MAX_ARGS 8

struct control {
	struct event_loop *el;
	int fd;
	char *path;
	control_handler h;
	void *ctx;
};

static void send_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

static void serve(struct control *c, int fd)
{
	struct timeval tv = { .tv_sec = 1 };
	char line[MAX_LINE], *argv[MAX_ARGS], *save = NULL, *tok;
	struct strbuf reply = { 0 };
	size_t len = 0;
	bool json = false;
	int argc = 0, st;

	/* A local client gets one second to send its line: never hang here. */
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	while (len < sizeof(line) - 1) {
		ssize_t r = recv(fd, line + len, sizeof(line) - 1 - len, 0);

		if (r <= 0)
			break;
		len += (size_t)r;
		if (memchr(line, '\n', len))
			break;
	}
	line[len] = '\0';
	for (tok = strtok_r(line, " \t\r\n", &save); tok && argc < MAX_ARGS;
	     tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (!strcmp(tok, "--json"))
			json = true;
		else
			argv[argc++] = tok;
	}
	if (argc == 0) {
		sb_printf(&reply, "error: empty command\n");
		st = -1;
	} else {
		st = c->h(c->ctx, argc, argv, json, &reply);
	}
	if (reply.truncated)
		sb_printf(&reply, "\n(truncated)\n");
	if (st)
		send_all(fd, "ERR\n", 4);
	else
		send_all(fd, "OK\n", 3);
	if (reply.len)
		send_all(fd, reply.buf, reply.len);
	sb_free(&reply);
}

static void on_accept(int fd, unsigned int events, void *data)
{
	struct control *c = data;
	int conn;

	(void)events;
	conn = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn < 0)
		return;
	serve(c, conn);
	close(conn);
}

struct control *control_open(struct event_loop *el, const char *path,
			     gid_t gid, control_handler h, void *ctx)
{
	struct control *c = calloc(1, sizeof(*c));

	if (!c || !(c->path = strdup(path))) {
		log_err("control socket %s: out of memory", path);
		free(c);
		return NULL;
	}
	c->el = el;
	c->h = h;
	c->ctx = ctx;
	/* created 0600: root only, unless --control-group */
	c->fd = sock_listen("control socket", path, SOCK_NONBLOCK, 0177, 8);
	if (c->fd < 0)
		goto fail_free;
	if (gid != (gid_t)-1 && (chown(path, (uid_t)-1, gid) < 0 ||
				 chmod(path, 0660) < 0))
		goto fail;
	if (el_watch(el, c->fd, EL_IN, on_accept, c) < 0)
		goto fail;
	return c;
fail:
	log_err("control socket %s: %s", path, strerror(errno));
	close(c->fd);
	unlink(path);
fail_free:
	free(c->path);
	free(c);
	return NULL;
}

void control_close(struct control *c)
{
	if (!c)
		return;
	el_unwatch(c->el, c->fd);
	close(c->fd);
	unlink(c->path);
	free(c->path);
	free(c);
}
