/* test_config.c - tlsrptd.conf: keys, values, errors with file:line, dump */
#include "testutil.h"

#include <stdlib.h>

#include "config.h"

static char tmpdir[64];
static char realdir[4096];	/* tmpdir as realpath() gives it */

/* put - write content to name in the temp dir; the path in a static buffer */
static const char *
put(const char *name, const char *content)
{
	static char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(f = fopen(path, "wb"));
	fputs(content, f);
	fclose(f);
	return path;
}

/* load_ok - load content as t.conf; fail the test on any error */
static void
load_ok(const char *content, struct tr_config *c)
{
	struct tr_error err;
	const char *path = put("t.conf", content);

	if (tr_config_load(path, c, &err) != TR_OK)
		fail_msg("unexpected error: %s", err.msg);
}

/* load_err - load content as t.conf; the error must be "PATH:want" */
static void
load_err(const char *content, const char *want)
{
	struct tr_config c, zero;
	struct tr_error err;
	char full[4400];
	const char *path = put("t.conf", content);

	assert_int_equal(tr_config_load(path, &c, &err), TR_ERR_SCHEMA);
	assert_int_equal(err.code, TR_ERR_SCHEMA);
	snprintf(full, sizeof(full), "%s:%s", path, want);
	assert_string_equal(err.msg, full);
	/* "on error c is left freed" */
	memset(&zero, 0, sizeof(zero));
	assert_memory_equal(&c, &zero, sizeof(c));
}

static int
setup(void **state __attribute__((unused)))
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/tlsrptd-config-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	assert_non_null(realpath(tmpdir, realdir));
	return 0;
}

static int
teardown(void **state __attribute__((unused)))
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) == 0 ? 0 : -1;
}

static void
test_defaults(void **state __attribute__((unused)))
{
	struct tr_config c;
	struct tr_limits l;

	tr_config_defaults(&c);
	assert_null(c.path);
	assert_string_equal(c.database, "/var/lib/tlsrptd/tlsrptd.db");
	assert_string_equal(c.log_target, "stderr");
	assert_int_equal(c.log_level, TR_LOG_INFO);
	assert_int_equal(c.nrua, 0);
	assert_string_equal(c.milter_socket, "unix:/run/tlsrptd/milter.sock");
	assert_int_equal(c.after_store, TR_AFTER_CONTINUE);
	assert_int_equal(c.on_invalid, TR_INVALID_ACCEPT);
	assert_null(c.user);
	assert_null(c.group);
	assert_int_equal(c.queue_limit, 1000);
	assert_int_equal(c.shutdown_timeout, 30);
	assert_int_equal(c.limits.max_message, 10 * 1024 * 1024);
	assert_int_equal(c.limits.max_report, 16 * 1024 * 1024);
	assert_int_equal(c.limits.max_mime_depth, 8);
	assert_int_equal(c.limits.max_mime_parts, 100);
	assert_int_equal(c.limits.max_ratio, 200);
	assert_int_equal(c.limits.max_json_depth, 16);
	/* the config table's defaults must not drift from limits.c */
	memset(&l, 0, sizeof(l));	/* padding too: compared bytewise */
	tr_limits_default(&l);
	assert_memory_equal(&c.limits, &l, sizeof(l));
	tr_config_free(&c);
}

static void
test_empty_file_is_defaults(void **state __attribute__((unused)))
{
	struct tr_config c, d;

	load_ok("# nothing but a comment\n\n   \n\t# indented comment\n", &c);
	tr_config_defaults(&d);
	assert_string_equal(c.path, put("t.conf", ""));
	assert_string_equal(c.database, d.database);
	assert_string_equal(c.milter_socket, d.milter_socket);
	assert_memory_equal(&c.limits, &d.limits, sizeof(d.limits));
	tr_config_free(&c);
	tr_config_free(&d);
}

static void dump_reload(const struct tr_config *c);

/* test_domains - the site's domains: lower case, no final dot, kept once,
 * accumulating over lines; none empties them; a bad name is refused */
static void
test_domains(void **state __attribute__((unused)))
{
	struct tr_config c;

	load_ok("", &c);
	assert_int_equal(c.domains.n, 0);
	assert_int_equal(c.quarantine_not_ours, 0);
	tr_config_free(&c);
	load_ok("domains = Example.COM., example.net\n"
	    "domains = example.com mx.example.org\n"
	    "quarantine_not_ours = yes\n", &c);
	assert_int_equal(c.domains.n, 3);
	assert_string_equal(c.domains.v[0], "example.com");
	assert_string_equal(c.domains.v[1], "example.net");
	assert_string_equal(c.domains.v[2], "mx.example.org");
	assert_int_equal(c.quarantine_not_ours, 1);
	dump_reload(&c);
	tr_config_free(&c);
	load_ok("domains = example.com MX.Hoster.example.=Example.COM.\n", &c);
	assert_int_equal(c.domains.n, 2);
	assert_string_equal(c.domains.v[1], "mx.hoster.example=example.com");
	dump_reload(&c);
	tr_config_free(&c);
	load_err("domains = mx.hoster.example=\n", "1: domains: "
	    "\"mx.hoster.example=\" is not a domain name or host=domain");
	load_err("domains = =example.com\n", "1: domains: \"=example.com\" "
	    "is not a domain name or host=domain");
	load_ok("domains = example.com\ndomains = none\n", &c);
	assert_int_equal(c.domains.n, 0);
	tr_config_free(&c);
	load_err("domains = exa mple..com\n", "1: domains: \"mple..com\" is "
	    "not a domain name or host=domain");
	load_err("quarantine_not_ours = maybe\n", "1: quarantine_not_ours: "
	    "\"maybe\" is not one of no, yes");
}

