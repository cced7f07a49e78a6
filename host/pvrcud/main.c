// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pvrcud: the virtio-rcu vhost-user backend, one process per VM.
 *
 * Follows QEMU's backend program conventions (docs/interop/vhost-user.rst):
 * --socket-path or --fd, --print-capabilities, no daemonizing, a quick
 * exit on SIGTERM, a non-zero exit when it cannot start.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "backend.h"
#include "control.h"
#include "event_loop.h"
#include "log.h"
#include "sockpath.h"
#include "virtio_rcu.h"

static volatile sig_atomic_t stop_requested;
static struct event_loop *loop;
static struct backend *current;	/* the connection being served, if any */

static int on_control(void *ctx, int argc, char **argv, bool json,
		      struct strbuf *reply)
{
	(void)ctx;
	return backend_control(current, argc, argv, json, reply);
}

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
		"      --srcu-domains=N     SRCU domains the device serves (0..%d,\n"
		"                           default %d; 0 turns SRCU off)\n"
		"  -c, --control-socket=PATH  pvrcuctl's socket (default:\n"
		"                           SOCKET-PATH.ctl; \"none\" for none)\n"
		"      --control-group=GROUP  let GROUP use the control socket\n"
		"                           (default: root only)\n"
		"      --state-file=PATH    keep the registration here so a restarted\n"
		"                           pvrcud resumes the same VM (default:\n"
		"                           SOCKET-PATH.state; \"none\" for none)\n"
		"      --once               exit after the first connection ends\n"
		"  -v, --verbose            debug logging\n"
		"      --test-unsafe-early-gp  TESTS ONLY: end every grace period at\n"
		"                           once, so torture tests can prove they\n"
		"                           catch a broken service\n"
		"      --print-capabilities print the backend's JSON capabilities\n"
		"  -h, --help               this text\n",
		VIRTIO_RCU_MAX_SRCU_DOMAINS, PVRCUD_DEFAULT_SRCU_DOMAINS);
}

static int sig_pipe[2] = { -1, -1 };

/*
 * SIGTERM/SIGINT write to a pipe the event loop watches and never
 * drains, so every el_run() from then on returns at once: no lost stop.
 */
static void on_signal(int sig)
{
	char c = (char)sig;

	stop_requested = 1;
	if (write(sig_pipe[1], &c, 1) < 0)
		_exit(1);
}

static void on_sig_pipe(int fd, unsigned int events, void *data)
{
	(void)fd; (void)events; (void)data;
	el_stop(loop);
}

static int conn_fd = -1;

static void on_listen(int fd, unsigned int events, void *data)
{
	(void)events; (void)data;
	conn_fd = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
	if (conn_fd >= 0)
		el_stop(loop);
}

/* A decimal option value in [@min, @max]; logs and returns -1 otherwise. */
static int parse_range(const char *opt, const char *arg, long min, long max,
		       long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max) {
		log_err("%s must be %ld..%ld, not \"%s\"", opt, min, max, arg);
		return -1;
	}
	*out = v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket-path", required_argument, NULL, 's' },
		{ "fd", required_argument, NULL, 'f' },
		{ "event-queues", required_argument, NULL, 'q' },
		{ "srcu-domains", required_argument, NULL, 'D' },
		{ "once", no_argument, NULL, 'o' },
		{ "control-socket", required_argument, NULL, 'C' },
		{ "control-group", required_argument, NULL, 'G' },
		{ "state-file", required_argument, NULL, 'S' },
		{ "test-unsafe-early-gp", no_argument, NULL, 'U' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "print-capabilities", no_argument, NULL, 'P' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct backend_opts bopts = { .event_queues = 1, .current = &current,
				      .srcu_domains = PVRCUD_DEFAULT_SRCU_DOMAINS };
	const char *path = NULL, *ctl_path = NULL, *state_path = NULL;
	char state_default[256];
	gid_t ctl_gid = (gid_t)-1;
	struct control *ctl = NULL;
	char ctl_default[256];
	struct sigaction sa = { .sa_handler = on_signal };
	int fd = -1, lfd = -1, c, ret = 0;
	bool once = false;
	long v;

	while ((c = getopt_long(argc, argv, "s:f:q:c:vh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'f':
			if (parse_range("--fd", optarg, 0, 65535, &v))
				return 1;
			fd = (int)v;
			break;
		case 'q':
			if (parse_range("--event-queues", optarg, 1,
					VIRTIO_RCU_MAX_EVENT_QUEUES, &v))
				return 1;
			bopts.event_queues = (uint32_t)v;
			break;
		case 'D':
			if (parse_range("--srcu-domains", optarg, 0,
					VIRTIO_RCU_MAX_SRCU_DOMAINS, &v))
				return 1;
			bopts.srcu_domains = (uint32_t)v;
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
		case 'P':
			printf("{\n  \"type\": \"rcu\"\n}\n");
			return 0;
		case 'C':
		case 'c':
			ctl_path = optarg;
			break;
		case 'S':
			state_path = optarg;
			break;
		case 'G': {
			struct group *g = getgrnam(optarg);

			if (!g) {
				log_err("--control-group: no group %s", optarg);
				return 1;
			}
			ctl_gid = g->gr_gid;
			break;
		}
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

	loop = el_new();
	if (!loop || pipe2(sig_pipe, O_CLOEXEC | O_NONBLOCK) < 0 ||
	    el_watch(loop, sig_pipe[0], EL_IN, on_sig_pipe, NULL) < 0) {
		log_err("cannot create the event loop: %s", strerror(errno));
		return 1;
	}
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (!ctl_path && path &&
	    snprintf(ctl_default, sizeof(ctl_default), "%s.ctl", path) <
	    (int)sizeof(ctl_default))
		ctl_path = ctl_default;
	if (!state_path && path &&
	    snprintf(state_default, sizeof(state_default), "%s.state", path) <
	    (int)sizeof(state_default))
		state_path = state_default;
	if (state_path && strcmp(state_path, "none"))
		bopts.state_file = state_path;
	if (ctl_path && strcmp(ctl_path, "none")) {
		ctl = control_open(loop, ctl_path, ctl_gid, on_control, NULL);
		if (!ctl) {
			ret = 1;
			goto out;
		}
		log_info("control socket %s", ctl_path);
	}
	if (fd >= 0) {
		ret = backend_serve(loop, fd, &bopts) < 0;
		close(fd);
		goto out;
	}
	lfd = sock_listen("socket", path, 0, SOCK_KEEP_UMASK, 1);
	if (lfd < 0) {
		ret = 1;
		goto out;
	}
	if (bopts.test_unsafe_early_gp)
		log_warn("--test-unsafe-early-gp: grace periods END EARLY (tests only)");
	log_info("listening on %s (%u event queues, %u SRCU domains)", path,
		 bopts.event_queues, bopts.srcu_domains);
	/* Wait for QEMU in the event loop, so the control socket answers. */
	while (!stop_requested) {
		conn_fd = -1;
		if (el_watch(loop, lfd, EL_IN, on_listen, NULL) < 0 ||
		    el_run(loop) < 0) {
			log_err("event loop: %s", strerror(errno));
			ret = 1;
			break;
		}
		el_unwatch(loop, lfd);
		if (conn_fd < 0)
			continue;
		if (backend_serve(loop, conn_fd, &bopts) < 0)
			ret = 1;
		close(conn_fd);
		if (once)
			break;
	}
	close(lfd);
	unlink(path);
out:
	control_close(ctl);
	el_free(loop);
	if (stop_requested)
		log_info("terminated by signal");
	return ret;
}
