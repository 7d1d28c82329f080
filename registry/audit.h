/*
 * audit.h - proof that nothing in a registry was altered or removed behind the journal's back.
 *
 * audit_verify makes five passes over one read snapshot and reports the first problem found:
 * When the journal was folded (jrn.h "checkpoint and fold") the passes start at the checkpoint:
 * the first kept entry must be checkpoint seq + 1 and link to the checkpoint hash, records last
 * written at or before the checkpoint are only checked to be well formed (counted in
 * out->unchecked), and pass 4 adds the creates/deletes the checkpoint carries.
 *  1. chain: seqs 1, 2, 3 ... (or checkpoint + 1 ...) without gaps, each entry well formed (format,
 * op, lengths), its change hash recomputed, its prev_hash equal to the hash of the entry before,
 * and the last entry equal to meta "jrn_head" (seq and hash: a truncated tail is detected);
 *  2. records -> journal: every record in `handles` names (header seq) an entry that wrote
 *     this identifier (folded) with exactly the stored bytes as payload;
 *  3. journal -> records: no record is older than a later change or delete of its identifier
 *     (a record restored from an old copy still matches its old entry, pass 2 cannot see it);
 *  4. the number of records equals creates - deletes in the journal (a record removed behind
 *     the journal's back; bad_seq is 0 as no single entry is at fault);
 *  5. the `stats` counters equal the records counted per (prefix, kind) (bad_seq 0).
 * Thread-safe as a read transaction is: it may run while the registry is written.
 */
#ifndef IDR_REGISTRY_AUDIT_H
#define IDR_REGISTRY_AUDIT_H

#include <stdint.h>

#include "reg.h"

struct audit_report {
	uint64_t entries;      /* journal entries checked */
	uint64_t records;      /* records cross-checked against the journal */
	uint64_t bad_seq;      /* first broken entry (0 when the chain verifies) */
	char reason[256];      /* what is wrong with it */
	uint8_t head[32];      /* hash of the last entry */
	uint64_t ckpt_seq;     /* checkpoint the chain was verified from (0: from entry 1) */
	uint64_t ckpt_fold_ms; /* when that checkpoint was written */
	uint64_t unchecked;    /* records last written at or before the checkpoint */
};

/**
 * Verify the journal: recompute every change hash and the chain of entry hashes, check the
 * sequence has no gap and ends at the recorded head, then cross-check every stored record
 * against the journal entry that last wrote it and the live-record count against the journal.
 * @return IDR_OK (intact) or IDR_EJOURNAL with out->bad_seq/reason set; other codes for I/O.
 */
int audit_verify(struct reg *r, struct audit_report *out) IDR_MUSTCHECK;

#endif /* IDR_REGISTRY_AUDIT_H */
