/* store_quarantine.c - the quarantine's writes: one row per content, a
 * copy seen again counted on the row that holds it */
#include <stdint.h>
#include <stdio.h>

#include <openssl/evp.h>

#include "error.h"
#include "db.h"
#include "store_quarantine.h"
#include "store_stmt.h"

/* sha256_hex - hex SHA-256 of buf[0..len) into hex (65 bytes); -1 on error */
static int
sha256_hex(const unsigned char *buf, size_t len, char *hex)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;

	if (EVP_Digest(buf != NULL ? buf : (const unsigned char *)"", len, md,
	    &mdlen, EVP_sha256(), NULL) != 1 || mdlen != 32)
		return -1;
	for (i = 0; i < mdlen; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}

/* find_quarantined - the row holding raw, content or the report's key */
static enum tr_err
find_quarantined(struct tr_store *st, const char *raw_hex,
    const char *content_hex, const struct tr_quarantine_key *key,
    int64_t *id, struct tr_error *err)
{
	struct tr_stmt *find = st->stmt[S_FIND_QUARANTINE];
	int bad, found;

	*id = 0;
	bad = bt(find, 1, raw_hex);
	bad |= bt(find, 2, content_hex);
	bad |= bt(find, 3, key != NULL ? key->organization_name : NULL);
	bad |= bt(find, 4, key != NULL ? key->report_id : NULL);
	if (bad)
		return tr_store_bind_failed(st, "a quarantine lookup", err);
	return tr_store_step_to_end(st, find, "finding a quarantined message",
	    id, &found, err);
}


/* tr_store_put_quarantine - keep a message that is not a valid report */
enum tr_err
tr_store_put_quarantine(struct tr_store *st, const struct tr_origin *o,
    const unsigned char *raw, size_t rawlen, const char *reason_class,
    const char *reason, enum tr_put *result, int64_t *rowid,
    struct tr_error *err)
{
	return tr_store_put_quarantine_keyed(st, o, raw, rawlen, NULL,
	    reason_class, reason, result, rowid, err);
}

/* seen_again - quarantined row id arrived once more */
static enum tr_err
seen_again(struct tr_store *st, int64_t id, const char *received,
    const char *reason_class, const char *reason, struct tr_error *err)
{
	struct tr_stmt *stmt = st->stmt[S_SEEN_QUARANTINE];
	int bad;

	bad = bi(stmt, 1, id);
	bad |= bt(stmt, 2, received);
	bad |= bt(stmt, 3, reason_class);
	bad |= bt(stmt, 4, reason);
	if (bad)
		return tr_store_bind_failed(st, "a quarantine update", err);
	return tr_store_run(st, S_SEEN_QUARANTINE,
	    "counting a quarantined message", err);
}

/* bind_quarantine - a message, its origin o, the time received, the
 * reason, its hashes and its report's key into the quarantine INSERT; 1
 * when a bind fails */
static int
bind_quarantine(struct tr_store *st, const struct tr_origin *o,
    const unsigned char *raw, size_t rawlen,
    const struct tr_quarantine_key *key, const char *received,
    const char *reason_class, const char *reason, const char *hex,
    const char *content)
{
	static const struct tr_msgmeta nometa;
	struct tr_stmt *stmt = st->stmt[S_INS_QUARANTINE];
	const struct tr_msgmeta *m = o->meta != NULL ? o->meta : &nometa;
	int bad;

	/* The quarantine is the last resort: never lose a message for want
	 * of a label, so missing ones get a placeholder. */
	bad = bt(stmt, 1, received);
	bad |= bt(stmt, 2, tr_way_in_name(o->way_in));
	bad |= bt(stmt, 3, o->source);
	bad |= bt(stmt, 4, o->envelope_from);
	bad |= bt(stmt, 5, o->envelope_to);
	bad |= bt(stmt, 6, m->message_id);
	bad |= bt(stmt, 7, m->from);
	bad |= bt(stmt, 8, m->subject);
	bad |= bt(stmt, 9, reason_class);
	bad |= bt(stmt, 10, reason);
	/* A NULL pointer would bind SQL NULL; an empty message is x''. */
	bad |= tr_db_bind_blob(stmt, 11, raw != NULL ? raw :
	    (const unsigned char *)"", rawlen) != TR_OK;
	bad |= bt(stmt, 12, hex);
	bad |= bt(stmt, 13, content);
	/* the key only when whole: half of it would match nothing anyway */
	bad |= bt(stmt, 14, key != NULL && key->report_id != NULL ?
	    key->organization_name : NULL);
	bad |= bt(stmt, 15, key != NULL &&
	    key->organization_name != NULL ? key->report_id : NULL);
	bad |= bt(stmt, 16, st->instance);
	return bad;
}

/* tr_store_put_quarantine_keyed - one row per content: a new one, or the
 * earlier one seen once more */
enum tr_err
tr_store_put_quarantine_keyed(struct tr_store *st, const struct tr_origin *o,
    const unsigned char *raw, size_t rawlen,
    const struct tr_quarantine_key *key, const char *reason_class,
    const char *reason, enum tr_put *result, int64_t *rowid,
    struct tr_error *err)
{
	char hex[65];
	const char *content;
	char received[32];
	int64_t id;
	int found;

	if (tr_store_write_start(st, S_INS_QUARANTINE, o->received_at,
	    received, sizeof(received), err) != TR_OK)
		return TR_ERR_STORE;
	if (reason_class == NULL)
		reason_class = "unknown";
	if (reason == NULL)
		reason = "";

	/* the content hash makes a second copy of the same message (ingest run
	 * twice, a sender's retry, a gzip of it made at another time) the
	 * same row instead of a new one */
	if (sha256_hex(raw, rawlen, hex) == -1)
		return tr_error_set(err, TR_ERR_STORE, "%s: SHA-256 failed",
		    st->path);
	content = key != NULL && key->content_sha256 != NULL ?
	    key->content_sha256 : hex;
	if (find_quarantined(st, hex, content, key, &id, err) != TR_OK)
		return TR_ERR_STORE;
	if (id != 0)
		goto seen;

	if (bind_quarantine(st, o, raw, rawlen, key, received, reason_class,
	    reason, hex, content))
		return tr_store_bind_failed(st, "a quarantined message", err);
	if (tr_store_run_id(st, S_INS_QUARANTINE, "quarantining a message", &id,
	    &found, err) != TR_OK)
		return TR_ERR_STORE;
	if (found) {
		*rowid = id;
		if (result != NULL)
			*result = TR_PUT_STORED;
		return TR_OK;
	}
	/* another connection kept it between our look and our insert */
	if (find_quarantined(st, hex, content, key, &id, err) != TR_OK)
		return TR_ERR_STORE;
	if (id == 0)
		return tr_error_set(err, TR_ERR_STORE, "%s: quarantining a "
		    "message: a unique key holds it but no row matches",
		    st->path);
seen:
	if (seen_again(st, id, received, reason_class, reason, err) != TR_OK)
		return TR_ERR_STORE;
	*rowid = id;
	if (result != NULL)
		*result = TR_PUT_DUPLICATE;
	return TR_OK;
}
