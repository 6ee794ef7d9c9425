/* table.c - result rows written as an aligned table, JSON (json-c) or CSV */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "html.h"
#include "log.h"
#include "table.h"
#include "term_text.h"

enum cell_type { C_NULL, C_TEXT, C_INT, C_REAL };

struct cell {
	enum cell_type type;
	union {
		char *s;
		int64_t i;
		double d;
	} v;
	size_t len;		/* of text */
};

struct tr_table {
	const struct tr_column *cols;
	size_t ncols;
	struct cell *cells;	/* nrows * ncols */
	size_t nrows, cap;	/* rows */
	size_t next;		/* next column of the last row */
	int failed;		/* an allocation failed */
};

/* tr_table_new - an empty table */
struct tr_table *
tr_table_new(const struct tr_column *cols, size_t ncols)
{
	struct tr_table *t;

	if ((t = calloc(1, sizeof(*t))) == NULL)
		return NULL;
	t->cols = cols;
	t->ncols = ncols;
	t->next = ncols;
	return t;
}

static void
cell_clear(struct cell *c)
{
	if (c->type == C_TEXT)
		free(c->v.s);
	memset(c, 0, sizeof(*c));
}

void
tr_table_free(struct tr_table *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->nrows * t->ncols; i++)
		cell_clear(&t->cells[i]);
	free(t->cells);
	free(t);
}

/* tr_table_row - start a row of nulls */
int
tr_table_row(struct tr_table *t)
{
	struct cell *c;
	size_t cap;

	if (t->failed)
		return -1;
	if (t->nrows == t->cap) {
		cap = t->cap ? t->cap * 2 : 16;
		c = reallocarray(t->cells, cap, t->ncols * sizeof(*c));
		if (c == NULL) {
			t->failed = 1;
			return -1;
		}
		t->cells = c;
		t->cap = cap;
	}
	memset(&t->cells[t->nrows * t->ncols], 0, t->ncols * sizeof(*c));
	t->nrows++;
	t->next = 0;
	return 0;
}

/* next_cell - the cell the next value goes in, or NULL when out of memory
 * before; a value outside a row is the caller's bug, not a memory shortage */
static struct cell *
next_cell(struct tr_table *t)
{
	if (t->failed)
		return NULL;
	if (t->nrows == 0 || t->next >= t->ncols)
		fatalx("table: a value past the last of %zu columns (row %zu)",
		    t->ncols, t->nrows);
	return &t->cells[(t->nrows - 1) * t->ncols + t->next++];
}

int
tr_table_textn(struct tr_table *t, const char *s, size_t len)
{
	struct cell *c;

	if ((c = next_cell(t)) == NULL)
		return -1;
	if (s == NULL)
		return 0;
	if ((c->v.s = malloc(len + 1)) == NULL) {
		t->failed = 1;
		return -1;
	}
	memcpy(c->v.s, s, len);
	c->v.s[len] = '\0';
	c->len = len;
	c->type = C_TEXT;
	return 0;
}

int
tr_table_text(struct tr_table *t, const char *s)
{
	return tr_table_textn(t, s, s != NULL ? strlen(s) : 0);
}

int
tr_table_int(struct tr_table *t, int64_t v)
{
	struct cell *c;

	if ((c = next_cell(t)) == NULL)
		return -1;
	c->type = C_INT;
	c->v.i = v;
	return 0;
}

int
tr_table_real(struct tr_table *t, double v)
{
	struct cell *c;

	if ((c = next_cell(t)) == NULL)
		return -1;
	c->type = C_REAL;
	c->v.d = v;
	return 0;
}

int
tr_table_null(struct tr_table *t)
{
	return next_cell(t) == NULL ? -1 : 0;
}

size_t
tr_table_nrows(const struct tr_table *t)
{
	return t->nrows;
}

/* tr_table_cell_text - a text cell's value */
const char *
tr_table_cell_text(const struct tr_table *t, size_t row, size_t col)
{
	const struct cell *c;

	if (row >= t->nrows || col >= t->ncols)
		return NULL;
	c = &t->cells[row * t->ncols + col];
	return c->type == C_TEXT ? c->v.s : NULL;
}

