/* cmd_query.c - tlsrptd query: summary, failures, reports, quarantine */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "cmd.h"
#include "cmd_db.h"
#include "cmd_args.h"
#include "cmd_query.h"
#include "cmd_quarantine.h"
#include "datetime.h"
#include "dkim_env.h"
#include "query.h"
#include "result_types.h"
#include "table.h"

#define DEFAULT_LIMIT	1000
#define MAX_LIMIT	1000000

/* tr_cq_usage_err - a message and the usage line: exit 64 */
int
tr_cq_usage_err(const char *fmt, const char *arg)
{
	fprintf(stderr, "tlsrptd query: ");
	fprintf(stderr, fmt, arg);
	fputc('\n', stderr);
	return tr_cmd_usage(&tr_cmd_query);
}

/*
 * parse_time - YYYY-MM-DD (a UTC day: its start, or for until the start
 * of the next day, so the day is included) or an RFC 3339 date-time
 */
static int
parse_time(const char *s, int until, char out[TR_DT_UTC_LEN + 1])
{
	char buf[32];
	struct tr_dt dt;
	size_t n = strlen(s);

	if (n == 10) {
		snprintf(buf, sizeof(buf), "%sT00:00:00Z", s);
		if (tr_dt_parse(buf, strlen(buf), &dt, NULL) == -1)
			return -1;
		return tr_dt_format(dt.epoch + (until ? 86400 : 0), out);
	}
	if (n > 64 || tr_dt_parse(s, n, &dt, NULL) == -1)
		return -1;
	memcpy(out, dt.utc, sizeof(dt.utc));
	return 0;
}

/* tr_cq_parse_id - a row id */
int
tr_cq_parse_id(const char *s, int64_t *id)
{
	char *end;
	long long v;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	v = strtoll(s, &end, 10);
	if (*end != '\0' || v < 1)
		return -1;
	*id = v;
	return 0;
}

/* parse_dims - "type,domain,mx,ip,org" into TR_DIM_* bits, 0 when bad */
static unsigned
parse_dims(const char *s)
{
	static const struct { const char *name; unsigned dim; } names[] = {
		{ "type", TR_DIM_TYPE }, { "domain", TR_DIM_DOMAIN },
		{ "mx", TR_DIM_MX }, { "ip", TR_DIM_IP }, { "org", TR_DIM_ORG },
	};
	unsigned dims = 0;
	size_t i, n;
	int hit;

	while (*s != '\0') {
		n = strcspn(s, ",");
		hit = 0;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (strlen(names[i].name) == n &&
			    strncmp(s, names[i].name, n) == 0) {
				dims |= names[i].dim;
				hit = 1;
			}
		if (!hit)
			return 0;
		s += n;
		if (*s == ',')
			s++;
	}
	return dims;
}

/* more_note - tell that rows were left out */
static void
more_note(const struct tr_cq_opts *o, int more)
{
	if (more)
		fprintf(stderr, "tlsrptd query: only the first %zu rows are "
		    "shown; --limit N shows more\n", o->f.limit);
}

/* tr_cq_write_rows - a result table in the chosen format */
int
tr_cq_write_rows(const struct tr_cq_opts *o, const struct tr_table *t, int more)
{
	if (tr_table_write(t, o->format, stdout) == -1) {
		fprintf(stderr, "tlsrptd query: writing the output failed\n");
		return TR_EXIT_IOERR;
	}
	if (o->format == TR_FORMAT_TABLE && tr_table_nrows(t) == 0)
		printf("(none)\n");
	more_note(o, more);
	return TR_EXIT_OK;
}

