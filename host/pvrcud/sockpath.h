/* SPDX-License-Identifier: GPL-2.0-or-later */
#ifndef PVRCUD_SOCKPATH_H
#define PVRCUD_SOCKPATH_H

/*
 * sock_path_claim() - make @path free for bind(), never taking it from a
 * live server. Nothing there: 0. A socket nobody listens on (connect()
 * refused: a dead pvrcud's): removed, 0. A socket that accepts a
 * connection: -1 with errno EADDRINUSE. Anything but a socket: -1 with
 * EEXIST (it is not ours to remove). Other errors: -1 with their errno.
 */
int sock_path_claim(const char *path);

#endif
