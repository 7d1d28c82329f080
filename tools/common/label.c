/* label.c - QR (libqrencode) and GS1 DataMatrix (libzint) symbols written as PNG (libpng). */
#include "common/label.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <png.h>
#include <qrencode.h>
#include <zint.h>

#include "base/err.h"

#define QR_QUIET ((size_t)4) /* modules of white around a QR code (ISO/IEC 18004) */

static int fail(char *err, size_t errlen, int rc, const char *fmt, ...) IDR_PRINTF(4, 5);

static int
fail(char *err, size_t errlen, int rc, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		// NOLINTNEXTLINE(clang-analyzer-valist.Uninitialized)
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return rc;
}

/* An 8-bit greyscale raster, 0 = black, 255 = white. */
struct raster {
	uint8_t *px;
	size_t w, h;
};

static int
raster_new(struct raster *r, size_t w, size_t h)
{
	r->w = w;
	r->h = h;
	r->px = (w == 0 || h == 0 || w > 100000 || h > 100000) ? NULL : malloc(w * h);
	if (r->px == NULL) {
		return IDR_ENOMEM;
	}
	memset(r->px, 255, w * h);
	return IDR_OK;
}

/* Write r to path: open first (so an unwritable path is reported with its errno), remove the
 * file again when libpng fails. */
static int
raster_write_png(const struct raster *r, const char *path, char *err, size_t errlen)
{
	png_image img;
	FILE *f = fopen(path, "wb");
	int e;

	if (f == NULL) {
		e = errno;
		return fail(err, errlen, -e, "cannot write %s: %s", path, strerror(e));
	}
	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	img.width = (png_uint_32)r->w;
	img.height = (png_uint_32)r->h;
	img.format = PNG_FORMAT_GRAY;
	if (!png_image_write_to_stdio(&img, f, 0, r->px, (png_int_32)r->w, NULL)) {
		fclose(f);
		unlink(path);
		return fail(err, errlen, IDR_EIO, "cannot write %s: %s", path, img.message);
	}
	png_image_free(&img);
	if (fclose(f) != 0) {
		e = errno;
		unlink(path);
		return fail(err, errlen, -e, "cannot write %s: %s", path, strerror(e));
	}
	return IDR_OK;
}

static void
raster_module(struct raster *r, size_t x, size_t y)
{
	size_t i, j;

	for (i = 0; i < LABEL_PX_PER_MOD; i++) {
		for (j = 0; j < LABEL_PX_PER_MOD; j++) {
			r->px[(y * LABEL_PX_PER_MOD + i) * r->w + x * LABEL_PX_PER_MOD + j] = 0;
		}
	}
}

int
label_qr_png(const char *text, size_t len, const char *path, char *err, size_t errlen)
{
	char *s;
	QRcode *qr;
	struct raster r = {NULL, 0, 0};
	size_t x, y, side;
	int rc;

	if (len == 0 || memchr(text, '\0', len) != NULL) {
		return fail(err, errlen, IDR_EPROTO, "nothing to encode (empty or a NUL byte)");
	}
	if (len > LABEL_MAX_TEXT) {
		return fail(err, errlen, IDR_ETOOBIG, "%zu bytes: more than a label holds (%d)",
		            len, LABEL_MAX_TEXT);
	}
	if ((s = malloc(len + 1)) == NULL) {
		return IDR_ENOMEM;
	}
	memcpy(s, text, len);
	s[len] = '\0';
	errno = 0;
	qr = QRcode_encodeString(s, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	free(s);
	if (qr == NULL) {
		return errno == ENOMEM ? IDR_ENOMEM
		                       : fail(err, errlen, IDR_ETOOBIG,
		                              "%zu bytes do not fit in a QR code", len);
	}
	side = (size_t)qr->width + 2 * QR_QUIET;
	rc = raster_new(&r, side * LABEL_PX_PER_MOD, side * LABEL_PX_PER_MOD);
	for (y = 0; rc == IDR_OK && y < (size_t)qr->width; y++) {
		for (x = 0; x < (size_t)qr->width; x++) {
			if (qr->data[y * (size_t)qr->width + x] & 1) {
				raster_module(&r, x + QR_QUIET, y + QR_QUIET);
			}
		}
	}
	QRcode_free(qr);
	if (rc == IDR_OK) {
		rc = raster_write_png(&r, path, err, errlen);
	}
	free(r.px);
	return rc;
}

/* Cheap triage before zint: "(AI)..." in printable ASCII, bounded. */
static int
hri_check(const char *hri, char *err, size_t errlen)
{
	size_t len = strnlen(hri, LABEL_MAX_GS1 + 1), i;

	if (len == 0 || hri[0] != '(') {
		return fail(
		        err, errlen, IDR_EPROTO,
		        "a GS1 element string starts with '(AI)', e.g. (01)06901234567892(21)1");
	}
	if (len > LABEL_MAX_GS1) {
		return fail(err, errlen, IDR_ETOOBIG, "the element string is longer than %d bytes",
		            LABEL_MAX_GS1);
	}
	for (i = 0; i < len; i++) {
		if (hri[i] < 0x20 || hri[i] > 0x7e) {
			return fail(err, errlen, IDR_EPROTO,
			            "byte %zu of the element string is not printable ASCII", i + 1);
		}
	}
	return IDR_OK;
}

/* zint's bitmap is RGB, one pixel per byte triple, at symbol->scale (2 = 4 px per module). */
static int
zint_raster(const struct zint_symbol *sym, struct raster *r)
{
	size_t i, n;
	int rc = raster_new(r, (size_t)sym->bitmap_width, (size_t)sym->bitmap_height);

	if (rc != IDR_OK) {
		return rc;
	}
	n = r->w * r->h;
	for (i = 0; i < n; i++) {
		r->px[i] = sym->bitmap[i * 3] < 128 ? 0 : 255;
	}
	return IDR_OK;
}

int
label_gs1_datamatrix_png(const char *hri, const char *path, char *err, size_t errlen)
{
	struct zint_symbol *sym;
	struct raster r = {NULL, 0, 0};
	int rc = hri_check(hri, err, errlen), zrc;

	if (rc != IDR_OK) {
		return rc;
	}
	if ((sym = ZBarcode_Create()) == NULL) {
		return IDR_ENOMEM;
	}
	sym->symbology = BARCODE_DATAMATRIX;
	sym->input_mode = GS1_MODE | GS1PARENS_MODE;
	sym->warn_level = WARN_FAIL_ALL;
	sym->output_options |= BARCODE_QUIET_ZONES;
	sym->scale = LABEL_PX_PER_MOD / 2.0f;
	zrc = ZBarcode_Encode(sym, (const unsigned char *)hri, (int)strlen(hri));
	if (zrc >= ZINT_ERROR) {
		rc = fail(err, errlen, zrc == ZINT_ERROR_TOO_LONG ? IDR_ETOOBIG : IDR_EPROTO,
		          "%s: %s", hri, sym->errtxt);
		goto sym_free;
	}
	zrc = ZBarcode_Buffer(sym, 0);
	if (zrc >= ZINT_ERROR) {
		rc = zrc == ZINT_ERROR_MEMORY ? IDR_ENOMEM
		                              : fail(err, errlen, IDR_EIO, "zint: %s", sym->errtxt);
		goto sym_free;
	}
	rc = zint_raster(sym, &r);
	if (rc == IDR_OK) {
		rc = raster_write_png(&r, path, err, errlen);
	}
	free(r.px);
sym_free:
	ZBarcode_Delete(sym);
	return rc;
}