static void
test_every_key(void **state __attribute__((unused)))
{
	struct tr_config c;

	load_ok("database = /srv/t/reports.db\n"
	    "log = /var/log/tlsrptd.log\n"
	    "log_level = debug\n"
	    "rua = tlsrpt@Example.COM\n"
	    "milter_socket = inet:8891@127.0.0.1\n"
	    "after_store = discard\n"
	    "invalid_report = reject\n"
	    "user = _tlsrptd\n"
	    "group = mail\n"
	    "queue_limit = 50\n"
	    "shutdown_timeout = 3600\n"
	    "message_size_limit = 20M\n"
	    "report_size_limit = 512K\n"
	    "mime_nesting_limit = 64\n"
	    "mime_part_limit = 10000\n"
	    "decompression_ratio_limit = 10\n"
	    "json_depth_limit = 4\n", &c);
	assert_string_equal(c.database, "/srv/t/reports.db");
	assert_string_equal(c.log_target, "/var/log/tlsrptd.log");
	assert_int_equal(c.log_level, TR_LOG_DEBUG);
	assert_int_equal(c.nrua, 1);
	assert_string_equal(c.rua[0], "tlsrpt@example.com");
	assert_string_equal(c.milter_socket, "inet:8891@127.0.0.1");
	assert_int_equal(c.after_store, TR_AFTER_DISCARD);
	assert_int_equal(c.on_invalid, TR_INVALID_REJECT);
	assert_string_equal(c.user, "_tlsrptd");
	assert_string_equal(c.group, "mail");
	assert_int_equal(c.queue_limit, 50);
	assert_int_equal(c.shutdown_timeout, 3600);
	assert_int_equal(c.limits.max_message, 20 * 1024 * 1024);
	assert_int_equal(c.limits.max_report, 512 * 1024);
	assert_int_equal(c.limits.max_mime_depth, 64);
	assert_int_equal(c.limits.max_mime_parts, 10000);
	assert_int_equal(c.limits.max_ratio, 10);
	assert_int_equal(c.limits.max_json_depth, 4);
	/* limits without a key keep their defaults */
	assert_int_equal(c.limits.max_header_bytes, 256 * 1024);
	tr_config_free(&c);
}

static void
test_syntax(void **state __attribute__((unused)))
{
	struct tr_config c;

	/* whitespace, CRLF, quotes, a # inside quotes, no final newline */
	load_ok("  log_level\t=\tWARN  \r\n"
	    "database=\"/srv/with space/#1.db\"\n"
	    "log = \"/srv/q\\\"uote\\\\d\"  \n"
	    "user = \"nobody\"", &c);
	assert_int_equal(c.log_level, TR_LOG_WARN);
	assert_string_equal(c.database, "/srv/with space/#1.db");
	assert_string_equal(c.log_target, "/srv/q\"uote\\d");
	assert_string_equal(c.user, "nobody");
	tr_config_free(&c);
}

static void
test_sizes(void **state __attribute__((unused)))
{
	static const struct {
		const char *v;
		size_t want;
	} t[] = {
		{ "1024", 1024 },
		{ "1K", 1024 },
		{ "5k", 5 * 1024 },
		{ "2M", 2 * 1024 * 1024 },
		{ "3m", 3 * 1024 * 1024 },
		{ "1G", 1024 * 1024 * 1024 },
		{ "1048576", 1024 * 1024 },
	};
	struct tr_config c;
	char buf[128];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		snprintf(buf, sizeof(buf), "message_size_limit = %s\n"
		    "report_size_limit = %s\n", t[i].v, t[i].v);
		load_ok(buf, &c);
		assert_int_equal(c.limits.max_message, t[i].want);
		assert_int_equal(c.limits.max_report, t[i].want);
		tr_config_free(&c);
	}
	load_err("message_size_limit = 1023\n",
	    "1: message_size_limit: 1023 is below the minimum 1K");
	load_err("\nreport_size_limit = 2G\n",
	    "2: report_size_limit: 2G is above the maximum 1G");
	load_err("message_size_limit = 99999999999999999999999G\n",
	    "1: message_size_limit: 99999999999999999999999G is above the "
	    "maximum 1G");
	load_err("message_size_limit = 10 M\n",
	    "1: message_size_limit: \"10 M\" is not a size (use a number "
	    "with an optional K, M or G)");
	load_err("message_size_limit = M\n",
	    "1: message_size_limit: \"M\" is not a size (use a number "
	    "with an optional K, M or G)");
	load_err("message_size_limit = -1\n",
	    "1: message_size_limit: \"-1\" is not a size (use a number "
	    "with an optional K, M or G)");
}

