// SPDX-License-Identifier: GPL-2.0-or-later
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "strbuf.h"

void sb_printf(struct strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		size_t room = sb->cap - sb->len;

		va_start(ap, fmt);
		n = vsnprintf(sb->buf ? sb->buf + sb->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if ((size_t)n < room) {
			sb->len += (size_t)n;
			return;
		}
		if (sb->cap * 2 + (size_t)n + 64 > STRBUF_MAX) {
			sb->truncated = true;
			return;
		}
		{
			size_t cap = sb->cap * 2 + (size_t)n + 64;
			char *nb = realloc(sb->buf, cap);

			if (!nb) {
				sb->truncated = true;
				return;
			}
			sb->buf = nb;
			sb->cap = cap;
		}
	}
}

void sb_free(struct strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
}
