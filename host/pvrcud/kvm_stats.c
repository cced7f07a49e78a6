// SPDX-License-Identifier: GPL-2.0-or-later
#include <dirent.h>
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kvm_stats.h"

#define LINK_PREFIX "anon_inode:kvm-vcpu-stats:"
#define MAX_DESCS 4096
#define MAX_NAME 1024

static int sys_pidfd_open(pid_t pid)
{
	return (int)syscall(SYS_pidfd_open, pid, 0);
}

static int sys_pidfd_getfd(int pidfd, int fd)
{
	return (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
}

int kvm_stats_parse(int fd, struct kvm_vcpu_stats *out)
{
	struct kvm_stats_header h;
	struct kvm_stats_desc *d;
	size_t dsize;
	uint32_t i;
	bool have_exits = false;

	if (pread(fd, &h, sizeof(h), 0) != (ssize_t)sizeof(h))
		return -EIO;
	if (h.name_size == 0 || h.name_size > MAX_NAME || h.num_desc > MAX_DESCS)
		return -EINVAL;
	dsize = sizeof(*d) + h.name_size;
	d = malloc(dsize);
	if (!d)
		return -ENOMEM;
	out->has_blocking = false;
	for (i = 0; i < h.num_desc; i++) {
		off_t at = (off_t)h.desc_offset + (off_t)i * (off_t)dsize;

		if (pread(fd, d, dsize, at) != (ssize_t)dsize)
			break;
		d->name[h.name_size - 1] = '\0';
		if (d->size < 1)
			continue;
		if (!strcmp(d->name, "exits")) {
			out->exits_off = (uint64_t)h.data_offset + d->offset;
			have_exits = true;
		} else if (!strcmp(d->name, "blocking")) {
			out->blocking_off = (uint64_t)h.data_offset + d->offset;
			out->has_blocking = true;
		}
	}
	free(d);
	return have_exits ? 0 : -ENOENT;
}

int kvm_stats_read(const struct kvm_vcpu_stats *v, uint64_t *exits,
		   bool *blocking)
{
	uint64_t val;

	if (pread(v->fd, &val, sizeof(val), (off_t)v->exits_off) != sizeof(val))
		return -EIO;
	*exits = val;
	*blocking = false;
	if (v->has_blocking) {
		if (pread(v->fd, &val, sizeof(val), (off_t)v->blocking_off) !=
		    sizeof(val))
			return -EIO;
		*blocking = val != 0;
	}
	return 0;
}

const struct kvm_vcpu_stats *kvm_stats_find(const struct kvm_stats *ks,
					    uint32_t id)
{
	unsigned int i;

	for (i = 0; i < ks->n; i++)
		if (ks->vcpu[i].vcpu_id == id)
			return &ks->vcpu[i];
	return NULL;
}

void kvm_stats_close(struct kvm_stats *ks)
{
	unsigned int i;

	for (i = 0; i < ks->n; i++)
		close(ks->vcpu[i].fd);
	ks->n = 0;
}

int kvm_stats_open(struct kvm_stats *ks, pid_t pid, char *why, size_t whylen)
{
	char dir[64], path[384], link[128];
	struct dirent *de;
	int pidfd, err = 0;
	DIR *dp;

	ks->n = 0;
	snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
	dp = opendir(dir);
	if (!dp) {
		err = -errno;
		snprintf(why, whylen, "cannot list %s: %s", dir, strerror(errno));
		return err;
	}
	pidfd = sys_pidfd_open(pid);
	if (pidfd < 0) {
		err = -errno;
		snprintf(why, whylen, "pidfd_open(%d): %s", (int)pid, strerror(errno));
		closedir(dp);
		return err;
	}
	while ((de = readdir(dp)) != NULL && ks->n < KVM_STATS_MAX_VCPUS) {
		struct kvm_vcpu_stats *v = &ks->vcpu[ks->n];
		char *end;
		long target, id;
		ssize_t n;

		target = strtol(de->d_name, &end, 10);
		if (*end || target < 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		n = readlink(path, link, sizeof(link) - 1);
		if (n <= 0)
			continue;
		link[n] = '\0';
		if (strncmp(link, LINK_PREFIX, strlen(LINK_PREFIX)))
			continue;
		id = strtol(link + strlen(LINK_PREFIX), &end, 10);
		if (*end || id < 0 || id > UINT32_MAX)
			continue;
		v->fd = sys_pidfd_getfd(pidfd, (int)target);
		if (v->fd < 0) {
			err = -errno;
			snprintf(why, whylen, "pidfd_getfd: %s", strerror(errno));
			continue;
		}
		v->vcpu_id = (uint32_t)id;
		if (kvm_stats_parse(v->fd, v) < 0) {
			close(v->fd);
			snprintf(why, whylen, "vCPU %ld: no \"exits\" statistic", id);
			continue;
		}
		ks->n++;
	}
	closedir(dp);
	close(pidfd);
	if (ks->n == 0 && !err)
		snprintf(why, whylen, "process %d has no KVM vCPU statistics (TCG?)",
			 (int)pid);
	return ks->n ? (int)ks->n : err;
}
