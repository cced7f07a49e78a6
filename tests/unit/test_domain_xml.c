// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * pvrcuctl domain-xml: the template is filled with every value escaped
 * for where it lands (XML; a QEMU option inside XML), and values that
 * cannot be expressed are refused with nothing written.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain_xml.h"

static struct domain_xml good(void)
{
	return (struct domain_xml){
		.name = "vm1", .virt_type = "qemu", .vcpus = 4,
		.memory_mib = 512, .srcu_domains = 16,
		.kernel = "/boot/vmlinuz", .initrd = "/boot/initrd.gz",
		.cmdline = "console=ttyS0 pvrcu.test=torture_short",
		.serial_log = "/var/log/libvirt/qemu/vm1-serial.log",
		.emulator = "/usr/lib/pvrcu/qemu/bin/qemu-system-x86_64",
		.runtime_dir = "/run/pvrcu", .on_reboot = "destroy",
	};
}

static char out[16384];
static char err[512];

/* Render into out[]; returns domain_xml_write's result. */
static int render(const char *tmpl, const struct domain_xml *d)
{
	FILE *f;
	int ret;

	memset(out, 0, sizeof(out));
	f = fmemopen(out, sizeof(out) - 1, "w");
	cr_assert_not_null(f);
	err[0] = 0;
	ret = domain_xml_write(f, tmpl, d, err, sizeof(err));
	cr_assert_eq(fclose(f), 0);
	return ret;
}

#define assert_has(s) cr_assert_not_null(strstr(out, s), "no \"%s\" in:\n%s", s, out)
#define assert_refused(d, why) do { \
	cr_assert_eq(render(domain_xml_template, &(d)), -1, "accepted: %s", #d); \
	cr_assert_not_null(strstr(err, why), "reason \"%s\", wanted \"%s\"", err, why); \
	cr_assert_eq(out[0], 0, "wrote output although it refused"); \
} while (0)

Test(domain_xml, template_filled_with_every_value)
{
	struct domain_xml d = good();

	cr_assert_eq(render(domain_xml_template, &d), 0, "%s", err);
	assert_has("<domain type='qemu' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>");
	assert_has("<name>vm1</name>");
	assert_has("<pvrcu:vm xmlns:pvrcu='urn:x-pvrcu:1' event-queues='4' srcu-domains='16'/>");
	assert_has("<memory unit='MiB'>512</memory>");
	assert_has("<vcpu placement='static'>4</vcpu>");
	assert_has("<source type='memfd'/>");
	assert_has("<access mode='shared'/>");
	assert_has("<kernel>/boot/vmlinuz</kernel>");
	assert_has("<initrd>/boot/initrd.gz</initrd>");
	assert_has("<cmdline>console=ttyS0 pvrcu.test=torture_short</cmdline>");
	assert_has("<on_reboot>destroy</on_reboot>");
	assert_has("<emulator>/usr/lib/pvrcu/qemu/bin/qemu-system-x86_64</emulator>");
	assert_has("<source path='/var/log/libvirt/qemu/vm1-serial.log'/>");
	assert_has("<qemu:arg value='socket,id=pvrcu,path=/run/pvrcu/vm1.sock,reconnect-ms=200'/>");
	assert_has("<qemu:arg value='vhost-user-rcu-pci,chardev=pvrcu,event-queues=4'/>");
	cr_assert_null(strstr(out, "@"), "a key was left unfilled:\n%s", out);
}

Test(domain_xml, markup_in_values_is_escaped)
{
	struct domain_xml d = good();

	d.name = "a&b<c>'d\"";
	d.cmdline = "x=\"<&>\"";
	d.serial_log = "/var/log/it's&.log";
	cr_assert_eq(render(domain_xml_template, &d), 0, "%s", err);
	assert_has("<name>a&amp;b&lt;c&gt;&apos;d&quot;</name>");
	assert_has("<cmdline>x=&quot;&lt;&amp;&gt;&quot;</cmdline>");
	assert_has("<source path='/var/log/it&apos;s&amp;.log'/>");
	assert_has("path=/run/pvrcu/a&amp;b&lt;c&gt;&apos;d&quot;.sock,");
	cr_assert_null(strstr(out, "a&b"), "raw markup in:\n%s", out);
}

