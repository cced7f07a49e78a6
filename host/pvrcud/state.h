/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The registration, kept on disk so that a restarted pvrcud can resume
 * serving the same VM: the guest's region and the QEMU process it
 * belongs to (pid and start time, so a new VM never inherits it).
 */
#ifndef PVRCUD_STATE_H
#define PVRCUD_STATE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

struct pvrcud_state {
	pid_t qemu_pid;
	uint64_t qemu_start;		/* /proc/PID/stat start time */
	uint64_t gpa, len;
	uint32_t ncpus;
};

/* The start time of process @pid, or 0 if it cannot be read. */
uint64_t state_proc_start(pid_t pid);

int state_save(const char *path, const struct pvrcud_state *s);
/* 0 and @s filled, -ENOENT if there is none, -EINVAL if it is garbage. */
int state_load(const char *path, struct pvrcud_state *s);
void state_remove(const char *path);

#endif
