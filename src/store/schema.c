/* schema.c - the store's SQL schema: the SQLite migrations, identification,
 * versions (PostgreSQL's in schema_pg.c) */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "db.h"
#include "error.h"
#include "schema.h"

/*
 * The comments inside CREATE statements are kept by SQLite in sqlite_master,
 * so "sqlite3 tlsrptd.db .schema" shows an operator what each column means.
 * docs/schema.md says the same at more length; keep the two in step.
 */
/* The fields that make two failure details the same detail (as
 * cmp_failure in src/domain_count.c). */
#define TR_SCHEMA_DETAIL_KEY "f.result_type, f.sending_mta_ip, " \
	"f.receiving_mx_hostname, f.receiving_mx_helo, f.receiving_ip, " \
	"f.additional_information, f.failure_reason_code, f.failed_sessions"

const char *const tr_schema_migrations[] = {
	/* version 1: reports, policies, failure details, quarantine, views */
	"CREATE TABLE tlsrptd_meta (\n"
	"    key   TEXT PRIMARY KEY,  -- 'application' marks the file as ours\n"
	"    value TEXT               -- 'tlsrptd' for key 'application'\n"
	");\n"
	"INSERT INTO tlsrptd_meta (key, value) VALUES ('application', 'tlsrptd');\n"
	"\n"
	"-- One row per stored report; (organization_name, report_id) is unique,\n"
	"-- a second copy of a report is recognised as a duplicate and not stored.\n"
	"CREATE TABLE reports (\n"
	"    id                INTEGER PRIMARY KEY,\n"
	"    organization_name TEXT NOT NULL, -- organization-name: who sent it\n"
	"    report_id         TEXT NOT NULL, -- report-id, unique per sender\n"
	"    start_time        TEXT NOT NULL, -- date-range.start-datetime, UTC 'YYYY-MM-DDTHH:MM:SSZ'\n"
	"    end_time          TEXT NOT NULL, -- date-range.end-datetime, UTC 'YYYY-MM-DDTHH:MM:SSZ'\n"
	"    contact_info      TEXT,          -- contact-info; NULL when missing or null\n"
	"    report_domain     TEXT,          -- TLS-Report-Domain mail header\n"
	"    submitter         TEXT,          -- TLS-Report-Submitter mail header\n"
	"    message_id        TEXT,          -- Message-ID mail header\n"
	"    mail_from         TEXT,          -- From mail header\n"
	"    mail_date         TEXT,          -- Date mail header, as sent\n"
	"    subject           TEXT,          -- Subject mail header, RFC 2047 words as sent\n"
	"    way_in            TEXT NOT NULL, -- file, milter, smtp, lmtp, http or https\n"
	"    source            TEXT,          -- file path, MTA queue id or client address\n"
	"    envelope_from     TEXT,          -- SMTP MAIL FROM\n"
	"    envelope_to       TEXT,          -- SMTP RCPT TO addresses, comma-separated\n"
	"    received_at       TEXT NOT NULL, -- when tlsrptd got it, UTC 'YYYY-MM-DDTHH:MM:SSZ'\n"
	"    conformance_notes TEXT,          -- JSON array of strings: tolerated deviations; NULL when none\n"
	"    raw_json          TEXT NOT NULL, -- the report JSON exactly as received (decompressed)\n"
	"    UNIQUE (organization_name, report_id)\n"
	");\n"
	"CREATE INDEX reports_start_time ON reports (start_time);\n"
	"\n"
	"-- One row per element of the report's policies array.\n"
	"CREATE TABLE policies (\n"
	"    id                  INTEGER PRIMARY KEY,\n"
	"    report_ref          INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,\n"
	"    position            INTEGER NOT NULL, -- index in the report's policies array, from 0\n"
	"    policy_type         TEXT,             -- policy.policy-type: tlsa, sts or no-policy-found\n"
	"    policy_domain       TEXT,             -- policy.policy-domain (or TLS-Report-Domain when missing)\n"
	"    policy_string       TEXT,             -- policy.policy-string as a JSON array of strings\n"
	"    mx_host             TEXT,             -- policy.mx-host as a JSON array of strings\n"
	"    successful_sessions INTEGER NOT NULL, -- summary.total-successful-session-count\n"
	"    failed_sessions     INTEGER NOT NULL  -- summary.total-failure-session-count\n"
	");\n"
	"CREATE INDEX policies_report_ref ON policies (report_ref);\n"
	"CREATE INDEX policies_policy_domain ON policies (policy_domain);\n"
	"\n"
	"-- One row per element of a policy's failure-details array.\n"
	"CREATE TABLE failure_details (\n"
	"    id                     INTEGER PRIMARY KEY,\n"
	"    policy_ref             INTEGER NOT NULL REFERENCES policies (id) ON DELETE CASCADE,\n"
	"    result_type            TEXT NOT NULL,    -- result-type as sent, e.g. certificate-expired\n"
	"    result_type_known      INTEGER NOT NULL, -- 1 when result_type is in the RFC 8460 registry\n"
	"    sending_mta_ip         TEXT,             -- sending-mta-ip\n"
	"    receiving_mx_hostname  TEXT,             -- receiving-mx-hostname\n"
	"    receiving_mx_helo      TEXT,             -- receiving-mx-helo\n"
	"    receiving_ip           TEXT,             -- receiving-ip\n"
	"    failed_sessions        INTEGER NOT NULL, -- failed-session-count\n"
	"    additional_information TEXT,             -- additional-information (a URI)\n"
	"    failure_reason_code    TEXT              -- failure-reason-code\n"
	");\n"
	"CREATE INDEX failure_details_policy_ref ON failure_details (policy_ref);\n"
	"\n"
	"-- Messages that held no valid report, kept whole with the reason.\n"
	"CREATE TABLE quarantine (\n"
	"    id            INTEGER PRIMARY KEY,\n"
	"    received_at   TEXT NOT NULL, -- when tlsrptd got it, UTC 'YYYY-MM-DDTHH:MM:SSZ'\n"
	"    way_in        TEXT NOT NULL, -- file, milter, smtp, lmtp, http or https\n"
	"    source        TEXT,          -- file path, MTA queue id or client address\n"
	"    envelope_from TEXT,          -- SMTP MAIL FROM\n"
	"    envelope_to   TEXT,          -- SMTP RCPT TO addresses, comma-separated\n"
	"    message_id    TEXT,          -- Message-ID mail header, when it could be read\n"
	"    mail_from     TEXT,          -- From mail header\n"
	"    subject       TEXT,          -- Subject mail header\n"
	"    reason_class  TEXT NOT NULL, -- stable error class, e.g. gzip-truncated, schema\n"
	"    reason        TEXT NOT NULL, -- the exact reason, naming the place\n"
	"    raw           BLOB NOT NULL, -- the message exactly as received\n"
	"    raw_sha256    TEXT NOT NULL UNIQUE -- hex SHA-256 of raw: a message is kept once\n"
	");\n"
	"CREATE INDEX quarantine_received_at ON quarantine (received_at);\n"
	"\n"
	"-- Sessions of each (report, policy_domain), counted once. Microsoft reports\n"
	"-- the same sessions under a tlsa and an sts policy of one domain, so the\n"
	"-- policies of one report must not simply be added: sum per policy_type,\n"
	"-- then keep the policy_type with the most sessions (ties: most failures,\n"
	"-- then by name, so the choice is stable). Totals use total() because\n"
	"-- sum() stops the whole query on integer overflow, and the counts come\n"
	"-- from strangers; they are exact below 2^53 and saturate above.\n"
	"CREATE VIEW report_domain_sessions AS\n"
	"WITH per_type AS (\n"
	"    SELECT report_ref, policy_domain, policy_type,\n"
	"           total(successful_sessions) AS ok,\n"
	"           total(failed_sessions) AS failed\n"
	"      FROM policies\n"
	"     GROUP BY report_ref, policy_domain, policy_type\n"
	"), ranked AS (\n"
	"    SELECT *, row_number() OVER (\n"
	"               PARTITION BY report_ref, policy_domain\n"
	"               ORDER BY ok + failed DESC, failed DESC, policy_type) AS pick\n"
	"      FROM per_type\n"
	")\n"
	"SELECT report_ref,                                  -- reports.id\n"
	"       policy_domain,                               -- policies.policy_domain\n"
	"       policy_type,                                 -- the policy_type counted\n"
	"       CAST(ok AS INTEGER) AS successful_sessions,  -- its successful sessions\n"
	"       CAST(failed AS INTEGER) AS failed_sessions   -- its failed sessions\n"
	"  FROM ranked\n"
	" WHERE pick = 1;\n"
	"\n"
	"-- Per day (date of start_time) and policy domain: reports and\n"
	"-- organizations that covered it, sessions counted once per report (see\n"
	"-- report_domain_sessions), failure_rate = failed / (successful + failed)\n"
	"-- or NULL when there were no sessions.\n"
	"CREATE VIEW domain_daily AS\n"
	"SELECT date(r.start_time) AS day,                         -- UTC day the report starts\n"
	"       s.policy_domain,                                   -- the domain\n"
	"       count(*) AS reports,                               -- reports covering it\n"
	"       count(DISTINCT r.organization_name) AS organizations, -- distinct senders\n"
	"       CAST(total(s.successful_sessions) AS INTEGER) AS successful_sessions,\n"
	"       CAST(total(s.failed_sessions) AS INTEGER) AS failed_sessions,\n"
	"       CASE WHEN total(s.successful_sessions) + total(s.failed_sessions) = 0\n"
	"            THEN NULL\n"
	"            ELSE total(s.failed_sessions) /\n"
	"                 (total(s.successful_sessions) + total(s.failed_sessions))\n"
	"       END AS failure_rate                                -- REAL 0..1, NULL without sessions\n"
	"  FROM report_domain_sessions s\n"
	"  JOIN reports r ON r.id = s.report_ref\n"
	" GROUP BY day, s.policy_domain;\n"
	"\n"
	"-- Failure details per day, domain, policy type, sender, result type,\n"
	"-- receiving MX and sending MTA. This is the raw breakdown: a report that\n"
	"-- lists the same failures under tlsa and sts appears under both\n"
	"-- policy_type values, so filter on policy_type before adding them up.\n"
	"CREATE VIEW failures_daily AS\n"
	"SELECT date(r.start_time) AS day,   -- UTC day the report starts\n"
	"       p.policy_domain,             -- the domain\n"
	"       p.policy_type,               -- tlsa, sts or no-policy-found\n"
	"       r.organization_name,         -- the sender\n"
	"       f.result_type,               -- e.g. certificate-expired\n"
	"       f.receiving_mx_hostname,     -- the MX that failed (may be NULL)\n"
	"       f.sending_mta_ip,            -- the sender's MTA (may be NULL)\n"
	"       CAST(total(f.failed_sessions) AS INTEGER) AS failed_sessions\n"
	"  FROM failure_details f\n"
	"  JOIN policies p ON p.id = f.policy_ref\n"
	"  JOIN reports r ON r.id = p.report_ref\n"
	" GROUP BY day, p.policy_domain, p.policy_type, r.organization_name,\n"
	"          f.result_type, f.receiving_mx_hostname, f.sending_mta_ip;\n"
	"\n"
	"-- One row per report: its policy count and its sessions, each domain's\n"
	"-- sessions counted once (see report_domain_sessions).\n"
	"CREATE VIEW report_summary AS\n"
	"SELECT r.id,                       -- reports.id\n"
	"       r.organization_name,        -- the sender\n"
	"       r.report_id,                -- the sender's report-id\n"
	"       r.start_time,\n"
	"       r.end_time,\n"
	"       coalesce(pc.policies, 0) AS policies, -- rows in policies\n"
	"       coalesce(ss.successful_sessions, 0) AS successful_sessions,\n"
	"       coalesce(ss.failed_sessions, 0) AS failed_sessions\n"
	"  FROM reports r\n"
	"  LEFT JOIN (SELECT report_ref, count(*) AS policies\n"
	"               FROM policies GROUP BY report_ref) pc\n"
	"         ON pc.report_ref = r.id\n"
	"  LEFT JOIN (SELECT report_ref,\n"
	"                    CAST(total(successful_sessions) AS INTEGER)\n"
	"                        AS successful_sessions,\n"
	"                    CAST(total(failed_sessions) AS INTEGER)\n"
	"                        AS failed_sessions\n"
	"               FROM report_domain_sessions GROUP BY report_ref) ss\n"
	"         ON ss.report_ref = r.id;\n",

	/*
	 * version 2: the count-once rule kept as a table, so that questions
	 * over a year of reports read one index instead of re-ranking every
	 * policy; the views read it.
	 */
	"-- One row per (report, policy_domain): the policy_type counted and its\n"
	"-- sessions (the rule of report_domain_sessions), with the report's\n"
	"-- start_time and organization_name copied so that the questions per\n"
	"-- domain and period are answered from the index alone. Kept by the\n"
	"-- trigger below as policies are inserted; deleted with the report.\n"
	"CREATE TABLE report_domains (\n"
	"    report_ref          INTEGER NOT NULL REFERENCES reports (id) ON DELETE CASCADE,\n"
	"    policy_domain       TEXT,             -- policies.policy_domain\n"
	"    policy_type         TEXT,             -- the policy_type counted\n"
	"    start_time          TEXT NOT NULL,    -- reports.start_time\n"
	"    organization_name   TEXT NOT NULL,    -- reports.organization_name\n"
	"    successful_sessions INTEGER NOT NULL, -- its successful sessions\n"
	"    failed_sessions     INTEGER NOT NULL, -- its failed sessions\n"
	"    UNIQUE (report_ref, policy_domain)\n"
	");\n"
	"CREATE INDEX report_domains_domain ON report_domains (policy_domain,\n"
	"    start_time, organization_name, successful_sessions, failed_sessions);\n"
	"\n"
	"INSERT INTO report_domains (report_ref, policy_domain, policy_type,\n"
	"       start_time, organization_name, successful_sessions, failed_sessions)\n"
	"SELECT s.report_ref, s.policy_domain, s.policy_type, r.start_time,\n"
	"       r.organization_name, s.successful_sessions, s.failed_sessions\n"
	"  FROM report_domain_sessions s JOIN reports r ON r.id = s.report_ref;\n"
	"\n"
	"-- Each new policy counts for its (report, policy_domain): the first\n"
	"-- one as it is; a further one re-ranks the types of the pair (the\n"
	"-- most sessions, then the most failures, then by name).\n"
	"CREATE TRIGGER policies_report_domains AFTER INSERT ON policies\n"
	"WHEN NEW.policy_domain IS NOT NULL\n"
	"BEGIN\n"
	"    INSERT INTO report_domains (report_ref, policy_domain, policy_type,\n"
	"           start_time, organization_name, successful_sessions,\n"
	"           failed_sessions)\n"
	"    SELECT NEW.report_ref, NEW.policy_domain, NEW.policy_type,\n"
	"           r.start_time, r.organization_name, NEW.successful_sessions,\n"
	"           NEW.failed_sessions\n"
	"      FROM reports r WHERE r.id = NEW.report_ref\n"
	"    ON CONFLICT (report_ref, policy_domain) DO UPDATE\n"
	"       SET (policy_type, successful_sessions, failed_sessions) =\n"
	"           (SELECT policy_type, CAST(ok AS INTEGER), CAST(failed AS INTEGER)\n"
	"              FROM (SELECT policy_type, total(successful_sessions) AS ok,\n"
	"                           total(failed_sessions) AS failed\n"
	"                      FROM policies\n"
	"                     WHERE report_ref = NEW.report_ref\n"
	"                       AND policy_domain = NEW.policy_domain\n"
	"                     GROUP BY policy_type\n"
	"                     ORDER BY ok + failed DESC, failed DESC, policy_type\n"
	"                     LIMIT 1));\n"
	"END;\n"
	"-- A policy without a domain (the store never writes one) is ranked\n"
	"-- with the others of its report that lack one, as the views did.\n"
	"CREATE TRIGGER policies_report_domains_null AFTER INSERT ON policies\n"
	"WHEN NEW.policy_domain IS NULL\n"
	"BEGIN\n"
	"    DELETE FROM report_domains\n"
	"     WHERE report_ref = NEW.report_ref AND policy_domain IS NULL;\n"
	"    INSERT INTO report_domains (report_ref, policy_domain, policy_type,\n"
	"           start_time, organization_name, successful_sessions,\n"
	"           failed_sessions)\n"
	"    SELECT NEW.report_ref, NULL, t.policy_type, r.start_time,\n"
	"           r.organization_name, CAST(t.ok AS INTEGER),\n"
	"           CAST(t.failed AS INTEGER)\n"
	"      FROM (SELECT policy_type, total(successful_sessions) AS ok,\n"
	"                   total(failed_sessions) AS failed\n"
	"              FROM policies\n"
	"             WHERE report_ref = NEW.report_ref AND policy_domain IS NULL\n"
	"             GROUP BY policy_type\n"
	"             ORDER BY ok + failed DESC, failed DESC, policy_type\n"
	"             LIMIT 1) t\n"
	"      JOIN reports r ON r.id = NEW.report_ref;\n"
	"END;\n"
	"\n"
	"DROP VIEW report_domain_sessions;\n"
	"CREATE VIEW report_domain_sessions AS\n"
	"SELECT report_ref, policy_domain, policy_type, successful_sessions,\n"
	"       failed_sessions\n"
	"  FROM report_domains;\n"
	"\n"
	"DROP VIEW domain_daily;\n"
	"CREATE VIEW domain_daily AS\n"
	"SELECT substr(start_time, 1, 10) AS day,           -- UTC day the report starts\n"
	"       policy_domain,                              -- the domain\n"
	"       count(*) AS reports,                        -- reports covering it\n"
	"       count(DISTINCT organization_name) AS organizations, -- distinct senders\n"
	"       CAST(total(successful_sessions) AS INTEGER) AS successful_sessions,\n"
	"       CAST(total(failed_sessions) AS INTEGER) AS failed_sessions,\n"
	"       CASE WHEN total(successful_sessions) + total(failed_sessions) = 0\n"
	"            THEN NULL\n"
	"            ELSE total(failed_sessions) /\n"
	"                 (total(successful_sessions) + total(failed_sessions))\n"
	"       END AS failure_rate                         -- REAL 0..1, NULL without sessions\n"
	"  FROM report_domains\n"
	" GROUP BY day, policy_domain;\n",

	/* version 3: failure-rate alerts already raised */
	"-- One row per failure-rate alert raised by the daemon: at most one per\n"
	"-- policy domain and day (alert_failure_rate in tlsrptd.conf), kept so\n"
	"-- that a restart does not raise it again.\n"
	"CREATE TABLE alerts (\n"
	"    id                  INTEGER PRIMARY KEY,\n"
	"    policy_domain       TEXT NOT NULL,    -- the domain, as domain_daily.policy_domain\n"
	"    day                 TEXT NOT NULL,    -- UTC day 'YYYY-MM-DD', as domain_daily.day\n"
	"    raised_at           TEXT NOT NULL,    -- when, UTC 'YYYY-MM-DDTHH:MM:SSZ'\n"
	"    failure_rate        REAL NOT NULL,    -- the day's failure rate then, 0..1\n"
	"    successful_sessions INTEGER NOT NULL, -- the day's successful sessions then\n"
	"    failed_sessions     INTEGER NOT NULL, -- the day's failed sessions then\n"
	"    threshold           REAL NOT NULL,    -- alert_failure_rate then, in percent\n"
	"    UNIQUE (policy_domain, day)\n"
	");\n",

	/*
	 * version 4: report_domains is written by the store with each report
	 * (src/domain_count.c has the rule). The triggers made every policy
	 * insert a statement with a statement journal: most of the cost of
	 * storing a report in bulk.
	 */
	"DROP TRIGGER IF EXISTS policies_report_domains;\n"
	"DROP TRIGGER IF EXISTS policies_report_domains_null;\n",

	/*
	 * version 5: the counting rule of src/domain_count.c (docs/schema.md,
	 * "Counting"): sts and tlsa once, no-policy-found added; failure
	 * details of the type not counted are kept unless they repeat one of
	 * the counted type. report_domains is recomputed from the policies, the
	 * repeats marked; the quarantine keeps one row per content.
	 */
	"ALTER TABLE failure_details ADD COLUMN\n"
	"    repeated INTEGER NOT NULL DEFAULT 0; -- 1: the same detail is listed under the domain's counted sts/tlsa policy: counted once, there\n"
	"\n"
	"ALTER TABLE quarantine ADD COLUMN\n"
	"    times_seen INTEGER NOT NULL DEFAULT 1; -- how often this content arrived\n"
	"ALTER TABLE quarantine ADD COLUMN\n"
	"    last_seen_at TEXT; -- when it last arrived, UTC 'YYYY-MM-DDTHH:MM:SSZ'; NULL: only once\n"
	"ALTER TABLE quarantine ADD COLUMN\n"
	"    content_sha256 TEXT; -- hex SHA-256 of the decompressed report(s), or of raw when there was none to decompress\n"
	"ALTER TABLE quarantine ADD COLUMN\n"
	"    organization_name TEXT; -- organization-name, when the JSON could be read that far\n"
	"ALTER TABLE quarantine ADD COLUMN\n"
	"    report_id TEXT; -- report-id, the same\n"
	"CREATE UNIQUE INDEX quarantine_content ON quarantine (content_sha256)\n"
	"    WHERE content_sha256 IS NOT NULL;\n"
	"CREATE UNIQUE INDEX quarantine_report ON quarantine (organization_name,\n"
	"    report_id) WHERE report_id IS NOT NULL;\n"
	"\n"
	"DELETE FROM report_domains;\n"
	"INSERT INTO report_domains (report_ref, policy_domain, policy_type,\n"
	"       start_time, organization_name, successful_sessions, failed_sessions)\n"
	"WITH per_type AS (\n"
	"    SELECT report_ref, policy_domain, policy_type,\n"
	"           policy_type IN ('sts', 'tlsa') AS overlap,\n"
	"           total(successful_sessions) AS ok,\n"
	"           total(failed_sessions) AS failed\n"
	"      FROM policies\n"
	"     GROUP BY report_ref, policy_domain, policy_type\n"
	"), ranked AS (\n"
	"    SELECT *, CASE WHEN overlap THEN row_number() OVER (\n"
	"               PARTITION BY report_ref, policy_domain, overlap\n"
	"               ORDER BY ok + failed DESC, failed DESC, policy_type)\n"
	"           ELSE 0 END AS pick\n"
	"      FROM per_type\n"
	")\n"
	"SELECT t.report_ref, t.policy_domain,\n"
	"       coalesce(max(CASE WHEN t.pick = 1 THEN t.policy_type END),\n"
	"                min(t.policy_type)),\n"
	"       r.start_time, r.organization_name,\n"
	"       CAST(total(CASE WHEN t.pick <= 1 THEN t.ok END) AS INTEGER),\n"
	"       CAST(total(CASE WHEN t.pick <= 1 THEN t.failed END) AS INTEGER)\n"
	"  FROM ranked t JOIN reports r ON r.id = t.report_ref\n"
	" GROUP BY t.report_ref, t.policy_domain;\n"
	"\n"
	"UPDATE failure_details SET repeated = 1 WHERE id IN (\n"
	"    SELECT id FROM (\n"
	"        SELECT f.id, p.policy_type IS s.policy_type AS counted,\n"
	"               row_number() OVER (PARTITION BY p.report_ref,\n"
	"                   p.policy_domain, p.policy_type, " TR_SCHEMA_DETAIL_KEY "\n"
	"                   ORDER BY p.position, f.id) AS k,\n"
	"               total(p.policy_type IS s.policy_type) OVER (\n"
	"                   PARTITION BY p.report_ref, p.policy_domain,\n"
	"                   " TR_SCHEMA_DETAIL_KEY ") AS n\n"
	"          FROM failure_details f\n"
	"          JOIN policies p ON p.id = f.policy_ref\n"
	"          JOIN report_domains s ON s.report_ref = p.report_ref\n"
	"           AND s.policy_domain IS p.policy_domain\n"
	"         WHERE p.policy_type IN ('sts', 'tlsa'))\n"
	"     WHERE NOT counted AND k <= n);\n",

	/* version 6: the DKIM verdict of every report that came by mail */
	"-- One row per report that came by mail and was checked for DKIM\n"
	"-- (dkim = require or record); none for HTTPS and bare files.\n"
	"CREATE TABLE report_dkim (\n"
	"    report_ref           INTEGER PRIMARY KEY REFERENCES reports (id) ON DELETE CASCADE,\n"
	"    result               TEXT NOT NULL,    -- pass, fail, none or temperror\n"
	"    cause                TEXT NOT NULL,    -- ok, no-signature, body-hash-mismatch, key-not-found, ...\n"
	"    detail               TEXT,             -- the cause in words\n"
	"    domain               TEXT,             -- d= of the accepted signature (else of the one the cause is about)\n"
	"    selector             TEXT,             -- s=\n"
	"    algorithm            TEXT,             -- a=, e.g. rsa-sha256 or ed25519-sha256\n"
	"    key_tlsrpt           INTEGER NOT NULL, -- 1 when the key record says s=tlsrpt or s=*\n"
	"    report_domain_signed INTEGER NOT NULL, -- 1 when h= covers TLS-Report-Domain\n"
	"    submitter_signed     INTEGER NOT NULL, -- 1 when h= covers TLS-Report-Submitter\n"
	"    via                  TEXT NOT NULL,    -- dns, or authres:<authserv-id> (a trusted Authentication-Results)\n"
	"    policy               TEXT NOT NULL     -- the dkim setting it was stored under: require or record\n"
	");\n"
	"CREATE INDEX report_dkim_result ON report_dkim (result);\n"
	"\n"
	"-- Copies of a report that arrived under an organization_name and report_id\n"
	"-- already stored, with other content: kept here, never counted. kind\n"
	"-- 'conflict': the copy that arrived second and was not taken; kind\n"
	"-- 'superseded': a copy that was stored, replaced by a DKIM-verified one.\n"
	"CREATE TABLE report_conflicts (\n"
	"    id                INTEGER PRIMARY KEY,\n"
	"    organization_name TEXT NOT NULL, -- the key the copies share\n"
	"    report_id         TEXT NOT NULL,\n"
	"    kind              TEXT NOT NULL, -- conflict or superseded\n"
	"    stored_ref        INTEGER REFERENCES reports (id) ON DELETE SET NULL, -- the report stored under the key\n"
	"    received_at       TEXT NOT NULL, -- when this copy arrived, UTC 'YYYY-MM-DDTHH:MM:SSZ'\n"
	"    way_in            TEXT NOT NULL, -- file, milter, smtp, lmtp or https\n"
	"    source            TEXT,          -- file path, MTA queue id or client address\n"
	"    envelope_from     TEXT,\n"
	"    message_id        TEXT,\n"
	"    mail_from         TEXT,\n"
	"    dkim_result       TEXT,          -- this copy's DKIM result, NULL when unchecked\n"
	"    noted_at          TEXT NOT NULL, -- when it was put here\n"
	"    raw_json          TEXT NOT NULL  -- this copy's report JSON as received\n"
	");\n"
	"CREATE INDEX report_conflicts_key ON report_conflicts (organization_name, report_id);\n"
	"CREATE INDEX report_conflicts_stored_ref ON report_conflicts (stored_ref);\n",

	/*
	 * version 7: several tlsrptd instances (one per MX) may share one
	 * database: every row that arrived names the one that received it.
	 */
	"ALTER TABLE reports ADD COLUMN\n"
	"    instance_name TEXT; -- the tlsrptd that received it (instance_name in tlsrptd.conf); NULL: stored before version 7\n"
	"ALTER TABLE quarantine ADD COLUMN\n"
	"    instance_name TEXT; -- the tlsrptd that received it first\n"
	"ALTER TABLE report_conflicts ADD COLUMN\n"
	"    instance_name TEXT; -- the tlsrptd that received this copy\n",
};

