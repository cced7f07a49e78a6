/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PVRCUD_SOCKPATH_H
#define PVRCUD_SOCKPATH_H

#include <sys/types.h>

/*
 * sock_path_claim() - make @path free for bind(), never taking it from a
 * live server. Nothing there: 0. A socket nobody listens on (connect()
 * refused: a dead pvrcud's): removed, 0. A socket that accepts a
 * connection: -1 with errno EADDRINUSE. Anything but a socket: -1 with
 * EEXIST (it is not ours to remove). Other errors: -1 with their errno.
 */
int sock_path_claim(const char *path);

/*
 * sock_listen() - a listening unix stream socket at @path, claimed with
 * sock_path_claim() and created with the permission bits @umask_bits
 * masks out (SOCK_KEEP_UMASK: the process's umask); @flags are extra socket() type flags (SOCK_NONBLOCK).
 * Returns the fd, or -1 after logging why, each line naming @what ("socket
 * in use: PATH: another server answers there" for a live one).
 */
#define SOCK_KEEP_UMASK ((mode_t)-1)
int sock_listen(const char *what, const char *path, int flags,
		mode_t umask_bits, int backlog);

#endif
