// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pvrcud: the virtio-rcu vhost-user backend, one process per VM.
 *
 * Follows QEMU's backend program conventions (docs/interop/vhost-user.rst):
 * --socket-path or --fd, --print-capabilities, no daemonizing, a quick
 * exit on SIGTERM, a non-zero exit when it cannot start.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "backend.h"
#include "event_loop.h"
#include "log.h"
#include "virtio_rcu.h"

static volatile sig_atomic_t stop_requested;
static struct event_loop *loop;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pvrcud (--socket-path=PATH | --fd=FD) [options]\n"
		"       pvrcud --print-capabilities\n"
		"\n"
		"  -s, --socket-path=PATH   listen on a unix socket, serve QEMU\n"
		"  -f, --fd=FD              serve an already connected socket\n"
		"  -q, --event-queues=N     event queues (= guest CPUs), as given to\n"
		"                           QEMU's vhost-user-rcu-pci (default 1)\n"
		"      --once               exit after the first connection ends\n"
		"  -v, --verbose            debug logging\n"
		"      --test-unsafe-early-gp  TESTS ONLY: end every grace period at\n"
		"                           once, so torture tests can prove they\n"
		"                           catch a broken service\n"
		"      --print-capabilities print the backend's JSON capabilities\n"
		"  -h, --help               this text\n");
}

static void on_signal(int sig)
{
	(void)sig;
	stop_requested = 1;
	if (loop)
		el_stop(loop);
}

static int listen_on(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		log_err("socket path too long: %s", path);
		return -1;
	}
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		log_err("socket: %s", strerror(errno));
		return -1;
	}
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 ||
	    listen(fd, 1) < 0) {
		log_err("cannot listen on %s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket-path", required_argument, NULL, 's' },
		{ "fd", required_argument, NULL, 'f' },
		{ "event-queues", required_argument, NULL, 'q' },
		{ "once", no_argument, NULL, 'o' },
		{ "test-unsafe-early-gp", no_argument, NULL, 'U' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "print-capabilities", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct backend_opts bopts = { .event_queues = 1 };
	const char *path = NULL;
	struct sigaction sa = { .sa_handler = on_signal };
	int fd = -1, lfd = -1, c, ret = 0;
	bool once = false;
	char *end;
	long v;

	while ((c = getopt_long(argc, argv, "s:f:q:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'f':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 0 || v > 65535) {
				log_err("bad --fd: %s", optarg);
				return 1;
			}
			fd = (int)v;
			break;
		case 'q':
			errno = 0;
			v = strtol(optarg, &end, 10);
			if (errno || *end || v < 1 || v > VIRTIO_RCU_MAX_EVENT_QUEUES) {
				log_err("--event-queues must be 1..%d",
					VIRTIO_RCU_MAX_EVENT_QUEUES);
				return 1;
			}
			bopts.event_queues = (uint32_t)v;
			break;
		case 'o':
			once = true;
			break;
		case 'U':
			bopts.test_unsafe_early_gp = true;
			break;
		case 'v':
			log_threshold = LOG_DEBUG;
			break;
		case 'c':
			printf("{\n  \"type\": \"rcu\"\n}\n");
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (optind != argc || (!path == (fd < 0))) {
		usage(stderr);
		return 1;
	}

	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	loop = el_new();
	if (!loop) {
		log_err("cannot create the event loop: %s", strerror(errno));
		return 1;
	}
	if (fd >= 0) {
		ret = backend_serve(loop, fd, &bopts) < 0;
		close(fd);
		goto out;
	}
	lfd = listen_on(path);
	if (lfd < 0) {
		ret = 1;
		goto out;
	}
	if (bopts.test_unsafe_early_gp)
		log_warn("--test-unsafe-early-gp: grace periods END EARLY (tests only)");
	log_info("listening on %s (%u event queues)", path, bopts.event_queues);
	while (!stop_requested) {
		int conn = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);

		if (conn < 0) {
			if (errno == EINTR)
				continue;
			log_err("accept: %s", strerror(errno));
			ret = 1;
			break;
		}
		if (backend_serve(loop, conn, &bopts) < 0)
			ret = 1;
		close(conn);
		if (once)
			break;
	}
	close(lfd);
	unlink(path);
out:
	el_free(loop);
	if (stop_requested)
		log_info("terminated by signal");
	return ret;
}