const int tr_schema_latest =
    (int)(sizeof(tr_schema_migrations) / sizeof(tr_schema_migrations[0]));

/* tr_schema_rcname - "SQLITE_FULL" and so on for a (possibly extended) code */
const char *
tr_schema_rcname(int rc)
{
	/* Only the primary code: the extended one is printed as a number. */
	switch (rc & 0xff) {
	case SQLITE_OK:		return "SQLITE_OK";
	case SQLITE_ERROR:	return "SQLITE_ERROR";
	case SQLITE_INTERNAL:	return "SQLITE_INTERNAL";
	case SQLITE_PERM:	return "SQLITE_PERM";
	case SQLITE_ABORT:	return "SQLITE_ABORT";
	case SQLITE_BUSY:	return "SQLITE_BUSY";
	case SQLITE_LOCKED:	return "SQLITE_LOCKED";
	case SQLITE_NOMEM:	return "SQLITE_NOMEM";
	case SQLITE_READONLY:	return "SQLITE_READONLY";
	case SQLITE_INTERRUPT:	return "SQLITE_INTERRUPT";
	case SQLITE_IOERR:	return "SQLITE_IOERR";
	case SQLITE_CORRUPT:	return "SQLITE_CORRUPT";
	case SQLITE_NOTFOUND:	return "SQLITE_NOTFOUND";
	case SQLITE_FULL:	return "SQLITE_FULL";
	case SQLITE_CANTOPEN:	return "SQLITE_CANTOPEN";
	case SQLITE_PROTOCOL:	return "SQLITE_PROTOCOL";
	case SQLITE_SCHEMA:	return "SQLITE_SCHEMA";
	case SQLITE_TOOBIG:	return "SQLITE_TOOBIG";
	case SQLITE_CONSTRAINT:	return "SQLITE_CONSTRAINT";
	case SQLITE_MISMATCH:	return "SQLITE_MISMATCH";
	case SQLITE_MISUSE:	return "SQLITE_MISUSE";
	case SQLITE_NOLFS:	return "SQLITE_NOLFS";
	case SQLITE_AUTH:	return "SQLITE_AUTH";
	case SQLITE_RANGE:	return "SQLITE_RANGE";
	case SQLITE_NOTADB:	return "SQLITE_NOTADB";
	default:		return "SQLITE_UNKNOWN";
	}
}