/* each error message of tlsrptd.conf(5), exactly, with its line */
static void
test_error_messages(void **state __attribute__((unused)))
{
	struct tr_config c;
	struct tr_error err;
	char want[4400], path[4200];

	load_err("# a comment\n\nfoo = 1\n", "3: unknown key \"foo\"");
	load_err("log_level = info\nmessage_size_limit = 10Q\n",
	    "2: message_size_limit: \"10Q\" is not a size (use a number with "
	    "an optional K, M or G)");
	load_err("queue_limit = 0\n", "1: queue_limit: 0 is below the minimum 1");
	load_err("log_level = loud\n",
	    "1: log_level: \"loud\" is not one of error, warn, info, debug");
	load_err("\n\ndatabase = /a.db\nlog = stdout\ndatabase = /b.db\n",
	    "5: database given twice (first at line 3)");
	load_err("log_level info\n", "1: expected \"key = value\"");
	load_err("= info\n", "1: expected \"key = value\"");

	/* the file itself: TR_ERR_IO, no line */
	snprintf(path, sizeof(path), "%s/missing.conf", tmpdir);
	assert_int_equal(tr_config_load(path, &c, &err), TR_ERR_IO);
	snprintf(want, sizeof(want), "%s: cannot open: No such file or directory",
	    path);
	assert_string_equal(err.msg, want);
	assert_null(c.database);
}

static void
test_more_errors(void **state __attribute__((unused)))
{
	char line[17000];

	load_err("queue_limit = 1000001\n",
	    "1: queue_limit: 1000001 is above the maximum 1000000");
	load_err("shutdown_timeout = 0\n",
	    "1: shutdown_timeout: 0 is below the minimum 1");
	load_err("shutdown_timeout = 3601\n",
	    "1: shutdown_timeout: 3601 is above the maximum 3600");
	load_err("mime_nesting_limit = 65\n",
	    "1: mime_nesting_limit: 65 is above the maximum 64");
	load_err("mime_part_limit = 0\n",
	    "1: mime_part_limit: 0 is below the minimum 1");
	load_err("decompression_ratio_limit = 9\n",
	    "1: decompression_ratio_limit: 9 is below the minimum 10");
	load_err("json_depth_limit = 3\n",
	    "1: json_depth_limit: 3 is below the minimum 4");
	load_err("queue_limit = 12abc\n",
	    "1: queue_limit: \"12abc\" is not a number");
	load_err("queue_limit = 1K\n", "1: queue_limit: \"1K\" is not a number");
	load_err("queue_limit = 123456789012345678901234567890\n",
	    "1: queue_limit: 123456789012345678901234... is above the maximum "
	    "1000000");
	load_err("after_store = keep\n",
	    "1: after_store: \"keep\" is not one of continue, discard");
	load_err("invalid_report = bounce\n",
	    "1: invalid_report: \"bounce\" is not one of accept, reject");
	load_err("user = two words\n",
	    "1: user: \"two words\" is not a user or group name");
	load_err("database =\n", "1: database: empty value");
	load_err("database = \"\"\n", "1: database: empty value");
	load_err("database = \"/a.db\n", "1: unterminated quoted value");
	load_err("database = \"/a.db\" x\n", "1: text after the closing quote");
	load_err("log = std\x01out\n", "1: control character 0x01 in the line");
	load_err("Database = /a.db\n", "1: unknown key \"Database\"");
	load_err("milter_socket = tcp:8891\n",
	    "1: milter_socket: \"tcp:8891\" is not unix:PATH, inet:PORT@HOST, "
	    "inet6:PORT@HOST or none");
	load_err("milter_socket = inet:8891\n",
	    "1: milter_socket: \"inet:8891\" is not unix:PATH, inet:PORT@HOST, "
	    "inet6:PORT@HOST or none");
	load_err("milter_socket = unix:\n",
	    "1: milter_socket: \"unix:\" is not unix:PATH, inet:PORT@HOST, "
	    "inet6:PORT@HOST or none");
	load_err("milter_socket = inet:0@localhost\n",
	    "1: milter_socket: \"inet:0@localhost\": the port must be 1 to "
	    "65535");
	load_err("milter_socket = unix:/" "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789"
	    "0123456789012345678901234567890123456789\n",
	    "1: milter_socket: \"unix:/0123456789012345678901234567890123456789"
	    "012345678901234567\"...: a unix socket path may have at most "
	    "107 bytes");

	/* 16384 bytes is the longest line; one more is refused */
	memset(line, 0, sizeof(line));
	memcpy(line, "# ", 2);
	memset(line + 2, 'x', 16382);
	strcat(line, "\nlog_level = debug\n");
	{
		struct tr_config c;

		load_ok(line, &c);
		assert_int_equal(c.log_level, TR_LOG_DEBUG);
		tr_config_free(&c);
	}
	memset(line, 0, sizeof(line));
	memcpy(line, "\n# ", 3);
	memset(line + 3, 'x', 16383);
	strcat(line, "\n");
	load_err(line, "2: line longer than 16384 bytes");
}

