// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pvrcuctl domain-xml: fill in the libvirt domain template.
 *
 * Every value is checked before anything is written, and written
 * escaped: XML-escaped everywhere, and with commas doubled where it
 * lands inside a QEMU option (the -chardev socket path), so a domain
 * name such as "a&b,c" gives a domain libvirt accepts and a socket
 * path QEMU parses back unchanged.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain_xml.h"
#include "virtio_rcu.h"

/* Generated from host/libvirt/pvrcu-domain.xml.in by the Makefile. */
#include "domain_template.h"

__attribute__((format(printf, 3, 4)))
static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool has_control_char(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

int domain_socket_path(const char *runtime_dir, const char *name,
		       char *out, size_t outlen, char *err, size_t errlen)
{
	int n;

	if (!name || !name[0] || strchr(name, '/') || has_control_char(name) ||
	    !strcmp(name, ".") || !strcmp(name, "..")) {
		set_err(err, errlen, "bad domain name %s", name ? name : "(none)");
		return -1;
	}
	n = snprintf(out, outlen, "%s/%s.sock", runtime_dir, name);
	/* the control socket, SOCKET.ctl, must fit in sun_path too */
	if (n < 0 || (size_t)n >= outlen ||
	    (size_t)n + strlen(".ctl") >= DOMAIN_SUN_PATH_MAX) {
		set_err(err, errlen, "domain name %s too long: %s/NAME.sock.ctl "
			"must fit in a unix socket path (%d bytes)", name,
			runtime_dir, DOMAIN_SUN_PATH_MAX - 1);
		return -1;
	}
	return 0;
}

void xml_escape(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '\'': fputs("&apos;", f); break;
		case '"': fputs("&quot;", f); break;
		default: fputc(*s, f);
		}
	}
}

void xml_escape_qemu_opt(FILE *f, const char *s)
{
	char one[2] = "";

	for (; *s; s++) {
		if (*s == ',')
			fputs(",,", f);
		else {
			one[0] = *s;
			xml_escape(f, one);
		}
	}
}

static int check_path(const char *what, const char *p, char *err, size_t errlen)
{
	if (!p || !p[0]) {
		set_err(err, errlen, "%s is missing", what);
		return -1;
	}
	if (p[0] != '/') {
		set_err(err, errlen, "%s must be an absolute path: %s", what, p);
		return -1;
	}
	if (has_control_char(p)) {
		set_err(err, errlen, "%s has a control character: %s", what, p);
		return -1;
	}
	return 0;
}

static int check(const struct domain_xml *d, char *sock, size_t socklen,
		 char *err, size_t errlen)
{
	if (check_path("--runtime-dir", d->runtime_dir, err, errlen) ||
	    domain_socket_path(d->runtime_dir, d->name, sock, socklen, err, errlen) ||
	    check_path("--kernel", d->kernel, err, errlen) ||
	    check_path("--initrd", d->initrd, err, errlen) ||
	    check_path("--emulator", d->emulator, err, errlen) ||
	    check_path("--serial-log", d->serial_log, err, errlen))
		return -1;
	if (!d->cmdline || has_control_char(d->cmdline)) {
		set_err(err, errlen, "--cmdline %s",
			d->cmdline ? "has a control character" : "is missing");
		return -1;
	}
	if (d->vcpus < 1 || d->vcpus > VIRTIO_RCU_MAX_EVENT_QUEUES) {
		set_err(err, errlen, "--cpus must be 1..%d", VIRTIO_RCU_MAX_EVENT_QUEUES);
		return -1;
	}
	if (d->memory_mib < 16 || d->memory_mib > 16 * 1024 * 1024) {
		set_err(err, errlen, "--memory must be 16..16777216 (MiB)");
		return -1;
	}
	if (d->srcu_domains > VIRTIO_RCU_MAX_SRCU_DOMAINS) {
		set_err(err, errlen, "--srcu-domains must be 0..%d",
			VIRTIO_RCU_MAX_SRCU_DOMAINS);
		return -1;
	}
	if (!d->virt_type || (strcmp(d->virt_type, "kvm") &&
			      strcmp(d->virt_type, "qemu"))) {
		set_err(err, errlen, "--type must be kvm or qemu, not %s",
			d->virt_type ? d->virt_type : "(none)");
		return -1;
	}
	if (!d->on_reboot || (strcmp(d->on_reboot, "restart") &&
			      strcmp(d->on_reboot, "destroy"))) {
		set_err(err, errlen, "--on-reboot must be restart or destroy, not %s",
			d->on_reboot ? d->on_reboot : "(none)");
		return -1;
	}
	return 0;
}

/* Write the value of @KEY@ (KEY is klen bytes); -1 if there is no such key. */
static int put_key(FILE *f, const char *key, size_t klen,
		   const struct domain_xml *d, const char *sock)
{
#define IS(k) (klen == strlen(k) && !memcmp(key, k, klen))
	if (IS("NAME"))
		xml_escape(f, d->name);
	else if (IS("VIRT_TYPE"))
		xml_escape(f, d->virt_type);
	else if (IS("VCPUS"))
		fprintf(f, "%u", d->vcpus);
	else if (IS("MEMORY_MIB"))
		fprintf(f, "%u", d->memory_mib);
	else if (IS("SRCU_DOMAINS"))
		fprintf(f, "%u", d->srcu_domains);
	else if (IS("KERNEL"))
		xml_escape(f, d->kernel);
	else if (IS("INITRD"))
		xml_escape(f, d->initrd);
	else if (IS("CMDLINE"))
		xml_escape(f, d->cmdline);
	else if (IS("SERIAL_LOG"))
		xml_escape(f, d->serial_log);
	else if (IS("EMULATOR"))
		xml_escape(f, d->emulator);
	else if (IS("ON_REBOOT"))
		xml_escape(f, d->on_reboot);
	else if (IS("SOCKET"))
		xml_escape(f, sock);
	else if (IS("SOCKET_QEMU"))
		xml_escape_qemu_opt(f, sock);
	else
		return -1;
	return 0;
#undef IS
}

int domain_xml_write(FILE *out, const char *tmpl, const struct domain_xml *d,
		     char *err, size_t errlen)
{
	char sock[DOMAIN_SUN_PATH_MAX + 16];
	char *buf = NULL;
	size_t len = 0;
	const char *p;
	FILE *f;
	int ret = 0;

	if (check(d, sock, sizeof(sock), err, errlen))
		return -1;
	f = open_memstream(&buf, &len);
	if (!f) {
		set_err(err, errlen, "out of memory");
		return -1;
	}
	for (p = tmpl; *p; p++) {
		size_t k = 0;

		if (*p != '@') {
			fputc(*p, f);
			continue;
		}
		while ((p[1 + k] >= 'A' && p[1 + k] <= 'Z') || p[1 + k] == '_')
			k++;
		if (k == 0 || p[1 + k] != '@') {	/* not a key: keep the '@' */
			fputc('@', f);
			continue;
		}
		if (put_key(f, p + 1, k, d, sock)) {
			set_err(err, errlen, "the template names an unknown key @%.*s@",
				(int)k, p + 1);
			ret = -1;
			break;
		}
		p += k + 1;
	}
	if (fclose(f) || !buf) {
		set_err(err, errlen, "out of memory");
		ret = -1;
	}
	if (!ret && fwrite(buf, 1, len, out) != len) {
		set_err(err, errlen, "write failed");
		ret = -1;
	}
	free(buf);
	return ret;
}