/* tr_schema_dberror - TR_ERR_STORE naming path, the step and SQLite's error */
enum tr_err
tr_schema_dberror(struct tr_error *err, sqlite3 *db, int rc, const char *path,
    const char *what)
{
	const char *msg;
	int xrc;

	/* The handle's error is the precise one; rc covers a NULL handle. */
	xrc = db != NULL ? sqlite3_extended_errcode(db) : rc;
	if (xrc == SQLITE_OK)
		xrc = rc;
	msg = db != NULL ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	if ((xrc & 0xff) == xrc)
		return tr_error_set(err, TR_ERR_STORE, "%s: %s: %s [%s]",
		    path, what, msg, tr_schema_rcname(xrc));
	return tr_error_set(err, TR_ERR_STORE, "%s: %s: %s [%s/%d]",
	    path, what, msg, tr_schema_rcname(xrc), xrc);
}

/* query_int - run sql that yields one integer; -1 with err set on failure */
static int
query_int(sqlite3 *db, const char *path, const char *sql, long long *out,
    struct tr_error *err)
{
	sqlite3_stmt *stmt;
	int rc;

	rc = sqlite3_prepare_v2(db, sql, -1, &stmt, NULL);
	if (rc != SQLITE_OK)
		goto fail;
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW)
		goto fail;
	*out = sqlite3_column_int64(stmt, 0);
	sqlite3_finalize(stmt);
	return 0;