/* tr_table_cell_int - an integer cell */
int
tr_table_cell_int(const struct tr_table *t, size_t row, size_t col,
    int64_t *v)
{
	const struct cell *c;

	if (row >= t->nrows || col >= t->ncols)
		return -1;
	c = &t->cells[row * t->ncols + col];
	if (c->type != C_INT)
		return -1;
	*v = c->v.i;
	return 0;
}

/* tr_table_cell_num - an integer or real cell as a double */
int
tr_table_cell_num(const struct tr_table *t, size_t row, size_t col,
    double *v)
{
	const struct cell *c;

	if (row >= t->nrows || col >= t->ncols)
		return -1;
	c = &t->cells[row * t->ncols + col];
	if (c->type == C_INT)
		*v = (double)c->v.i;
	else if (c->type == C_REAL)
		*v = c->v.d;
	else
		return -1;
	return 0;
}

/* tr_table_col_index - find a column by name */
int
tr_table_col_index(const struct tr_table *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->ncols; i++)
		if (strcmp(t->cols[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* tr_table_text_at - the text of column name in row r, or NULL */
const char *
tr_table_text_at(const struct tr_table *t, size_t r, const char *name)
{
	int c = tr_table_col_index(t, name);

	return c >= 0 ? tr_table_cell_text(t, r, (size_t)c) : NULL;
}

/* tr_table_int_at - the integer of column name in row r, or 0 */
int64_t
tr_table_int_at(const struct tr_table *t, size_t r, const char *name)
{
	int c = tr_table_col_index(t, name);
	int64_t v = 0;

	if (c >= 0)
		tr_table_cell_int(t, r, (size_t)c, &v);
	return v;
}

/* tr_table_drop_last - forget the last row */
void
tr_table_drop_last(struct tr_table *t)
{
	size_t i;

	if (t->nrows == 0)
		return;
	t->nrows--;
	for (i = 0; i < t->ncols; i++)
		cell_clear(&t->cells[t->nrows * t->ncols + i]);
	t->next = t->ncols;
}

/* tr_format_parse - the --format names */
int
tr_format_parse(const char *s, enum tr_format *f)
{
	if (strcmp(s, "table") == 0)
		*f = TR_FORMAT_TABLE;
	else if (strcmp(s, "json") == 0)
		*f = TR_FORMAT_JSON;
	else if (strcmp(s, "csv") == 0)
		*f = TR_FORMAT_CSV;
	else
		return -1;
	return 0;
}

/* rate_text - a fraction for JSON and CSV: up to six decimals, no zeros
 * trailing ("0.053828", "1", "0") */
static void
rate_text(double d, char *buf, size_t sz)
{
	size_t n;

	snprintf(buf, sz, "%.6f", d);
	if (strchr(buf, '.') == NULL)
		return;
	n = strlen(buf);
	while (n > 0 && buf[n - 1] == '0')
		buf[--n] = '\0';
	if (n > 0 && buf[n - 1] == '.')
		buf[--n] = '\0';
	if (strcmp(buf, "-0") == 0)
		strcpy(buf, "0");
}

/* plain_text - a cell as text for the table and CSV; NULL for a null */
static const char *
plain_text(const struct tr_column *col, const struct cell *c, char *buf,
    size_t sz, int table, size_t *len)
{
	switch (c->type) {
	case C_NULL:
		*len = table ? 1 : 0;
		return table ? "-" : NULL;
	case C_TEXT:
		*len = c->len;
		return c->v.s;
	case C_INT:
		snprintf(buf, sz, "%" PRId64, c->v.i);
		break;
	case C_REAL:
		if (col->kind == TR_COL_RATE && table)
			snprintf(buf, sz, "%.2f%%", c->v.d * 100.0);
		else if (table)
			snprintf(buf, sz, "%.2f", c->v.d);
		else
			rate_text(c->v.d, buf, sz);
		break;
	}
	*len = strlen(buf);
	return buf;
}

/* right_aligned - numbers line up on the right */
static int
right_aligned(const struct tr_column *col)
{
	return col->kind == TR_COL_INT || col->kind == TR_COL_RATE;
}

/* put_padded - s (of width w) in a field of width fw */
static void
put_padded(FILE *out, const char *s, size_t w, size_t fw, int right, int last)
{
	size_t i;

	if (right)
		for (i = w; i < fw; i++)
			fputc(' ', out);
	fputs(s, out);
	if (!right && !last)
		for (i = w; i < fw; i++)
			fputc(' ', out);
}

/* write_table - header, rule, aligned rows */
static int
write_table(const struct tr_table *t, FILE *out)
{
	struct tr_buf b = { 0 };
	char **txt = NULL;
	size_t *w = NULL, *fw = NULL, r, c, k, len, n = t->nrows * t->ncols;
	const struct cell *cell;
	const char *s;
	char num[64];
	int rc = -1;

	if ((txt = calloc(n + 1, sizeof(*txt))) == NULL ||
	    (w = calloc(n + 1, sizeof(*w))) == NULL ||
	    (fw = calloc(t->ncols + 1, sizeof(*fw))) == NULL)
		goto out;
	for (c = 0; c < t->ncols; c++)
		fw[c] = tr_term_width(t->cols[c].name, strlen(t->cols[c].name));
	for (r = 0; r < t->nrows; r++)
		for (c = 0; c < t->ncols; c++) {
			k = r * t->ncols + c;
			cell = &t->cells[k];
			s = plain_text(&t->cols[c], cell, num, sizeof(num), 1,
			    &len);
			tr_term_render(s, len, cell->type == C_TEXT ?
			    t->cols[c].max_width : 0, &b, &w[k]);
			if (b.oom || (txt[k] = strdup(b.p)) == NULL)
				goto out;
			if (w[k] > fw[c])
				fw[c] = w[k];
		}
	for (c = 0; c < t->ncols; c++) {
		if (c > 0)
			fputs("  ", out);
		put_padded(out, t->cols[c].name, tr_term_width(t->cols[c].name,
		    strlen(t->cols[c].name)), fw[c], right_aligned(&t->cols[c]),
		    c + 1 == t->ncols);
	}
	fputc('\n', out);
	for (c = 0; c < t->ncols; c++) {
		if (c > 0)
			fputs("  ", out);
		for (k = 0; k < fw[c]; k++)
			fputc('-', out);
	}
	fputc('\n', out);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			k = r * t->ncols + c;
			if (c > 0)
				fputs("  ", out);
			put_padded(out, txt[k], w[k], fw[c],
			    right_aligned(&t->cols[c]), c + 1 == t->ncols);
		}
		fputc('\n', out);
	}
	rc = 0;
out:
	if (txt != NULL)
		for (k = 0; k < n; k++)
			free(txt[k]);
	free(txt);
	free(w);
	free(fw);
	tr_buf_free(&b);
	return rc;
}

/* tr_table_write_record - the first row, one "name  value" line a column */
int
tr_table_write_record(const struct tr_table *t, FILE *out)
{
	struct tr_buf b = { 0 };
	size_t c, len, nw, width = 0;
	const char *s;
	char num[64];

	if (t->failed)
		return -1;
	for (c = 0; c < t->ncols; c++) {
		nw = strlen(t->cols[c].name);
		if (nw > width)
			width = nw;
	}
	for (c = 0; t->nrows > 0 && c < t->ncols; c++) {
		s = plain_text(&t->cols[c], &t->cells[c], num, sizeof(num), 1,
		    &len);
		tr_term_render(s, len, 0, &b, &nw);
		if (b.oom)
			break;
		fprintf(out, "%-*s  %s\n", (int)width, t->cols[c].name, b.p);
	}
	tr_buf_free(&b);
	return b.oom || ferror(out) ? -1 : 0;
}

/* tr_json_string - a json-c string, invalid UTF-8 replaced by U+FFFD */
struct json_object *
tr_json_string(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;
	struct tr_buf b = { 0 };
	struct json_object *o;
	size_t i = 0, n;
	uint32_t c;

	for (i = 0; i < len; i += n)
		if ((n = tr_term_utf8_next(p + i, len - i, &c)) == 0)
			break;
	if (i >= len)
		return json_object_new_string_len(s, (int)len);
	tr_buf_add(&b, s, i);
	while (i < len) {
		if ((n = tr_term_utf8_next(p + i, len - i, &c)) == 0) {
			tr_buf_add(&b, "\xef\xbf\xbd", 3);
			n = 1;
		} else
			tr_buf_add(&b, s + i, n);
		i += n;
	}
	o = b.oom ? NULL : json_object_new_string_len(b.p, (int)b.len);
	tr_buf_free(&b);
	return o;
}

/* cell_json - one cell as a json-c value (NULL is JSON null) */
static struct json_object *
cell_json(const struct tr_column *col, const struct cell *c)
{
	char buf[64];

	switch (c->type) {
	case C_TEXT:
		return tr_json_string(c->v.s, c->len);
	case C_INT:
		return json_object_new_int64(c->v.i);
	case C_REAL:
		rate_text(c->v.d, buf, sizeof(buf));
		return json_object_new_double_s(c->v.d, buf);
	default:
		return NULL;
	}
}

/* tr_table_json_row - row i as an object */
struct json_object *
tr_table_json_row(const struct tr_table *t, size_t i)
{
	struct json_object *o;
	size_t c;

	if (t->failed || i >= t->nrows || (o = json_object_new_object()) == NULL)
		return NULL;
	for (c = 0; c < t->ncols; c++)
		json_object_object_add(o, t->cols[c].name,
		    cell_json(&t->cols[c], &t->cells[i * t->ncols + c]));
	return o;
}

/* tr_table_json - every row */
struct json_object *
tr_table_json(const struct tr_table *t)
{
	struct json_object *a, *o;
	size_t r;

	if (t->failed || (a = json_object_new_array()) == NULL)
		return NULL;
	for (r = 0; r < t->nrows; r++) {
		if ((o = tr_table_json_row(t, r)) == NULL) {
			json_object_put(a);
			return NULL;
		}
		json_object_array_add(a, o);
	}
	return a;
}

/*
 * csv_field - RFC 4180: quoted when it holds a comma or a quote. Control
 * characters, bidirectional overrides and invalid UTF-8 are escaped as in
 * the table (render): an organisation name is the sender's text, and a
 * terminal or spreadsheet showing the file must not act on escape
 * sequences in it. Line breaks become \n, so a record is one line.
 */
static void
csv_field(FILE *out, const char *s, size_t len)
{
	struct tr_buf b = { 0 };
	size_t i, w;

	if (s == NULL)
		return;
	tr_term_render(s, len, 0, &b, &w);
	if (b.oom || b.p == NULL) {
		tr_buf_free(&b);
		return;
	}
	s = b.p;
	len = b.len;
	if (strcspn(s, ",\"") >= len)
		fwrite(s, 1, len, out);
	else {
		fputc('"', out);
		for (i = 0; i < len; i++) {
			if (s[i] == '"')
				fputc('"', out);
			fputc(s[i], out);
		}
		fputc('"', out);
	}
	tr_buf_free(&b);
}

/* write_csv - a header line and one line per row, CRLF-terminated */
static int
write_csv(const struct tr_table *t, FILE *out)
{
	const char *s;
	char num[64];
	size_t r, c, len;

	for (c = 0; c < t->ncols; c++) {
		if (c > 0)
			fputc(',', out);
		csv_field(out, t->cols[c].name, strlen(t->cols[c].name));
	}
	fputs("\r\n", out);
	for (r = 0; r < t->nrows; r++) {
		for (c = 0; c < t->ncols; c++) {
			if (c > 0)
				fputc(',', out);
			s = plain_text(&t->cols[c], &t->cells[r * t->ncols + c],
			    num, sizeof(num), 0, &len);
			csv_field(out, s, len);
		}
		fputs("\r\n", out);
	}
	return 0;
}

/* tr_table_write - every row in the chosen format */
int
tr_table_write(const struct tr_table *t, enum tr_format f, FILE *out)
{
	struct json_object *a;
	int rc;

	if (t->failed)
		return -1;
	switch (f) {
	case TR_FORMAT_JSON:
		if ((a = tr_table_json(t)) == NULL)
			return -1;
		fprintf(out, "%s\n", json_object_to_json_string_ext(a,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(a);
		rc = 0;
		break;
	case TR_FORMAT_CSV:
		rc = write_csv(t, out);
		break;
	default:
		rc = write_table(t, out);
		break;
	}
	if (fflush(out) == EOF || ferror(out))
		return -1;
	return rc;
}