Test(domain_xml, commas_doubled_inside_the_qemu_option)
{
	struct domain_xml d = good();

	d.name = "vm,id=evil";
	d.runtime_dir = "/run/pv,rcu";
	cr_assert_eq(render(domain_xml_template, &d), 0, "%s", err);
	assert_has("socket,id=pvrcu,path=/run/pv,,rcu/vm,,id=evil.sock,reconnect-ms=200'");
	/* only the QEMU option is comma-escaped; the XML name is verbatim */
	assert_has("<name>vm,id=evil</name>");
}

Test(domain_xml, bad_names_refused)
{
	struct domain_xml d = good();
	char longname[120];

	d.name = "a/b";
	assert_refused(d, "bad domain name a/b");
	d.name = "";
	assert_refused(d, "bad domain name");
	d.name = NULL;
	assert_refused(d, "bad domain name (none)");
	d.name = "..";
	assert_refused(d, "bad domain name ..");
	d.name = "tab\there";
	assert_refused(d, "bad domain name");
	memset(longname, 'x', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = 0;
	d.name = longname;
	assert_refused(d, "too long");
}

Test(domain_xml, longest_name_that_fits_a_socket)
{
	struct domain_xml d = good();
	char sock[DOMAIN_SUN_PATH_MAX + 16], name[128];
	/* "/run/pvrcu/" NAME ".sock.ctl" + NUL = 108 */
	size_t fit = DOMAIN_SUN_PATH_MAX - 1 - strlen("/run/pvrcu/") - strlen(".sock.ctl");

	memset(name, 'n', fit);
	name[fit] = 0;
	cr_assert_eq(domain_socket_path("/run/pvrcu", name, sock, sizeof(sock),
					err, sizeof(err)), 0, "%s", err);
	cr_assert_eq(strlen(sock) + strlen(".ctl"), DOMAIN_SUN_PATH_MAX - 1);
	d.name = name;
	cr_assert_eq(render(domain_xml_template, &d), 0, "%s", err);
	name[fit] = 'n';
	name[fit + 1] = 0;
	assert_refused(d, "too long");
}

Test(domain_xml, bad_values_refused)
{
	struct domain_xml d;

	d = good(); d.vcpus = 0;           assert_refused(d, "--cpus must be 1..1023");
	d = good(); d.vcpus = 1024;        assert_refused(d, "--cpus must be 1..1023");
	d = good(); d.memory_mib = 8;      assert_refused(d, "--memory");
	d = good(); d.srcu_domains = 1025; assert_refused(d, "--srcu-domains must be 0..1024");
	d = good(); d.kernel = NULL;       assert_refused(d, "--kernel is missing");
	d = good(); d.initrd = "initrd";   assert_refused(d, "--initrd must be an absolute path");
	d = good(); d.emulator = "";       assert_refused(d, "--emulator is missing");
	d = good(); d.serial_log = "/a\nb"; assert_refused(d, "control character");
	d = good(); d.cmdline = "a\x01";   assert_refused(d, "--cmdline has a control character");
	d = good(); d.virt_type = "xen";   assert_refused(d, "--type must be kvm or qemu");
	d = good(); d.on_reboot = "pause"; assert_refused(d, "--on-reboot");
	d = good(); d.runtime_dir = "run"; assert_refused(d, "--runtime-dir must be an absolute path");
}

Test(domain_xml, custom_template_keys_and_literal_at_signs)
{
	struct domain_xml d = good();

	cr_assert_eq(render("<x a='@SOCKET@' b='@VCPUS@'>mail@host @lower@ @ @@</x>\n", &d),
		     0, "%s", err);
	cr_assert_str_eq(out, "<x a='/run/pvrcu/vm1.sock' b='4'>mail@host @lower@ @ @@</x>\n");
	cr_assert_eq(render("<x>@NOSUCHKEY@</x>", &d), -1);
	cr_assert_not_null(strstr(err, "unknown key @NOSUCHKEY@"), "%s", err);
	cr_assert_eq(out[0], 0);
}