fail:
	if ((sqlite3_extended_errcode(db) & 0xff) == SQLITE_NOTADB ||
	    (rc & 0xff) == SQLITE_NOTADB)
		tr_error_set(err, TR_ERR_STORE, "%s: not a SQLite database (%s)",
		    path, sqlite3_errmsg(db));
	else
		tr_schema_dberror(err, db, rc, path, "reading the schema");
	sqlite3_finalize(stmt);
	return -1;
}

/* marker_is_ours - 1 when tlsrptd_meta names us, 0 when not, -1 on error */
static int
marker_is_ours(sqlite3 *db, const char *path, struct tr_error *err)
{
	sqlite3_stmt *stmt;
	int rc, ours;

	rc = sqlite3_prepare_v2(db, "SELECT value FROM " TR_SCHEMA_MARKER_TABLE
	    " WHERE key = 'application'", -1, &stmt, NULL);
	if (rc != SQLITE_OK) {
		/* A tlsrptd_meta of some other shape is not ours. */
		if (rc == SQLITE_ERROR)
			return 0;
		tr_schema_dberror(err, db, rc, path, "reading the schema");
		return -1;
	}
	rc = sqlite3_step(stmt);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		tr_schema_dberror(err, db, rc, path, "reading the schema");
		sqlite3_finalize(stmt);
		return -1;
	}
	ours = rc == SQLITE_ROW &&
	    sqlite3_column_type(stmt, 0) == SQLITE_TEXT &&
	    strcmp((const char *)sqlite3_column_text(stmt, 0),
	    TR_SCHEMA_APPLICATION) == 0;
	sqlite3_finalize(stmt);
	return ours;
}

