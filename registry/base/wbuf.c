/* wbuf.c - bounded writer. */
#include "base/wbuf.h"

#include <stdio.h>
#include <stdlib.h>

void
wbuf_init(struct wbuf *w, void *buf, size_t cap)
{
	w->p = buf;
	w->len = 0;
	w->cap = cap;
	w->max = cap;
	w->err = IDR_OK;
	w->heap = false;
}

void
wbuf_init_heap(struct wbuf *w, size_t max)
{
	w->p = NULL;
	w->len = 0;
	w->cap = 0;
	w->max = max;
	w->err = IDR_OK;
	w->heap = true;
}

void
wbuf_deinit(struct wbuf *w)
{
	if (w == NULL) {
		return;
	}
	if (w->heap) {
		free(w->p);
	}
	w->p = NULL;
	w->len = w->cap = 0;
}

bool
wbuf_grow(struct wbuf *w, size_t n)
{
	size_t want, ncap;
	uint8_t *np;

	if (w->err != IDR_OK) {
		return false;
	}
	if (n <= w->cap - w->len) {
		return true;
	}
	if (!w->heap || n > w->max - w->len) {
		w->err = IDR_ETOOBIG;
		return false;
	}
	want = w->len + n;
	ncap = w->cap < 256 ? 256 : w->cap;
	if (ncap > w->max) {
		ncap = w->max; /* a max below the first allocation size is still the limit */
	}
	while (ncap < want) {
		ncap = ncap > w->max / 2 ? w->max : ncap * 2;
	}
	np = realloc(w->p, ncap);
	if (np == NULL) {
		w->err = IDR_ENOMEM;
		return false;
	}
	w->p = np;
	w->cap = ncap;
	return true;
}

void
wbuf_patch_u32(struct wbuf *w, size_t off, uint32_t v)
{
	if (w->err != IDR_OK || off > w->len || w->len - off < 4) {
		return;
	}
	w->p[off] = (uint8_t)(v >> 24);
	w->p[off + 1] = (uint8_t)(v >> 16);
	w->p[off + 2] = (uint8_t)(v >> 8);
	w->p[off + 3] = (uint8_t)v;
}

void
wbuf_vprintf(struct wbuf *w, const char *fmt, va_list ap)
{
	va_list aq;
	size_t room, want;
	char *dst, *tmp;
	int n;

	if (w->err != IDR_OK) {
		return;
	}
	room = w->cap - w->len;
	dst = room > 0 ? (char *)w->p + w->len : NULL;
	va_copy(aq, ap);
	/* clang-tidy 14 reports aq as uninitialised when it analyses several files in one run */
	n = vsnprintf(dst, room, fmt, aq); // NOLINT(clang-analyzer-valist.Uninitialized)
	va_end(aq);
	if (n < 0) {
		w->err = IDR_EINVAL;
		return;
	}
	if ((size_t)n < room || n == 0) {
		w->len += (size_t)n;
		return;
	}
	want = (size_t)n;
	if (!wbuf_reserve(w, want)) {
		return;
	}
	if (w->cap - w->len > want) {
		n = vsnprintf((char *)w->p + w->len, want + 1, fmt, ap);
	} else {
		/* the text fills the buffer exactly and vsnprintf always writes a NUL after it:
		 * format elsewhere rather than refuse text that fits */
		tmp = malloc(want + 1);
		if (tmp == NULL) {
			w->err = IDR_ENOMEM;
			return;
		}
		n = vsnprintf(tmp, want + 1, fmt, ap);
		if (n >= 0 && (size_t)n == want) {
			memcpy(w->p + w->len, tmp, want);
		}
		free(tmp);
	}
	if (n < 0 || (size_t)n != want) {
		w->err = IDR_EINVAL;
		return;
	}
	w->len += want;
}

void
wbuf_printf(struct wbuf *w, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	wbuf_vprintf(w, fmt, ap);
	va_end(ap);
}

void
wbuf_terminate(struct wbuf *w)
{
	if (wbuf_reserve(w, 1)) {
		w->p[w->len] = '\0';
	}
}

uint8_t *
wbuf_steal(struct wbuf *w, size_t *len)
{
	uint8_t *p = w->p;

	if (len != NULL) {
		*len = w->len;
	}
	w->p = NULL;
	w->len = w->cap = 0;
	return p;
}
