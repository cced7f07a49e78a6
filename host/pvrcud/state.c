// SPDX-License-Identifier: GPL-2.0-or-later
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "state.h"

uint64_t state_proc_start(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long long start = 0;
	FILE *f;
	int field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return 0;
	}
	fclose(f);
	/* Field 22; the command name (field 2) may hold spaces: skip it. */
	p = strrchr(buf, ')');
	if (!p)
		return 0;
	for (field = 2; p && field < 22; field++)
		p = strchr(p + 1, ' ');
	if (p)
		start = strtoull(p + 1, NULL, 10);
	return start;
}

int state_save(const char *path, const struct pvrcud_state *s)
{
	char tmp[4096];
	FILE *f;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "pvrcud-state 1\nqemu_pid %d\nqemu_start %" PRIu64
		"\ngpa %" PRIu64 "\nlen %" PRIu64 "\nncpus %u\n",
		(int)s->qemu_pid, s->qemu_start, s->gpa, s->len, s->ncpus);
	if (fflush(f) || fsync(fileno(f)) || fclose(f)) {
		unlink(tmp);
		return -EIO;
	}
	/* rename: a crash leaves the old file or the new one, never half. */
	if (rename(tmp, path) < 0) {
		unlink(tmp);
		return -errno;
	}
	return 0;
}

int state_load(const char *path, struct pvrcud_state *s)
{
	int pid = 0, n;
	FILE *f = fopen(path, "r");

	if (!f)
		return -ENOENT;
	memset(s, 0, sizeof(*s));
	n = fscanf(f, "pvrcud-state 1\nqemu_pid %d\nqemu_start %" SCNu64
		   "\ngpa %" SCNu64 "\nlen %" SCNu64 "\nncpus %u\n", &pid,
		   &s->qemu_start, &s->gpa, &s->len, &s->ncpus);
	fclose(f);
	if (n != 5 || pid <= 0)
		return -EINVAL;
	s->qemu_pid = pid;
	return 0;
}

void state_remove(const char *path)
{
	if (path)
		unlink(path);
}