/* tr_schema_identify - what db holds, refusing what we must not touch */
enum tr_err
tr_schema_identify(sqlite3 *db, const char *path, int *version,
    struct tr_error *err)
{
	long long objects, marker, uv;
	int ours;

	/* The first read of sqlite_master is what fails on a non-SQLite file. */
	if (query_int(db, path, "SELECT count(*) FROM sqlite_master",
	    &objects, err) == -1)
		return TR_ERR_STORE;
	if (query_int(db, path, "PRAGMA user_version", &uv, err) == -1)
		return TR_ERR_STORE;
	if (objects == 0 && uv == 0) {
		*version = 0;
		return TR_OK;
	}
	if (query_int(db, path, "SELECT count(*) FROM sqlite_master WHERE "
	    "type = 'table' AND name = '" TR_SCHEMA_MARKER_TABLE "'",
	    &marker, err) == -1)
		return TR_ERR_STORE;
	ours = 0;
	if (marker > 0 && (ours = marker_is_ours(db, path, err)) == -1)
		return TR_ERR_STORE;
	if (!ours)
		return tr_error_set(err, TR_ERR_STORE, "%s: a SQLite database "
		    "of another application (no tlsrptd schema); refusing to "
		    "modify it", path);
	if (uv > tr_schema_latest)
		return tr_error_set(err, TR_ERR_STORE, "%s: schema version %lld "
		    "is newer than this tlsrptd supports (%d)", path, uv,
		    tr_schema_latest);
	if (uv < 1)
		/* Our marker is written in the same transaction as version 1. */
		return tr_error_set(err, TR_ERR_STORE, "%s: tlsrptd schema "
		    "marker present but schema version is %lld; refusing to "
		    "modify it", path, uv);
	*version = (int)uv;
	return TR_OK;
}

