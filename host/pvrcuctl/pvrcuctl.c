// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pvrcuctl: inspect and tune a running pvrcud over its control socket.
 *
 *   pvrcuctl [--socket PATH | --domain NAME] [--json] COMMAND [ARGS]
 *
 * Exit status: 0 on success, 1 if pvrcud refused the command, 2 if it
 * could not be reached.
 */
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_RUNTIME_DIR "/run/pvrcu"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pvrcuctl [--socket PATH | --domain NAME] [--json] COMMAND\n"
		"\n"
		"commands:\n"
		"  status              connection, region, grace-period state\n"
		"  vcpus               per-CPU nesting, last report, source, run state\n"
		"  stats               GPs, posts per expedited GP, latencies, bad input\n"
		"  stalls              the last stall reports\n"
		"  set                 list tunables; set NAME VALUE changes one\n"
		"\n"
		"options:\n"
		"  -s, --socket PATH      pvrcud's control socket\n"
		"  -d, --domain NAME      the pvrcud of libvirt domain NAME\n"
		"                         (RUNTIME_DIR/NAME.ctl)\n"
		"      --runtime-dir DIR  where the libvirt hook keeps sockets\n"
		"                         (default " DEFAULT_RUNTIME_DIR ")\n"
		"  -j, --json             machine-readable output\n"
		"  -h, --help             this text\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "domain", required_argument, NULL, 'd' },
		{ "runtime-dir", required_argument, NULL, 'r' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	const char *sock = NULL, *domain = NULL, *rundir = DEFAULT_RUNTIME_DIR;
	char path[sizeof(sa.sun_path)], line[512], buf[4096];
	size_t len = 0;
	bool json = false, first = true, ok = false;
	ssize_t n;
	int c, fd, i;

	while ((c = getopt_long(argc, argv, "+s:d:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's': sock = optarg; break;
		case 'd': domain = optarg; break;
		case 'r': rundir = optarg; break;
		case 'j': json = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind >= argc || (sock && domain)) {
		usage(stderr);
		return 2;
	}
	if (domain) {
		if (strchr(domain, '/') || !domain[0]) {
			fprintf(stderr, "pvrcuctl: bad domain name %s\n", domain);
			return 2;
		}
		if (snprintf(path, sizeof(path), "%s/%s.ctl", rundir, domain) >=
		    (int)sizeof(path)) {
			fprintf(stderr, "pvrcuctl: socket path too long\n");
			return 2;
		}
		sock = path;
	}
	if (!sock) {
		fprintf(stderr, "pvrcuctl: say which pvrcud: --socket PATH or --domain NAME\n");
		return 2;
	}
	if (strlen(sock) >= sizeof(sa.sun_path)) {
		fprintf(stderr, "pvrcuctl: socket path too long\n");
		return 2;
	}
	strcpy(sa.sun_path, sock);

	for (i = optind; i < argc; i++) {
		int w = snprintf(line + len, sizeof(line) - len, "%s%s",
				 i > optind ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= sizeof(line) - len - 8) {
			fprintf(stderr, "pvrcuctl: command too long\n");
			return 2;
		}
		len += (size_t)w;
	}
	len += (size_t)snprintf(line + len, sizeof(line) - len, "%s\n",
				json ? " --json" : "");

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		fprintf(stderr, "pvrcuctl: cannot reach pvrcud at %s: %s%s\n", sock,
			strerror(errno), domain ?
			" (is the domain running with pvrcu metadata?)" : "");
		return 2;
	}
	if (write(fd, line, len) != (ssize_t)len) {
		fprintf(stderr, "pvrcuctl: write: %s\n", strerror(errno));
		return 2;
	}
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		char *p = buf;

		if (first) {	/* the status line: OK or ERR */
			first = false;
			ok = !strncmp(buf, "OK\n", 3 < n ? 3 : (size_t)n);
			p = memchr(buf, '\n', (size_t)n);
			p = p ? p + 1 : buf + n;
		}
		fwrite(p, 1, (size_t)(buf + n - p), ok ? stdout : stderr);
	}
	close(fd);
	if (first) {
		fprintf(stderr, "pvrcuctl: pvrcud closed the connection without a reply\n");
		return 2;
	}
	return ok ? 0 : 1;
}