/* legend - below a table: what each result type in column col means */
static void
legend(const struct tr_table *t, size_t col)
{
	const struct tr_result_type *rt;
	const char *type, *seen;
	size_t r, k;
	int first = 1, dup;

	for (r = 0; r < tr_table_nrows(t); r++) {
		if ((type = tr_table_cell_text(t, r, col)) == NULL)
			continue;
		for (dup = 0, k = 0; k < r && !dup; k++)
			dup = (seen = tr_table_cell_text(t, k, col)) != NULL &&
			    strcmp(seen, type) == 0;
		if (dup)
			continue;
		if (first)
			printf("\nWhat the result types mean:\n");
		first = 0;
		rt = tr_result_type_explain(type);
		printf("  %s: %s\n    Fix: %s\n", rt->name[0] != '\0' ?
		    rt->name : type, rt->meaning, rt->fix);
	}
}

/* tr_cq_store_error - the exit status of a failed question */
int
tr_cq_store_error(const struct tr_error *err)
{
	fprintf(stderr, "tlsrptd query: %s\n", err->msg);
	return err->code == TR_ERR_NOMEM ? TR_EXIT_SOFTWARE : TR_EXIT_IOERR;
}

static int
q_summary(struct tr_cq_opts *o, struct tr_store *st, int argc)
{
	struct tr_table *t;
	struct tr_error err;
	enum tr_query_by by = TR_BY_PERIOD;
	int more, rc;

	if (argc != 1)
		return tr_cq_usage_err("%s", "summary takes no arguments");
	if (o->by != NULL && strcmp(o->by, "day") == 0)
		by = TR_BY_DAY;
	else if (o->by != NULL && strcmp(o->by, "period") != 0)
		return tr_cq_usage_err("summary --by is day or period, not \"%s\"",
		    o->by);
	if (tr_query_summary(st, &o->f, by, &t, &more, &err) != TR_OK)
		return tr_cq_store_error(&err);
	rc = tr_cq_write_rows(o, t, more);
	tr_table_free(t);
	return rc;
}

static int
q_failures(struct tr_cq_opts *o, struct tr_store *st, int argc)
{
	struct tr_table *t;
	struct tr_error err;
	unsigned dims = TR_DIM_TYPE | TR_DIM_MX | TR_DIM_IP | TR_DIM_ORG;
	int more, rc;

	if (argc != 1)
		return tr_cq_usage_err("%s", "failures takes no arguments");
	if (o->by != NULL && (dims = parse_dims(o->by)) == 0)
		return tr_cq_usage_err("failures --by takes a comma-separated list "
		    "of type, domain, mx, ip and org, not \"%s\"", o->by);
	if (tr_query_failures(st, &o->f, dims, o->format != TR_FORMAT_TABLE,
	    &t, &more, &err) != TR_OK)
		return tr_cq_store_error(&err);
	rc = tr_cq_write_rows(o, t, more);
	if (rc == TR_EXIT_OK && o->format == TR_FORMAT_TABLE &&
	    (dims & TR_DIM_TYPE))
		legend(t, 0);
	tr_table_free(t);
	return rc;
}

static int
q_senders(struct tr_cq_opts *o, struct tr_store *st, int argc)
{
	struct tr_table *t;
	struct tr_error err;
	int more, rc;

	if (argc != 1)
		return tr_cq_usage_err("%s", "senders takes no arguments");
	if (tr_query_senders(st, &o->f, &t, &more, &err) != TR_OK)
		return tr_cq_store_error(&err);
	rc = tr_cq_write_rows(o, t, more);
	tr_table_free(t);
	return rc;
}

/* raw_json_value - the stored report parsed again for JSON output; the
 * text itself if json-c cannot read it */
static struct json_object *
raw_json_value(const char *s, size_t len)
{
	struct json_tokener *tok;
	struct json_object *o;

	if ((tok = json_tokener_new_ex(64)) == NULL)
		return NULL;
	o = json_tokener_parse_ex(tok, s, (int)len + 1);
	json_tokener_free(tok);
	return o != NULL ? o : tr_json_string(s, len);
}

/* section - a titled table of a record's details */
static int
section(const char *title, const struct tr_table *t)
{
	if (t == NULL || tr_table_nrows(t) == 0)
		return 0;
	printf("\n%s\n", title);
	return tr_table_write(t, TR_FORMAT_TABLE, stdout);
}