/* exec - run sql (no rows), err set on failure */
static enum tr_err
exec(sqlite3 *db, const char *path, const char *sql, const char *what,
    struct tr_error *err)
{
	int rc;

	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return tr_schema_dberror(err, db, rc, path, what);
	return TR_OK;
}

/* tr_schema_steps - the migrations after db's version, one by one */
enum tr_err
tr_schema_steps(sqlite3 *db, const char *path, struct tr_error *err)
{
	char what[64], setv[64];
	long long uv;
	int v;

	/* Up to date needs no write lock, so a write-protected file still
	 * opens and fails only when written to. */
	if (query_int(db, path, "PRAGMA user_version", &uv, err) == -1)
		return TR_ERR_STORE;
	for (v = (int)uv + 1; v <= tr_schema_latest; v++) {
		snprintf(what, sizeof(what), "schema migration to version %d",
		    v);
		/* IMMEDIATE takes the write lock now, so the version we read
		 * below cannot change before we commit. */
		if (exec(db, path, "BEGIN IMMEDIATE", what, err) != TR_OK)
			return TR_ERR_STORE;
		if (query_int(db, path, "PRAGMA user_version", &uv, err) == -1)
			goto fail;
		if (uv >= v) {
			if (exec(db, path, "COMMIT", what, err) != TR_OK)
				goto fail;
			continue;
		}
		snprintf(setv, sizeof(setv), "PRAGMA user_version = %d", v);
		if (exec(db, path, tr_schema_migrations[v - 1], what,
		    err) != TR_OK ||
		    exec(db, path, setv, what, err) != TR_OK ||
		    exec(db, path, "COMMIT", what, err) != TR_OK)
			goto fail;
	}
	return TR_OK;
fail:
	/* Keep the first error: it says why; the rollback may fail too. */
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return TR_ERR_STORE;
}

