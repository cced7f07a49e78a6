// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
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
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct control *c;
	mode_t old;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("control socket path too long: %s", path);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->el = el;
	c->h = h;
	c->ctx = ctx;
	c->path = strdup(path);
	strcpy(sa.sun_path, path);
	c->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (c->fd < 0 || !c->path)
		goto fail;
	if (sock_path_claim(path) < 0) {
		if (errno == EADDRINUSE)
			log_err("control socket in use: %s: another server answers there",
				path);
		else
			log_err("control socket %s: %s", path, strerror(errno));
		close(c->fd);
		free(c->path);
		free(c);
		return NULL;
	}
	old = umask(0177);		/* created 0600: root only */
	if (bind(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		umask(old);
		goto fail;
	}
	umask(old);
	if (gid != (gid_t)-1 && (chown(path, (uid_t)-1, gid) < 0 ||
				 chmod(path, 0660) < 0))
		goto fail;
	if (listen(c->fd, 8) < 0 || el_watch(el, c->fd, EL_IN, on_accept, c) < 0)
		goto fail;
	return c;
fail:
	log_err("control socket %s: %s", path, strerror(errno));
	if (c->fd >= 0)
		close(c->fd);
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
