/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * pvrcuctl domain-xml: fill in the libvirt domain template
 * (host/libvirt/pvrcu-domain.xml.in) for one pvrcu VM.
 */
#ifndef PVRCUCTL_DOMAIN_XML_H
#define PVRCUCTL_DOMAIN_XML_H

#include <stddef.h>
#include <stdio.h>

/* Longest unix socket path (struct sockaddr_un.sun_path, with its NUL). */
#define DOMAIN_SUN_PATH_MAX 108

struct domain_xml {
	const char *name;
	const char *virt_type;		/* "kvm" or "qemu" */
	unsigned int vcpus;		/* = pvrcud event queues */
	unsigned int memory_mib;
	unsigned int srcu_domains;
	const char *kernel, *initrd, *cmdline;
	const char *serial_log;
	const char *emulator;
	const char *runtime_dir;	/* the hook's socket folder */
	const char *on_reboot;		/* "restart" or "destroy" */
};

/* The template built into pvrcuctl. */
extern const char domain_xml_template[];

/*
 * The paths the hook uses for domain NAME: RUNTIME_DIR/NAME.sock (pvrcud's
 * socket; its control socket is that + ".ctl"). -1 with a reason in err
 * if NAME cannot name a socket (empty, '/', control characters, "." or
 * "..", too long).
 */
int domain_socket_path(const char *runtime_dir, const char *name,
		       char *out, size_t outlen, char *err, size_t errlen);

/*
 * Write the escaped forms: XML character data and attribute values
 * (& < > ' "), and a QEMU option value (commas doubled) for the XML.
 */
void xml_escape(FILE *f, const char *s);
void xml_escape_qemu_opt(FILE *f, const char *s);

/*
 * Check every field, then write TEMPLATE with each @KEY@ replaced. 0 on
 * success; -1 with a reason in err (nothing written) if a field is
 * missing or cannot be expressed, or the template names an unknown key.
 */
int domain_xml_write(FILE *f, const char *tmpl, const struct domain_xml *d,
		     char *err, size_t errlen);

#endif