static void
test_rua_forms(void **state __attribute__((unused)))
{
	struct tr_config c;

	load_ok("rua = a@example.com,b@example.com  @Reports.Example.NET\n"
	    "rua = \"c@example.org, d@example.org\"\n"
	    "rua = A@EXAMPLE.COM\n", &c);
	/* entries accumulate over lines; a repeated one is kept once */
	assert_int_equal(c.nrua, 5);
	assert_string_equal(c.rua[0], "a@example.com");
	assert_string_equal(c.rua[1], "b@example.com");
	assert_string_equal(c.rua[2], "@reports.example.net");
	assert_string_equal(c.rua[3], "c@example.org");
	assert_string_equal(c.rua[4], "d@example.org");
	tr_config_free(&c);

	load_err("rua = foo\n", "1: rua: \"foo\" is not an address (use "
	    "user@domain or @domain)");
	load_err("rua = ok@example.com, a@\n", "1: rua: \"a@\" is not an "
	    "address (use user@domain or @domain)");
	load_err("rua = @\n", "1: rua: \"@\" is not an address (use "
	    "user@domain or @domain)");
	load_err("rua = a@b@c\n", "1: rua: \"a@b@c\" is not an address (use "
	    "user@domain or @domain)");
	load_err("rua = a@-x.com\n", "1: rua: \"a@-x.com\" is not an address "
	    "(use user@domain or @domain)");
	load_err("rua = a@x..com\n", "1: rua: \"a@x..com\" is not an address "
	    "(use user@domain or @domain)");
	load_err("rua = <a@x.com>\n", "1: rua: \"<a@x.com>\" is not an address "
	    "(use user@domain or @domain)");
	load_err("rua = , ,\n", "1: rua: empty value");
}

static void
test_rua_match(void **state __attribute__((unused)))
{
	struct tr_config c;

	load_ok("rua = tlsrpt@example.com, @reports.example.net\n", &c);
	assert_true(tr_config_is_rua(&c, "tlsrpt@example.com"));
	assert_true(tr_config_is_rua(&c, "<TLSRPT@Example.COM>"));
	assert_true(tr_config_is_rua(&c, "  < tlsrpt@example.com >  "));
	assert_true(tr_config_is_rua(&c, "anyone@reports.example.net"));
	assert_true(tr_config_is_rua(&c, "<X@REPORTS.example.NET>"));
	/* @domain is exactly that domain, not its subdomains or parents */
	assert_false(tr_config_is_rua(&c, "x@sub.reports.example.net"));
	assert_false(tr_config_is_rua(&c, "x@example.net"));
	assert_false(tr_config_is_rua(&c, "x@xreports.example.net"));
	/* not rua */
	assert_false(tr_config_is_rua(&c, "postmaster@example.com"));
	assert_false(tr_config_is_rua(&c, "tlsrpt@example.com.evil"));
	assert_false(tr_config_is_rua(&c, "tlsrpt"));
	assert_false(tr_config_is_rua(&c, "<>"));
	assert_false(tr_config_is_rua(&c, ""));
	assert_false(tr_config_is_rua(&c, "@reports.example.net"));
	tr_config_free(&c);

	load_ok("rua = A@Example.COM\n", &c);
	assert_true(tr_config_is_rua(&c, "<A@Example.COM>"));
	assert_true(tr_config_is_rua(&c, "a@example.com"));
	assert_false(tr_config_is_rua(&c, "b@example.com"));
	tr_config_free(&c);
}

static void
test_relative_paths(void **state __attribute__((unused)))
{
	struct tr_config c;
	char want[8400];

	load_ok("database = var/t.db\n"
	    "log = logs/t.log\n"
	    "milter_socket = unix:m.sock\n", &c);
	snprintf(want, sizeof(want), "%s/var/t.db", realdir);
	assert_string_equal(c.database, want);
	snprintf(want, sizeof(want), "%s/logs/t.log", realdir);
	assert_string_equal(c.log_target, want);
	snprintf(want, sizeof(want), "unix:%s/m.sock", realdir);
	assert_string_equal(c.milter_socket, want);
	tr_config_free(&c);

	/* absolute paths and the log's stdout/stderr stay as written */
	load_ok("database = /x/t.db\nlog = stdout\n"
	    "milter_socket = unix:/run/x.sock\n", &c);
	assert_string_equal(c.database, "/x/t.db");
	assert_string_equal(c.log_target, "stdout");
	assert_string_equal(c.milter_socket, "unix:/run/x.sock");
	tr_config_free(&c);
}

/* test_database_targets - a PostgreSQL target is kept as written (no
 * directory put in front), "sqlite:" is a path; the instance's name and the
 * password file */
static void
test_database_targets(void **state __attribute__((unused)))
{
	struct tr_config c;
	char want[8400];

	load_ok("database = postgresql://tlsrptd@db1.example.com/tlsrpt\n"
	    "database_password_file = secret/db\n"
	    "instance_name = mx1.example.com\n", &c);
	assert_string_equal(c.database,
	    "postgresql://tlsrptd@db1.example.com/tlsrpt");
	snprintf(want, sizeof(want), "%s/secret/db", realdir);
	assert_string_equal(c.database_password_file, want);
	assert_string_equal(c.instance_name, "mx1.example.com");
	tr_config_free(&c);

	load_ok("database = \"host=db1.example.com dbname=tlsrpt\"\n", &c);
	assert_string_equal(c.database, "host=db1.example.com dbname=tlsrpt");
	assert_null(c.instance_name);		/* the host name, later */
	assert_null(c.database_password_file);
	tr_config_free(&c);

	load_ok("database = sqlite:var/t.db\n", &c);
	snprintf(want, sizeof(want), "%s/var/t.db", realdir);
	assert_string_equal(c.database, want);
	tr_config_free(&c);

	load_err("database = sqlite:\n", "1: database: empty path");
	load_err("instance_name = mx 1\n",
	    "1: instance_name: \"mx 1\" is not a host name");
}

