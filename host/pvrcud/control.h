/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The control socket: one command line per connection, one reply, then
 * the connection closes. Commands are answered by a handler (report.c).
 */
#ifndef PVRCUD_CONTROL_H
#define PVRCUD_CONTROL_H

#include <stdbool.h>
#include <sys/types.h>

#include "event_loop.h"
#include "strbuf.h"

/* Returns 0 on success; on failure the reply holds the error text. */
typedef int (*control_handler)(void *ctx, int argc, char **argv, bool json,
			       struct strbuf *reply);

struct control;

/*
 * Listen on @path (mode 0600, or 0660 owned by @gid when gid != -1).
 */
struct control *control_open(struct event_loop *el, const char *path,
			     gid_t gid, control_handler h, void *ctx);
void control_close(struct control *c);

#endif
