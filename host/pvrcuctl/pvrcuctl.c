// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pvrcuctl: inspect and tune a running pvrcud over its control socket,
 * and write libvirt domains that pvrcu serves.
 *
 *   pvrcuctl [--socket PATH | --domain NAME] [--json] COMMAND [ARGS]
 *   pvrcuctl domain-xml --name NAME --kernel PATH --initrd PATH [...]
 *
 * Exit status: 0 on success, 1 if pvrcud refused the command, 2 if it
 * could not be reached (or the arguments are wrong).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "domain_xml.h"

#define DEFAULT_RUNTIME_DIR "/run/pvrcu"
/* An installed pvrcuctl finds the project's QEMU relative to itself. */
#define QEMU_FROM_PREFIX "/lib/pvrcu/qemu/bin/qemu-system-x86_64"

static void usage(FILE *f)
{
	fprintf(f,
		"usage: pvrcuctl [--socket PATH | --domain NAME] [--json] COMMAND\n"
		"       pvrcuctl [--runtime-dir DIR] domain-xml --name NAME\n"
		"                --kernel PATH --initrd PATH [options]\n"
		"\n"
		"commands:\n"
		"  status              connection, region, grace-period state\n"
		"  vcpus               per-CPU nesting, last report, source, run state\n"
		"  stats               GPs, posts per expedited GP, latencies, bad input\n"
		"  stalls              the last stall reports\n"
		"  set                 list tunables; set NAME VALUE changes one\n"
		"  domain-xml          print a libvirt domain served by pvrcu\n"
		"                      (pvrcuctl domain-xml --help)\n"
		"\n"
		"options:\n"
		"  -s, --socket PATH      pvrcud's control socket\n"
		"  -d, --domain NAME      the pvrcud of libvirt domain NAME\n"
		"                         (RUNTIME_DIR/NAME.sock.ctl)\n"
		"      --runtime-dir DIR  where the libvirt hook keeps sockets\n"
		"                         (default $PVRCU_RUNTIME_DIR or " DEFAULT_RUNTIME_DIR ")\n"
		"  -j, --json             machine-readable output\n"
		"  -h, --help             this text\n");
}

static void usage_domain_xml(FILE *f)
{
	fprintf(f,
		"usage: pvrcuctl [--runtime-dir DIR] domain-xml [options]\n"
		"\n"
		"Print a libvirt domain whose pvrcud the libvirt hook starts:\n"
		"memfd shared memory, pvrcu metadata, the vhost-user-rcu-pci device\n"
		"on RUNTIME_DIR/NAME.sock, direct kernel boot, serial console to a file.\n"
		"\n"
		"  -n, --name NAME        domain name (required; or pvrcuctl --domain NAME)\n"
		"  -k, --kernel PATH      guest kernel (required)\n"
		"  -i, --initrd PATH      guest initramfs (required)\n"
		"  -a, --cmdline TEXT     kernel command line (default \"console=ttyS0\")\n"
		"  -c, --cpus N           vCPUs = event queues (default 2)\n"
		"  -m, --memory MIB       guest RAM in MiB (default 1024)\n"
		"      --srcu-domains N   SRCU domains pvrcud serves (default 16)\n"
		"      --serial-log PATH  serial console file\n"
		"                         (default /var/log/libvirt/qemu/NAME-serial.log)\n"
		"      --emulator PATH    QEMU with vhost-user-rcu-pci (default: the one\n"
		"                         installed with pvrcuctl, PREFIX/lib/pvrcu/qemu)\n"
		"      --type kvm|qemu    accelerator (default kvm if /dev/kvm opens)\n"
		"      --on-reboot restart|destroy  what a guest reboot does (default restart)\n"
		"      --template FILE    fill FILE instead of the built-in template\n"
		"  -h, --help             this text\n");
}

static int parse_uint(const char *opt, const char *s, unsigned int *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v > UINT_MAX) {
		fprintf(stderr, "pvrcuctl: %s: not a number: %s\n", opt, s);
		return -1;
	}
	*out = (unsigned int)v;
	return 0;
}