static void
test_sockets(void **state __attribute__((unused)))
{
	struct tr_config c;

	load_ok("milter_socket = none\n", &c);
	assert_null(c.milter_socket);
	tr_config_free(&c);
	load_ok("milter_socket = inet6:8891@::1\n", &c);
	assert_string_equal(c.milter_socket, "inet6:8891@::1");
	tr_config_free(&c);
	load_ok("milter_socket = inet:65535@mail.example.com\n", &c);
	assert_string_equal(c.milter_socket, "inet:65535@mail.example.com");
	tr_config_free(&c);
}

static void
test_check_run(void **state __attribute__((unused)))
{
	struct tr_config c;
	struct tr_error err;
	char want[4400];

	load_ok("log = stdout\n", &c);
	assert_int_equal(tr_config_check_run(&c, &err), TR_ERR_SCHEMA);
	snprintf(want, sizeof(want), "%s/t.conf: no rua address: set rua to "
	    "the address(es) of your TLSRPT record", tmpdir);
	assert_string_equal(err.msg, want);
	tr_config_free(&c);

	load_ok("rua = @example.com\nmilter_socket = none\n", &c);
	assert_int_equal(tr_config_check_run(&c, &err), TR_ERR_SCHEMA);
	snprintf(want, sizeof(want), "%s/t.conf: no listener: milter_socket "
	    "is none and smtp_listen, lmtp_listen, http_listen and "
	    "https_listen are not set", tmpdir);
	assert_string_equal(err.msg, want);
	tr_config_free(&c);

	load_ok("rua = @example.com\nquarantine_not_ours = yes\n", &c);
	assert_int_equal(tr_config_check_run(&c, &err), TR_ERR_SCHEMA);
	snprintf(want, sizeof(want), "%s/t.conf: quarantine_not_ours needs "
	    "domains: without them every report would be quarantined",
	    tmpdir);
	assert_string_equal(err.msg, want);
	tr_config_free(&c);
	load_ok("rua = @example.com\nquarantine_not_ours = yes\n"
	    "domains = example.com\n", &c);
	assert_int_equal(tr_config_check_run(&c, &err), TR_OK);
	tr_config_free(&c);

	load_ok("rua = @example.com\n", &c);
	assert_int_equal(tr_config_check_run(&c, &err), TR_OK);
	tr_config_free(&c);

	/* any one listener will do */
	load_ok("rua = @example.com\nmilter_socket = none\n"
	    "lmtp_listen = unix:l.sock\n", &c);
	assert_int_equal(tr_config_check_run(&c, &err), TR_OK);
	tr_config_free(&c);

	load_ok("rua = @example.com\nmilter_socket = none\n"
	    "https_listen = 127.0.0.1:8443\n", &c);
	assert_int_equal(tr_config_check_run(&c, &err), TR_ERR_SCHEMA);
	snprintf(want, sizeof(want), "%s/t.conf: https_listen needs "
	    "tls_certificate and tls_key", tmpdir);
	assert_string_equal(err.msg, want);
	tr_config_free(&c);

	load_ok("rua = @example.com\ntls_key = k.pem\n", &c);
	assert_int_equal(tr_config_check_run(&c, &err), TR_ERR_SCHEMA);
	snprintf(want, sizeof(want), "%s/t.conf: tls_certificate and tls_key "
	    "go together: set both or neither", tmpdir);
	assert_string_equal(err.msg, want);
	tr_config_free(&c);
}