static int
q_report_show(struct tr_cq_opts *o, struct tr_store *st, const char *arg)
{
	struct tr_query_report r;
	struct tr_error err;
	struct json_object *doc, *notes, *raw;
	int64_t id;
	size_t i;
	int found, bad = 0;

	if (tr_cq_parse_id(arg, &id) == -1)
		return tr_cq_usage_err("reports show takes a report id, not \"%s\"",
		    arg);
	if (o->format == TR_FORMAT_CSV)
		return tr_cq_usage_err("%s", "reports show prints one report: "
		    "--format table or json");
	if (tr_query_report_show(st, id, &r, &found, &err) != TR_OK)
		return tr_cq_store_error(&err);
	if (!found) {
		fprintf(stderr, "tlsrptd query: no report with id %s\n", arg);
		return TR_EXIT_NOINPUT;
	}
	if (o->format == TR_FORMAT_JSON) {
		doc = tr_table_json_row(r.info, 0);
		json_object_object_add(doc, "policies",
		    tr_table_json(r.policies));
		json_object_object_add(doc, "failure_details",
		    tr_table_json(r.failures));
		notes = json_object_new_array();
		for (i = 0; i < tr_table_nrows(r.notes); i++)
			json_object_array_add(notes, tr_json_string(
			    tr_table_cell_text(r.notes, i, 0), strlen(
			    tr_table_cell_text(r.notes, i, 0))));
		json_object_object_add(doc, "conformance_notes", notes);
		json_object_object_add(doc, "raw",
		    raw_json_value(r.raw_json, r.raw_len));
		printf("%s\n", json_object_to_json_string_ext(doc,
		    JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(doc);
	} else {
		bad |= tr_table_write_record(r.info, stdout);
		bad |= section("Policies", r.policies);
		bad |= section("Failure details", r.failures);
		if (tr_table_nrows(r.failures) > 0)
			legend(r.failures, 1);
		bad |= section("Conformance notes", r.notes);
		printf("\nRaw JSON\n");
		raw = raw_json_value(r.raw_json, r.raw_len);
		if (raw != NULL && json_object_is_type(raw, json_type_object))
			printf("%s\n", json_object_to_json_string_ext(raw,
			    JSON_C_TO_STRING_PRETTY |
			    JSON_C_TO_STRING_NOSLASHESCAPE));
		else
			printf("(not readable as JSON: %zu bytes)\n", r.raw_len);
		json_object_put(raw);
	}
	tr_query_report_free(&r);
	if (bad || fflush(stdout) == EOF) {
		fprintf(stderr, "tlsrptd query: writing the output failed\n");
		return TR_EXIT_IOERR;
	}
	return TR_EXIT_OK;
}

static int
q_reports(struct tr_cq_opts *o, struct tr_store *st, int argc, char **argv)
{
	struct tr_table *t;
	struct tr_error err;
	int more, rc;

	if (argc == 3 && strcmp(argv[1], "show") == 0)
		return q_report_show(o, st, argv[2]);
	if (argc != 1)
		return tr_cq_usage_err("%s", "reports takes no arguments, or show ID");
	if (o->dkim != NULL && tr_dkim_status_parse(o->dkim) == -1)
		return tr_cq_usage_err("reports --dkim takes pass, fail, none, "
		    "temperror or unchecked, not \"%s\"", o->dkim);
	o->f.dkim = o->dkim;
	if (tr_query_reports(st, &o->f, &t, &more, &err) != TR_OK)
		return tr_cq_store_error(&err);
	rc = tr_cq_write_rows(o, t, more);
	tr_table_free(t);
	return rc;
}

static const struct option query_opts[] = {
	{ "db", required_argument, NULL, 'd' },
	{ "config", required_argument, NULL, 'c' },
	{ "format", required_argument, NULL, 'f' },
	{ "limit", required_argument, NULL, 'n' },
	{ "domain", required_argument, NULL, 'D' },
	{ "org", required_argument, NULL, 'O' },
	{ "since", required_argument, NULL, 'S' },
	{ "until", required_argument, NULL, 'U' },
	{ "days", required_argument, NULL, 'N' },
	{ "type", required_argument, NULL, 'T' },
	{ "by", required_argument, NULL, 'b' },
	{ "raw", no_argument, NULL, 'r' },
	{ "all", no_argument, NULL, 'a' },
	{ "dkim", required_argument, NULL, 'k' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* set_domain - lower-cased, without a trailing dot */
static int
set_domain(struct tr_cq_opts *o, const char *s)
{
	size_t i, n = strlen(s);

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0 || n > TR_CQ_DOMAIN_MAX)
		return -1;
	for (i = 0; i < n; i++)
		o->domain[i] = (char)tolower((unsigned char)s[i]);
	o->domain[n] = '\0';
	o->f.domain = o->domain;
	return 0;
}

/* query_opt - one option ch of getopt into o: -1 to go on, else the exit
 * status (a usage error, or help) */
static int
query_opt(struct tr_cq_opts *o, int ch)
{
	long v;

	switch (ch) {
	case 'd':
		o->db.db = optarg;
		break;
	case 'c':
		o->db.config = optarg;
		break;
	case 'f':
		if (tr_format_parse(optarg, &o->format) == -1)
			return tr_cq_usage_err("--format is table, json or "
			    "csv, not \"%s\"", optarg);
		break;
	case 'n':
		if ((v = tr_cmd_number(optarg, 1, MAX_LIMIT)) == -1)
			return tr_cq_usage_err("--limit takes 1 to 1000000, "
			    "not \"%s\"", optarg);
		o->f.limit = (size_t)v;
		break;
	case 'D':
		if (set_domain(o, optarg) == -1)
			return tr_cq_usage_err("--domain: not a domain: "
			    "\"%s\"", optarg);
		break;
	case 'O':
		if (*optarg == '\0' || strlen(optarg) > 1024)
			return tr_cq_usage_err("--org: \"%s\"", optarg);
		o->f.org = optarg;
		break;
	case 'S':
		if (parse_time(optarg, 0, o->since) == -1)
			return tr_cq_usage_err("--since takes YYYY-MM-DD or "
			    "an RFC 3339 date-time, not \"%s\"", optarg);
		o->f.since = o->since;
		break;
	case 'U':
		if (parse_time(optarg, 1, o->until) == -1)
			return tr_cq_usage_err("--until takes YYYY-MM-DD or "
			    "an RFC 3339 date-time, not \"%s\"", optarg);
		o->f.until = o->until;
		break;
	case 'N':
		if ((v = tr_cmd_number(optarg, 0, 36500)) == -1)
			return tr_cq_usage_err("--days takes 0 to 36500, not "
			    "\"%s\"", optarg);
		o->days = (int)v;
		break;
	case 'T':
		if (strcmp(optarg, "sts") != 0 &&
		    strcmp(optarg, "tlsa") != 0 &&
		    strcmp(optarg, "no-policy-found") != 0)
			return tr_cq_usage_err("--type is sts, tlsa or "
			    "no-policy-found, not \"%s\"", optarg);
		o->f.policy_type = optarg;
		break;
	case 'b':
		o->by = optarg;
		break;
	case 'r':
		o->raw = 1;
		break;
	case 'a':
		o->all = 1;
		break;
	case 'k':
		o->dkim = optarg;
		break;
	case 'h':
		return tr_cmd_help(&tr_cmd_query);
	default:
		return tr_cmd_usage(&tr_cmd_query);
	}
	return -1;
}

/*
 * check_question - the options make sense with question q (argv[0]) and
 * its arguments; --days becomes --since. -1 when they do, else the usage
 * error's status.
 */
static int
check_question(struct tr_cq_opts *o, int argc, char **argv)
{
	const char *q = argv[0];
	int quarantine = strcmp(q, "quarantine") == 0;
	const char *sub = quarantine && argc >= 2 ? argv[1] : "";
	time_t now;

	if (o->days >= 0) {
		if (o->f.since != NULL)
			return tr_cq_usage_err("%s", "--days and --since "
			    "together");
		/* from 00:00 UTC N days ago: --days 0 is today */
		now = time(NULL);
		tr_dt_format((int64_t)now - (int64_t)now % 86400 -
		    (int64_t)o->days * 86400, o->since);
		o->f.since = o->since;
	}
	if (o->f.since != NULL && o->f.until != NULL &&
	    strcmp(o->f.since, o->f.until) >= 0)
		return tr_cq_usage_err("%s", "--since is not before --until");
	if (quarantine && (o->f.domain != NULL || o->f.org != NULL))
		return tr_cq_usage_err("%s", "--domain and --org do not apply "
		    "to the quarantine (it holds messages that are not "
		    "reports)");
	if (o->by != NULL && strcmp(q, "summary") != 0 &&
	    strcmp(q, "failures") != 0)
		return tr_cq_usage_err("%s", "--by applies to summary and "
		    "failures");
	if (strcmp(q, "summary") != 0 && strcmp(q, "failures") != 0 &&
	    strcmp(q, "reports") != 0 && !quarantine &&
	    strcmp(q, "senders") != 0)
		return tr_cq_usage_err("unknown question \"%s\": summary, "
		    "failures, reports, senders or quarantine", q);
	if (quarantine && o->f.policy_type != NULL)
		return tr_cq_usage_err("%s", "--type does not apply to the "
		    "quarantine");
	if (o->dkim != NULL && strcmp(q, "reports") != 0 &&
	    strcmp(sub, "retry") != 0)
		return tr_cq_usage_err("%s", "--dkim goes with reports (a "
		    "result) and quarantine retry (a policy)");
	if ((o->raw && strcmp(sub, "show") != 0) ||
	    (o->all && strcmp(sub, "retry") != 0))
		return tr_cq_usage_err("%s", "--raw goes with quarantine show, "
		    "--all with quarantine retry");
	return -1;
}

/* cmd_query - tlsrptd query [options] QUESTION [ARGS] */
static int
cmd_query(int argc, char **argv)
{
	struct tr_cq_opts o;
	struct tr_store *st;
	const char *q;
	int ch, rc, writes;

	memset(&o, 0, sizeof(o));
	o.days = -1;
	o.f.limit = DEFAULT_LIMIT;
	optind = 1;
	while ((ch = getopt_long(argc, argv, "d:c:f:n:h", query_opts,
	    NULL)) != -1)
		if ((rc = query_opt(&o, ch)) != -1)
			return rc;
	argc -= optind;
	argv += optind;
	if (argc == 0)
		return tr_cmd_usage(&tr_cmd_query);
	q = argv[0];
	if ((rc = check_question(&o, argc, argv)) != -1)
		return rc;

	/* Only retry and delete write; the questions open read-only. */
	writes = strcmp(q, "quarantine") == 0 && argc > 1 &&
	    (strcmp(argv[1], "retry") == 0 || strcmp(argv[1], "delete") == 0);
	if ((rc = tr_cmd_db_open("query", &o.db, writes ? 0 :
	    TR_STORE_READONLY, &st)) != TR_EXIT_OK) {
		tr_cmd_db_free(&o.db);
		return rc;
	}
	/* the site's domains gather the policy domains below them */
	if (o.db.have_cfg && o.db.cfg.domains.n > 0) {
		o.f.own_domains = (const char *const *)o.db.cfg.domains.v;
		o.f.nown_domains = o.db.cfg.domains.n;
	}
	if (strcmp(q, "summary") == 0)
		rc = q_summary(&o, st, argc);
	else if (strcmp(q, "failures") == 0)
		rc = q_failures(&o, st, argc);
	else if (strcmp(q, "reports") == 0)
		rc = q_reports(&o, st, argc, argv);
	else if (strcmp(q, "senders") == 0)
		rc = q_senders(&o, st, argc);
	else
		rc = tr_cq_quarantine_run(&o, st, argc, argv);
	tr_store_close(st);
	tr_cmd_db_free(&o.db);
	return rc;
}

const struct tr_cmd tr_cmd_query = {
	.name = "query",
	.usage = "[--db PATH | -c FILE] [--format table|json|csv] [--limit N]\n"
	    "       [--domain D] [--org TEXT] [--since T] [--until T] [--days N]\n"
	    "       [--type sts|tlsa|no-policy-found]\n"
	    "       summary [--by day|period] | failures [--by type,domain,mx,ip,org] |\n"
	    "       reports [--dkim RESULT] [show ID] | senders |\n"
	    "       quarantine [show ID [--raw] | retry [--dkim POLICY] ID... |\n"
	    "       retry --all | delete ID...]",
	.help =
	    "Answer the common questions from the database.\n"
	    "\n"
	    "  summary      per policy domain: sessions, failed sessions, failure\n"
	    "               rate, reporting organizations and reports, worst\n"
	    "               first; --by day gives one row per domain and day. The\n"
	    "               same sessions reported under two policies of a domain\n"
	    "               by one report (tlsa and sts) are counted once,\n"
	    "               no-policy-found sessions are added.\n"
	    "  failures     failed sessions by result type, receiving MX, sending\n"
	    "               IP and organization, largest first (every policy's\n"
	    "               failure details, a tlsa/sts repeat once), with the days\n"
	    "               first and last seen and what each result type means\n"
	    "               and how it is usually fixed; --by picks the columns\n"
	    "               to group by (default type,mx,ip,org).\n"
	    "  reports      stored reports, latest first; --dkim RESULT (pass,\n"
	    "               fail, none, temperror, unchecked) only those with that\n"
	    "               DKIM result; reports show ID prints one with its DKIM\n"
	    "               verdict, the other copies kept aside under its key,\n"
	    "               policies, failure details, conformance notes and raw\n"
	    "               JSON.\n"
	    "  senders      per reporting organization: reports, days reported,\n"
	    "               domains, sessions and failures, first and last day;\n"
	    "               the most recent reporter first.\n"
	    "  quarantine   messages that held no valid report, latest first;\n"
	    "               show ID prints one with its reason (--raw: only the\n"
	    "               message's bytes); retry runs the pipeline again on\n"
	    "               them (after an upgrade) and stores what now passes,\n"
	    "               checking DKIM as the daemon would (-c's dkim, else\n"
	    "               require; --dkim require|record|off overrides);\n"
	    "               delete removes them.\n"
	    "\n"
	    "  --db PATH       database (default: -c's, else $TLSRPTD_DB, else\n"
	    "                  " TR_DEFAULT_DB ")\n"
	    "  -c FILE         take the database (and limits) from a tlsrptd.conf\n"
	    "  --format F      table (aligned, the default), json or csv\n"
	    "  --limit N       rows at most (default 1000)\n"
	    "  --domain D      one policy domain; with -c and domains set there,\n"
	    "                  one of them with the policy domains below it\n"
	    "                  (a tlsa policy named after mx1.D counts under D)\n"
	    "  --org TEXT      organizations whose name contains TEXT (any case)\n"
	    "  --since T       reports whose period starts at T or later; T is\n"
	    "                  YYYY-MM-DD (UTC) or an RFC 3339 date-time\n"
	    "  --until T       ... starts before T; a YYYY-MM-DD includes that day\n"
	    "  --days N        since 00:00 UTC N days ago (0: today)\n"
	    "  --type P        sessions counted under policy type P (sts, tlsa\n"
	    "                  or no-policy-found)\n"
	    "For the quarantine, --since and --until apply to the time received.\n"
	    "\n"
	    "Exit status: 0 answered; 1 retry left messages quarantined, or an\n"
	    "id to delete was not there; 64 usage error; 66 no such database,\n"
	    "report or message; 74 the database could not be opened or read\n"
	    "(another program's file, a newer schema) or written; 78\n"
	    "configuration error.\n",
	.exec = cmd_query,
};
