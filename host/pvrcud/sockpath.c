// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "sockpath.h"

int sock_path_claim(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r, err;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISSOCK(st.st_mode)) {
		errno = EEXIST;
		return -1;
	}
	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sa.sun_path, path);
	/* Non-blocking: a live server with a full backlog is in use too. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -1;
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	err = errno;
	close(fd);
	if (r == 0 || err == EAGAIN || err == EINPROGRESS) {
		errno = EADDRINUSE;
		return -1;
	}
	if (err != ECONNREFUSED) {
		errno = err;
		return -1;
	}
	return unlink(path) < 0 && errno != ENOENT ? -1 : 0;
}

int sock_listen(const char *what, const char *path, int flags,
		mode_t umask_bits, int backlog)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	mode_t old;
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("%s path too long: %s", what, path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	if (sock_path_claim(path) < 0) {
		if (errno == EADDRINUSE)
			log_err("%s in use: %s: another server answers there",
				what, path);
		else
			log_err("%s %s: cannot take the path: %s", what, path,
				strerror(errno));
		return -1;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | flags, 0);
	if (fd < 0) {
		log_err("%s %s: %s", what, path, strerror(errno));
		return -1;
	}
	if (umask_bits == SOCK_KEEP_UMASK) {
		r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
	} else {
		old = umask(umask_bits);
		r = bind(fd, (struct sockaddr *)&sa, sizeof(sa));
		umask(old);
	}
	if (r < 0 || listen(fd, backlog) < 0) {
		log_err("%s %s: cannot listen: %s", what, path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