static char *read_file(const char *path)
{
	char *buf = NULL;
	size_t len = 0, n;
	char chunk[4096];
	FILE *f = fopen(path, "r"), *m;

	if (!f)
		return NULL;
	m = open_memstream(&buf, &len);
	if (!m) {
		fclose(f);
		return NULL;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	if (ferror(f)) {
		fclose(m);
		free(buf);
		buf = NULL;
	} else {
		fclose(m);
	}
	fclose(f);
	return buf;
}

static int domain_xml_main(int argc, char **argv, const char *name,
			   const char *rundir)
{
	static const struct option opts[] = {
		{ "name", required_argument, NULL, 'n' },
		{ "kernel", required_argument, NULL, 'k' },
		{ "initrd", required_argument, NULL, 'i' },
		{ "cmdline", required_argument, NULL, 'a' },
		{ "cpus", required_argument, NULL, 'c' },
		{ "memory", required_argument, NULL, 'm' },
		{ "srcu-domains", required_argument, NULL, 'S' },
		{ "serial-log", required_argument, NULL, 'L' },
		{ "emulator", required_argument, NULL, 'E' },
		{ "type", required_argument, NULL, 'T' },
		{ "on-reboot", required_argument, NULL, 'R' },
		{ "template", required_argument, NULL, 'F' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct domain_xml d = {
		.name = name, .runtime_dir = rundir, .vcpus = 2,
		.memory_mib = 1024, .srcu_domains = 16,
		.cmdline = "console=ttyS0", .on_reboot = "restart",
	};
	char serial[PATH_MAX], emulator[PATH_MAX], err[512];
	const char *tmpl_path = NULL;
	char *tmpl = NULL;
	int c, ret;

	/* kvm where it can be used: /dev/kvm opens (a node alone is not enough) */
	c = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	d.virt_type = c >= 0 ? "kvm" : "qemu";
	if (c >= 0)
		close(c);

	optind = 0;	/* a fresh getopt over the subcommand's arguments */
	while ((c = getopt_long(argc, argv, "+n:k:i:a:c:m:h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': d.name = optarg; break;
		case 'k': d.kernel = optarg; break;
		case 'i': d.initrd = optarg; break;
		case 'a': d.cmdline = optarg; break;
		case 'c':
			if (parse_uint("--cpus", optarg, &d.vcpus))
				return 2;
			break;
		case 'm':
			if (parse_uint("--memory", optarg, &d.memory_mib))
				return 2;
			break;
		case 'S':
			if (parse_uint("--srcu-domains", optarg, &d.srcu_domains))
				return 2;
			break;
		case 'L': d.serial_log = optarg; break;
		case 'E': d.emulator = optarg; break;
		case 'T': d.virt_type = optarg; break;
		case 'R': d.on_reboot = optarg; break;
		case 'F': tmpl_path = optarg; break;
		case 'h': usage_domain_xml(stdout); return 0;
		default: usage_domain_xml(stderr); return 2;
		}
	}
	if (optind != argc) {
		usage_domain_xml(stderr);
		return 2;
	}
	if (!d.name) {
		fprintf(stderr, "pvrcuctl: domain-xml: say which domain: --name NAME\n");
		return 2;
	}
	if (domain_socket_path(rundir, d.name, emulator, sizeof(emulator), err,
			       sizeof(err))) {
		fprintf(stderr, "pvrcuctl: domain-xml: %s\n", err);
		return 2;
	}
	if (!d.serial_log && snprintf(serial, sizeof(serial),
			"/var/log/libvirt/qemu/%s-serial.log", d.name) < (int)sizeof(serial))
		d.serial_log = serial;
	if (!d.emulator) {
		/* PREFIX/bin/pvrcuctl -> PREFIX/lib/pvrcu/qemu/bin/qemu-system-x86_64 */
		ssize_t n = readlink("/proc/self/exe", emulator, sizeof(emulator) - 1);
		char *slash = NULL;

		if (n > 0) {
			emulator[n] = 0;
			slash = strrchr(emulator, '/');	/* .../bin/pvrcuctl */
			if (slash) {
				*slash = 0;
				slash = strrchr(emulator, '/');	/* .../bin */
			}
		}
		if (slash && (size_t)(slash - emulator) + sizeof(QEMU_FROM_PREFIX) <=
		    sizeof(emulator)) {
			strcpy(slash, QEMU_FROM_PREFIX);
			if (access(emulator, X_OK) == 0)
				d.emulator = emulator;
		}
		if (!d.emulator) {
			fprintf(stderr, "pvrcuctl: domain-xml: no QEMU installed next to "
				"pvrcuctl; say which: --emulator PATH\n");
			return 2;
		}
	}
	if (tmpl_path) {
		tmpl = read_file(tmpl_path);
		if (!tmpl) {
			fprintf(stderr, "pvrcuctl: cannot read %s: %s\n", tmpl_path,
				strerror(errno));
			return 2;
		}
	}
	ret = domain_xml_write(stdout, tmpl ? tmpl : domain_xml_template, &d,
			       err, sizeof(err));
	free(tmpl);
	if (ret) {
		fprintf(stderr, "pvrcuctl: domain-xml: %s\n", err);
		return 2;
	}
	return fflush(stdout) ? 2 : 0;
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
	const char *sock = NULL, *domain = NULL, *rundir = getenv("PVRCU_RUNTIME_DIR");
	char path[sizeof(sa.sun_path) + 16], line[512], buf[4096], err[256];
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
	if (!rundir || !rundir[0])
		rundir = DEFAULT_RUNTIME_DIR;
	if (optind >= argc || (sock && domain)) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[optind], "domain-xml"))
		return domain_xml_main(argc - optind, argv + optind, domain, rundir);
	if (domain) {
		/* the libvirt hook's pvrcud: RUNDIR/NAME.sock, control NAME.sock.ctl */
		if (domain_socket_path(rundir, domain, path, sizeof(path), err,
				       sizeof(err))) {
			fprintf(stderr, "pvrcuctl: %s\n", err);
			return 2;
		}
		strcat(path, ".ctl");
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
		fprintf(stderr, "pvrcuctl: cannot reach pvrcud at %s: %s%s%s%s\n", sock,
			strerror(errno), domain ? " (is domain " : "",
			domain ? domain : "",
			domain ? " running, with pvrcu metadata?)" : "");
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
