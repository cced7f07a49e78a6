// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "log.h"

enum log_level log_threshold = LOG_INFO;

void log_msg(enum log_level level, const char *fmt, ...)
{
	static const char *const names[] = { "error", "warn", "info", "debug" };
	char line[512];
	va_list ap;

	if (level > log_threshold)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* One write per line, so lines from a crash-restart do not interleave. */
	fprintf(stderr, "pvrcud[%d]: %s: %s\n", (int)getpid(), names[level], line);
}