/* is_empty - *empty: db has no objects and version 0; -1 on error */
static int
is_empty(sqlite3 *db, const char *path, int *empty, struct tr_error *err)
{
	long long uv, objects;

	if (query_int(db, path, "PRAGMA user_version", &uv, err) == -1 ||
	    query_int(db, path, "SELECT count(*) FROM sqlite_master",
	    &objects, err) == -1)
		return -1;
	*empty = uv == 0 && objects == 0;
	return 0;
}

/* tr_schema_migrate - an empty db created in one piece from
 * tr_schema_fresh (emptiness read again under the write lock: another
 * process may have come first), else step by step */
enum tr_err
tr_schema_migrate(sqlite3 *db, const char *path, struct tr_error *err)
{
	const char *what = "creating the schema";
	char setv[64];
	int empty;

	if (is_empty(db, path, &empty, err) == -1)
		return TR_ERR_STORE;
	if (!empty)
		return tr_schema_steps(db, path, err);
	if (exec(db, path, "BEGIN IMMEDIATE", what, err) != TR_OK)
		return TR_ERR_STORE;
	if (is_empty(db, path, &empty, err) == -1)
		goto fail;
	snprintf(setv, sizeof(setv), "PRAGMA user_version = %d",
	    tr_schema_latest);
	if (empty && (exec(db, path, tr_schema_fresh, what, err) != TR_OK ||
	    exec(db, path, setv, what, err) != TR_OK))
		goto fail;
	if (exec(db, path, "COMMIT", what, err) != TR_OK)
		goto fail;
	return empty ? TR_OK : tr_schema_steps(db, path, err);
fail:
	sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return TR_ERR_STORE;
}