static void
test_listeners(void **state __attribute__((unused)))
{
	struct tr_config c;
	char want[4400];

	tr_config_defaults(&c);
	assert_int_equal(c.smtp_listen.n, 0);
	assert_int_equal(c.http_listen.n, 0);
	assert_null(c.smtp_hostname);
	assert_null(c.tls_certificate);
	assert_string_equal(c.http_path, "/tlsrpt");
	assert_string_equal(c.http_proxy_header, "X-Forwarded-For");
	assert_int_equal(c.smtp_max_connections, 200);
	assert_int_equal(c.smtp_max_per_client, 20);
	assert_int_equal(c.smtp_timeout, 300);
	assert_int_equal(c.smtp_data_timeout, 600);
	assert_int_equal(c.http_max_connections, 200);
	assert_int_equal(c.http_timeout, 60);
	tr_config_free(&c);

	/* lists accumulate over lines and commas, without repeats */
	load_ok("smtp_listen = 127.0.0.1:25, [::1]:25\n"
	    "smtp_listen = *:2525 127.0.0.1:25\n"
	    "lmtp_listen = unix:lmtp.sock\n"
	    "http_trusted_proxies = 10.0.0.1, ::1\n"
	    "smtp_hostname = mx.example.com\n"
	    "tls_certificate = cert.pem\ntls_key = /etc/key.pem\n"
	    "http_path = /v1/tlsrpt\nhttp_proxy_header = X-Real-IP\n", &c);
	assert_int_equal(c.smtp_listen.n, 3);
	assert_string_equal(c.smtp_listen.v[0], "127.0.0.1:25");
	assert_string_equal(c.smtp_listen.v[1], "[::1]:25");
	assert_string_equal(c.smtp_listen.v[2], "*:2525");
	assert_int_equal(c.lmtp_listen.n, 1);
	snprintf(want, sizeof(want), "unix:%s/lmtp.sock", realdir);
	assert_string_equal(c.lmtp_listen.v[0], want);
	snprintf(want, sizeof(want), "%s/cert.pem", realdir);
	assert_string_equal(c.tls_certificate, want);
	assert_string_equal(c.tls_key, "/etc/key.pem");
	assert_string_equal(c.smtp_hostname, "mx.example.com");
	assert_string_equal(c.http_path, "/v1/tlsrpt");
	assert_string_equal(c.http_proxy_header, "X-Real-IP");
	assert_true(tr_config_is_trusted_proxy(&c, "10.0.0.1"));
	assert_true(tr_config_is_trusted_proxy(&c, "0:0::1"));
	assert_false(tr_config_is_trusted_proxy(&c, "10.0.0.2"));
	assert_false(tr_config_is_trusted_proxy(&c, "not an address"));
	assert_false(tr_config_is_trusted_proxy(&c, NULL));
	tr_config_free(&c);

	/* none empties a list */
	load_ok("smtp_listen = 127.0.0.1:25\nsmtp_listen = none\n", &c);
	assert_int_equal(c.smtp_listen.n, 0);
	tr_config_free(&c);

	load_err("smtp_listen = localhost:25\n", "1: smtp_listen: "
	    "\"localhost:25\" is not IPv4:PORT, [IPv6]:PORT, *:PORT or "
	    "unix:PATH");
	load_err("smtp_listen = 25\n", "1: smtp_listen: \"25\" is not "
	    "IPv4:PORT, [IPv6]:PORT, *:PORT or unix:PATH");
	load_err("http_listen = ::1:80\n", "1: http_listen: \"::1:80\" is "
	    "not IPv4:PORT, [IPv6]:PORT, *:PORT or unix:PATH");
	load_err("https_listen = [::1]:65536\n", "1: https_listen: "
	    "\"[::1]:65536\": the port must be 1 to 65535");
	load_err("http_trusted_proxies = 10.0.0.0/8\n", "1: "
	    "http_trusted_proxies: \"10.0.0.0/8\" is not an IP address");
	load_err("http_path = tlsrpt\n", "1: http_path: \"tlsrpt\" is not a "
	    "URL path (\"/\" then printable characters without ?, # or %)");
	load_err("http_path = /a?b\n", "1: http_path: \"/a?b\" is not a "
	    "URL path (\"/\" then printable characters without ?, # or %)");
	load_err("http_proxy_header = \"X Real\"\n", "1: http_proxy_header: "
	    "\"X Real\" is not a header name");
	load_err("smtp_hostname = -mx.example\n", "1: smtp_hostname: "
	    "\"-mx.example\" is not a host name");
	load_err("smtp_timeout = 0\n", "1: smtp_timeout: 0 is below the "
	    "minimum 1");
	load_err("http_path = /a\nhttp_path = /b\n", "2: http_path given "
	    "twice (first at line 1)");
}

static void
test_operators(void **state __attribute__((unused)))
{
	struct tr_config c;
	struct tr_error err;

	tr_config_defaults(&c);
	assert_int_equal(c.metrics_listen.n, 0);
	assert_true(c.alert_failure_rate == 0);
	assert_int_equal(c.alert_min_sessions, 100);
	assert_null(c.alert_command);
	assert_int_equal(c.retention_days, 0);
	assert_int_equal(c.quarantine_retention_days, 0);
	tr_config_free(&c);

	load_ok("metrics_listen = 127.0.0.1:9464\nalert_failure_rate = 2.5%\n"
	    "alert_min_sessions = 10\nalert_command = bin/alert\n"
	    "retention_days = 400\nquarantine_retention_days = 30\n", &c);
	assert_string_equal(c.metrics_listen.v[0], "127.0.0.1:9464");
	assert_true(c.alert_failure_rate > 2.49 && c.alert_failure_rate < 2.51);
	assert_int_equal(c.alert_min_sessions, 10);
	assert_int_equal(c.retention_days, 400);
	assert_int_equal(c.quarantine_retention_days, 30);
	tr_config_free(&c);

	load_ok("alert_failure_rate = 100\n", &c);
	assert_true(c.alert_failure_rate == 100);
	tr_config_free(&c);
	load_ok("alert_failure_rate = 0.05\n", &c);
	assert_true(c.alert_failure_rate > 0.049 && c.alert_failure_rate < 0.051);
	tr_config_free(&c);

	load_ok("rua = a@example.com\nalert_command = /bin/true\n", &c);
	assert_int_equal(tr_config_check_run(&c, &err), TR_ERR_SCHEMA);
	tr_config_free(&c);

	load_err("alert_failure_rate = 100.5\n", "1: alert_failure_rate: "
	    "\"100.5\" is above 100%");
	load_err("alert_failure_rate = 1.234\n", "1: alert_failure_rate: "
	    "\"1.234\" is not a percentage (like 5 or 2.5%)");
	load_err("alert_failure_rate = five\n", "1: alert_failure_rate: "
	    "\"five\" is not a percentage (like 5 or 2.5%)");
	load_err("alert_failure_rate = 5.\n", "1: alert_failure_rate: "
	    "\"5.\" is not a percentage (like 5 or 2.5%)");
	load_err("retention_days = 40000\n", "1: retention_days: 40000 is "
	    "above the maximum 36500");
}

