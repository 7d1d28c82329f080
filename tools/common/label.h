/*
 * label.h - label symbols as PNG files: a QR code (libqrencode, byte mode, error correction
 * level M) carrying any text, typically the node URL of an item, and a GS1 DataMatrix (libzint,
 * ECC 200 with FNC1 first) carrying a GS1 element string. The one module that includes the
 * headers of libqrencode, libzint and libpng (tests/lint/includes.py keeps it so).
 *
 * Symbols are drawn 4 pixels per module with the quiet zone of the symbology (4 modules for QR,
 * 1 for DataMatrix as zint draws it), black on white, 8-bit greyscale. zint validates the
 * element string as `zint --gs1 --werror` does: AI table, lengths, check digits, dates, CSET 82.
 * Each call allocates and frees its own symbol and raster; no state is shared between calls.
 */
#ifndef IDR_TOOLS_COMMON_LABEL_H
#define IDR_TOOLS_COMMON_LABEL_H

#include <stddef.h>

#define LABEL_ERR_LEN    200
#define LABEL_MAX_TEXT   2048 /* bytes of QR content (a QR 40-M holds 2331) */
#define LABEL_MAX_GS1    256  /* bytes of a human-readable element string */
#define LABEL_PX_PER_MOD 4

/**
 * Write a QR code of text[0..len) to the PNG file path (created or truncated, mode 0666 less
 * umask).
 * @return IDR_OK; IDR_EPROTO (empty, or a NUL in text); IDR_ETOOBIG (longer than
 *         LABEL_MAX_TEXT or than a QR symbol holds); IDR_ENOMEM; a system error (-errno) or
 *         IDR_EIO when the file cannot be written (nothing is left behind). err says why.
 */
int label_qr_png(const char *text, size_t len, const char *path, char *err, size_t errlen);

/**
 * Write a GS1 DataMatrix of the element string hri, in the human-readable form
 * "(01)06901234567892(21)SN0001", to the PNG file path.
 * @return IDR_OK; IDR_EPROTO (not "(AI)value..." text of printable ASCII, or zint refuses it:
 *         err holds zint's message, e.g. "AI (01) position 14: Bad checksum '3', expected '2'");
 *         IDR_ETOOBIG; IDR_ENOMEM; a system error or IDR_EIO for the file, as label_qr_png.
 */
int label_gs1_datamatrix_png(const char *hri, const char *path, char *err, size_t errlen);

#endif /* IDR_TOOLS_COMMON_LABEL_H */
