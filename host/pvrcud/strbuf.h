/* SPDX-License-Identifier: GPL-2.0-or-later */
/* A growable text buffer for control-socket replies (bounded). */
#ifndef PVRCUD_STRBUF_H
#define PVRCUD_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

#define STRBUF_MAX (1u << 20)

struct strbuf {
	char *buf;
	size_t len, cap;
	bool truncated;
};

void sb_printf(struct strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void sb_free(struct strbuf *sb);

#endif