/* same - every configured value of a and b is equal */
static void
same(const struct tr_config *a, const struct tr_config *b)
{
	size_t i;

	assert_string_equal(a->database, b->database);
	assert_string_equal(a->log_target, b->log_target);
	assert_int_equal(a->log_level, b->log_level);
	assert_int_equal(a->nrua, b->nrua);
	for (i = 0; i < a->nrua; i++)
		assert_string_equal(a->rua[i], b->rua[i]);
	if (a->milter_socket == NULL)
		assert_null(b->milter_socket);
	else
		assert_string_equal(a->milter_socket, b->milter_socket);
	assert_int_equal(a->after_store, b->after_store);
	assert_int_equal(a->on_invalid, b->on_invalid);
	if (a->user == NULL)
		assert_null(b->user);
	else
		assert_string_equal(a->user, b->user);
	if (a->group == NULL)
		assert_null(b->group);
	else
		assert_string_equal(a->group, b->group);
	assert_int_equal(a->queue_limit, b->queue_limit);
	assert_int_equal(a->shutdown_timeout, b->shutdown_timeout);
	assert_memory_equal(&a->limits, &b->limits, sizeof(a->limits));
	assert_int_equal(a->smtp_listen.n, b->smtp_listen.n);
	for (i = 0; i < a->smtp_listen.n; i++)
		assert_string_equal(a->smtp_listen.v[i], b->smtp_listen.v[i]);
	assert_int_equal(a->http_trusted_proxies.n, b->http_trusted_proxies.n);
	assert_string_equal(a->http_path, b->http_path);
	assert_int_equal(a->smtp_timeout, b->smtp_timeout);
	assert_true(a->alert_failure_rate == b->alert_failure_rate);
	assert_int_equal(a->retention_days, b->retention_days);
	assert_int_equal(a->domains.n, b->domains.n);
	for (i = 0; i < a->domains.n; i++)
		assert_string_equal(a->domains.v[i], b->domains.v[i]);
	assert_int_equal(a->quarantine_not_ours, b->quarantine_not_ours);
}

/* dump_reload - dump c to a file, load that, compare */
static void
dump_reload(const struct tr_config *c)
{
	struct tr_config d;
	struct tr_error err;
	char path[4200];
	FILE *f;

	snprintf(path, sizeof(path), "%s/dump.conf", tmpdir);
	assert_non_null(f = fopen(path, "w"));
	tr_config_dump(c, f);
	fclose(f);
	if (tr_config_load(path, &d, &err) != TR_OK)
		fail_msg("reloading the dump: %s", err.msg);
	same(c, &d);
	tr_config_free(&d);
}

static void
test_dump_reload(void **state __attribute__((unused)))
{
	struct tr_config c;
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	load_ok("database = \"rel dir/t \\\"q\\\".db\"\n"
	    "log = stdout\nlog_level = error\n"
	    "rua = a@example.com, @example.org\nrua = b@example.com\n"
	    "milter_socket = none\nafter_store = discard\n"
	    "invalid_report = reject\nuser = tlsrptd\ngroup = mail\n"
	    "queue_limit = 7\nshutdown_timeout = 9\n"
	    "message_size_limit = 1536K\nreport_size_limit = 1025\n"
	    "mime_nesting_limit = 2\nmime_part_limit = 3\n"
	    "decompression_ratio_limit = 11\njson_depth_limit = 5\n", &c);
	dump_reload(&c);

	/* the dump speaks the file's syntax, with sizes in their unit */
	assert_non_null(f = open_memstream(&text, &len));
	tr_config_dump(&c, f);
	fclose(f);
	assert_non_null(strstr(text, "\nmessage_size_limit = 1536K\n"));
	assert_non_null(strstr(text, "\nreport_size_limit = 1025\n"));
	assert_non_null(strstr(text, "\nmilter_socket = none\n"));
	assert_non_null(strstr(text, "\nrua = @example.org\n"));
	assert_non_null(strstr(text, "/rel dir/t \\\"q\\\".db\"\n"));
	free(text);
	tr_config_free(&c);

	/* the defaults too, with rua, user and group unset */
	load_ok("", &c);
	dump_reload(&c);
	tr_config_free(&c);
}

