/*
 * hdl_admin.h - Handle codec for administration answers (ref/handle.md §3.3, §2.3): the
 * CREATE_HANDLE answer with the created handle and LIST_HANDLES answers (a stream of messages
 * joined by the CN flag), with their client-side decoders.
 *
 * The admin request bodies are in hdl.h and shared by both sides:
 *   CREATE_HANDLE / ADD_VALUE / MODIFY_VALUE  hdl_values_req_parse / hdl_req_values_encode
 *   REMOVE_VALUE                              hdl_remove_req_parse / hdl_req_remove_encode
 *   DELETE_HANDLE, LIST_HANDLES (prefix handle "0.NA/<prefix>"), SESSION_TERMINATE
 *                                             hdl_handle_req_parse / hdl_req_handle_encode
 *   success without a body beyond [RD]        hdl_resp_generic
 * Same conventions as hdl.h: bounded parsers over struct rbuf returning borrowed slices,
 * encoders appending to struct wbuf; reentrant, no globals.
 */
#ifndef IDR_RESOLVER_HDL_HDL_ADMIN_H
#define IDR_RESOLVER_HDL_HDL_ADMIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/err.h"
#include "base/rbuf.h"
#include "base/slice.h"
#include "base/wbuf.h"
#include "hdl/hdl.h"

/* Handles per LIST_HANDLES answer message in Handle.Net (HandleServer.LIST_HANDLES_PER_MSG). */
#define HDL_LIST_HANDLES_PER_MSG 50

/**
 * CREATE_HANDLE success: `[RD]` then, if handle is non-NULL, `UTF8 handle` (Handle.Net 9
 * always sends the created handle, so a client learns a minted name; an empty body decodes
 * as "no handle").
 * @return IDR_OK, IDR_ELIMIT (handle > 2048), IDR_ETOOBIG or IDR_ECRYPTO.
 */
int hdl_admin_create_resp_encode(struct wbuf *w, const struct hdl_msg *req,
                                 const struct slice *handle,
                                 const struct hdl_resp_opts *opts) IDR_MUSTCHECK;

/**
 * Decode a CREATE_HANDLE success body after hdl_resp_open: nothing (present = false) or one
 * UTF8 handle (<= 2048) and nothing after it.
 * @return IDR_OK, IDR_EPROTO or IDR_ELIMIT.
 */
int hdl_admin_create_resp_parse(struct rbuf *rest, struct slice *handle,
                                bool *present) IDR_MUSTCHECK;

/**
 * One LIST_HANDLES answer message: `[RD] int4 n, n x UTF8 handle`. Handle.Net streams the
 * list as messages of HDL_LIST_HANDLES_PER_MSG handles, each with CN set except the last (an
 * empty list is one message with n = 0); every message repeats the request's ids and RD.
 * @param handles  n handles (NULL only with n == 0), each <= 2048 bytes.
 * @param more     another message follows: sets HDL_FLAG_CN.
 * @return IDR_OK, IDR_EINVAL, IDR_ELIMIT (a handle too long, message over 262144), IDR_ETOOBIG
 *         or IDR_ECRYPTO.
 */
int hdl_admin_list_resp_encode(struct wbuf *w, const struct hdl_msg *req,
                               const struct slice *handles, size_t n, bool more,
                               const struct hdl_resp_opts *opts) IDR_MUSTCHECK;

/** A validated list of handles in a LIST_HANDLES answer; walk it with hdl_admin_list_next. */
struct hdl_admin_handle_list {
	uint32_t count;
	struct slice handles; /* count UTF8-Strings */
	bool more;            /* the message had CN: another message follows */
};

/**
 * Decode one LIST_HANDLES answer body after hdl_resp_open: int4 count (checked against the
 * bytes left), count UTF8 handles (each <= 2048), nothing after them.
 * @param m  the parsed response (for the CN flag).
 * @return IDR_OK, IDR_EPROTO or IDR_ELIMIT.
 */
int hdl_admin_list_resp_parse(const struct hdl_msg *m, struct rbuf *rest,
                              struct hdl_admin_handle_list *out) IDR_MUSTCHECK;

/**
 * Next handle of a list from hdl_admin_list_resp_parse. Initialise the reader with
 * rbuf_init(&r, list.handles.p, list.handles.len).
 * @return IDR_OK, IDR_ENOENT (no more) or IDR_EPROTO.
 */
int hdl_admin_list_next(struct rbuf *r, struct slice *handle) IDR_MUSTCHECK;

#endif /* IDR_RESOLVER_HDL_HDL_ADMIN_H */
