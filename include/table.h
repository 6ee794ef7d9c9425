/* table.h - result rows and their one writer: aligned table, JSON or CSV */
#ifndef TR_TABLE_H
#define TR_TABLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct json_object;

enum tr_format {
	TR_FORMAT_TABLE,	/* aligned for a terminal */
	TR_FORMAT_JSON,		/* an array of objects (json-c) */
	TR_FORMAT_CSV,		/* RFC 4180: header line, CRLF, quoted as needed */
};

/* What a column holds, which decides how each format writes it. */
enum tr_col_kind {
	TR_COL_TEXT,		/* left-aligned */
	TR_COL_INT,		/* right-aligned integer */
	TR_COL_RATE,		/* a fraction 0..1: "12.34%" in a table, 0.1234 elsewhere */
};

struct tr_column {
	const char *name;	/* the header, JSON key and CSV field name */
	enum tr_col_kind kind;
	unsigned max_width;	/* table format: longer text is cut with "…"; 0 = never */
};

struct tr_table;

/* tr_table_new - an empty table with ncols columns (cols must outlive it);
 * NULL when out of memory */
struct tr_table *tr_table_new(const struct tr_column *cols, size_t ncols);

void tr_table_free(struct tr_table *t);

/*
 * Filling: tr_table_row starts a row, then one call per column in order.
 * Text is copied. A row with fewer cells is padded with nulls. Out of memory
 * is remembered: the calls return -1 and so does every later write.
 */
int tr_table_row(struct tr_table *t);
int tr_table_text(struct tr_table *t, const char *s);	/* NULL: null */
int tr_table_textn(struct tr_table *t, const char *s, size_t len);
int tr_table_int(struct tr_table *t, int64_t v);
int tr_table_real(struct tr_table *t, double v);
int tr_table_null(struct tr_table *t);

/* tr_table_nrows - rows added so far */
size_t tr_table_nrows(const struct tr_table *t);

/* tr_table_cell_text - the text of cell (row, col), NULL when it is not text */
const char *tr_table_cell_text(const struct tr_table *t, size_t row,
    size_t col);

/* tr_table_cell_int - *v = cell (row, col) when it holds an integer: 0,
 * else -1 */
int tr_table_cell_int(const struct tr_table *t, size_t row, size_t col,
    int64_t *v);

/* tr_table_cell_num - *v = cell (row, col) when it holds a number (integer
 * or real): 0, else -1 (null, text, out of range) */
int tr_table_cell_num(const struct tr_table *t, size_t row, size_t col,
    double *v);

/* tr_table_col_index - the index of the column called name, -1 if none */
int tr_table_col_index(const struct tr_table *t, const char *name);

/* tr_table_text_at - the text of the column called name in row r; NULL
 * when there is no such column or the cell is not text */
const char *tr_table_text_at(const struct tr_table *t, size_t r,
    const char *name);

/* tr_table_int_at - the integer of the column called name in row r; 0 when
 * there is no such column or the cell is not an integer */
int64_t tr_table_int_at(const struct tr_table *t, size_t r, const char *name);

/* tr_table_drop_last - forget the last row (a query's one-too-many probe) */
void tr_table_drop_last(struct tr_table *t);

/*
 * tr_table_write - every row in format f. A table has a header, a rule and
 * one line per row, text left- and numbers right-aligned by display width
 * (UTF-8 aware: wide characters count two columns, combining marks none);
 * control characters and invalid UTF-8 are shown escaped (\n, \x1b) so
 * that no cell can move the cursor. JSON strings are valid UTF-8 (invalid
 * bytes become U+FFFD). Returns 0, or -1 on a write error or an earlier
 * allocation failure.
 */
int tr_table_write(const struct tr_table *t, enum tr_format f, FILE *out);

/*
 * tr_table_write_record - the first row as "name  value" lines, one per
 * column (table format, for one record's details); -1 as tr_table_write.
 */
int tr_table_write_record(const struct tr_table *t, FILE *out);

/* tr_table_json - the rows as a JSON array of objects (new reference), or
 * NULL when out of memory */
struct json_object *tr_table_json(const struct tr_table *t);

/* tr_table_json_row - row i as a JSON object (new reference), or NULL */
struct json_object *tr_table_json_row(const struct tr_table *t, size_t i);

/* tr_format_parse - "table", "json" or "csv"; -1 for anything else */
int tr_format_parse(const char *s, enum tr_format *f);

/* tr_json_string - a json-c string of s[0..len) with invalid UTF-8
 * replaced by U+FFFD (new reference, NULL when out of memory) */
struct json_object *tr_json_string(const char *s, size_t len);

#endif