static void
test_load_buf(void **state __attribute__((unused)))
{
	struct tr_config c;
	struct tr_error err;
	static const char text[] = "log_level = debug\nrua = @x.example\n"
	    "queue_limit = 0\n";

	/* only the first two lines: the buffer need not be NUL-terminated */
	assert_int_equal(tr_config_load_buf(text, 35, "mem.conf", &c, &err),
	    TR_OK);
	assert_int_equal(c.log_level, TR_LOG_DEBUG);
	assert_int_equal(c.nrua, 1);
	tr_config_free(&c);
	assert_int_equal(tr_config_load_buf(text, sizeof(text) - 1, "mem.conf",
	    &c, &err), TR_ERR_SCHEMA);
	assert_string_equal(err.msg,
	    "mem.conf:3: queue_limit: 0 is below the minimum 1");
	assert_int_equal(tr_config_load_buf("a\0b = c\n", 8, "nul.conf", &c,
	    &err), TR_ERR_SCHEMA);
	assert_string_equal(err.msg,
	    "nul.conf:1: control character 0x00 in the line");
}

static void
test_tree_configs(void **state __attribute__((unused)))
{
	struct tr_config c;
	struct tr_error err;
	char conf[4096], want[8200];

	if (tr_config_load(TESTDIR "/../conf/tlsrptd.conf", &c, &err) != TR_OK)
		fail_msg("conf/tlsrptd.conf: %s", err.msg);
	assert_string_equal(c.database, "/var/lib/tlsrptd/tlsrptd.db");
	assert_string_equal(c.milter_socket, "unix:/run/tlsrptd/milter.sock");
	assert_string_equal(c.user, "tlsrptd");
	assert_true(c.nrua >= 1);
	/* metrics on loopback out of the box */
	assert_int_equal(c.metrics_listen.n, 1);
	assert_string_equal(c.metrics_listen.v[0], "127.0.0.1:9464");
	assert_int_equal(tr_config_check_run(&c, &err), TR_OK);
	tr_config_free(&c);

	if (tr_config_load(TESTDIR "/../conf/tlsrptd-dev.conf", &c, &err) !=
	    TR_OK)
		fail_msg("conf/tlsrptd-dev.conf: %s", err.msg);
	assert_non_null(realpath(TESTDIR "/../conf", conf));
	snprintf(want, sizeof(want), "%s/var/tlsrptd.db", conf);
	assert_string_equal(c.database, want);
	snprintf(want, sizeof(want), "unix:%s/var/milter.sock", conf);
	assert_string_equal(c.milter_socket, want);
	assert_string_equal(c.log_target, "stdout");
	assert_null(c.user);
	assert_true(tr_config_is_rua(&c, "<tlsrpt@localhost>"));
	assert_true(tr_config_is_rua(&c, "anything@tlsrpt.test"));
	assert_int_equal(tr_config_check_run(&c, &err), TR_OK);
	tr_config_free(&c);
}

static void
test_dkim_keys(void **state __attribute__((unused)))
{
	struct tr_config c;

	/* the daemon's default is require */
	load_ok("", &c);
	assert_int_equal(c.dkim, TR_DKIM_REQUIRE);
	assert_int_equal(c.dkim_timeout, 5);
	assert_null(c.dkim_resolver);
	assert_null(c.dkim_trusted_authserv_id);
	tr_config_free(&c);
	load_ok("dkim = record\ndkim_timeout = 1\n"
	    "dkim_resolver = 127.0.0.1:5353\n"
	    "dkim_trusted_authserv_id = mx.example.org\n", &c);
	assert_int_equal(c.dkim, TR_DKIM_RECORD);
	assert_int_equal(c.dkim_timeout, 1);
	assert_string_equal(c.dkim_resolver, "127.0.0.1:5353");
	assert_string_equal(c.dkim_trusted_authserv_id, "mx.example.org");
	tr_config_free(&c);
	load_ok("dkim = off\ndkim_resolver = [::1]:53\n", &c);
	assert_int_equal(c.dkim, TR_DKIM_OFF);
	tr_config_free(&c);

	load_err("dkim = maybe\n", "1: dkim: \"maybe\" is not one of off, "
	    "record, require");
	load_err("dkim_timeout = 0\n", "1: dkim_timeout: 0 is below the "
	    "minimum 1");
	load_err("dkim_resolver = dns.example:53\n", "1: dkim_resolver: "
	    "\"dns.example:53\": not an IP address with an optional port "
	    "(192.0.2.1:5353, [2001:db8::1]:53)");
	load_err("dkim_resolver = 127.0.0.1:99999\n",
	    "1: dkim_resolver: \"127.0.0.1:99999\": bad port");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_empty_file_is_defaults),
		cmocka_unit_test(test_every_key),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_syntax),
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_error_messages),
		cmocka_unit_test(test_more_errors),
		cmocka_unit_test(test_rua_forms),
		cmocka_unit_test(test_rua_match),
		cmocka_unit_test(test_relative_paths),
		cmocka_unit_test(test_database_targets),
		cmocka_unit_test(test_sockets),
		cmocka_unit_test(test_check_run),
		cmocka_unit_test(test_listeners),
		cmocka_unit_test(test_operators),
		cmocka_unit_test(test_dump_reload),
		cmocka_unit_test(test_load_buf),
		cmocka_unit_test(test_tree_configs),
		cmocka_unit_test(test_dkim_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
