/* report_fuzzer.c - libFuzzer harness for the report parser */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "domain_count.h"
#include "json_text.h"
#include "report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* touch - read every byte of s: ASan checks that it is a real string */
static size_t
touch(const char *s)
{
	return s != NULL ? strlen(s) : 0;
}

/* check_list - a stored list must be a JSON array of strings */
static void
check_list(const char *json)
{
	struct json_object *o;
	size_t i;

	if (json == NULL)
		return;
	if ((o = json_tokener_parse(json)) == NULL ||
	    !json_object_is_type(o, json_type_array))
		__builtin_trap();
	for (i = 0; i < json_object_array_length(o); i++)
		if (!json_object_is_type(json_object_array_get_idx(o, i),
		    json_type_string))
			__builtin_trap();
	json_object_put(o);
}

/* check_domains - the counting model's invariants: every policy in one
 * domain, a domain's sessions those of its counted policies, a repeat only
 * under sts or tlsa */
static void
check_domains(const struct tr_report *r)
{
	const struct tr_domain_count *d;
	const struct tr_policy *p;
	int64_t ok, failed;
	size_t i, j, k, n = 0;

	if ((r->npolicies > 0) != (r->ndomains > 0))
		__builtin_trap();
	for (i = 0; i < r->ndomains; i++) {
		d = &r->domains[i];
		if (d->ncounted < 1 || d->ncounted > d->npolicies)
			__builtin_trap();
		ok = failed = 0;
		for (j = 0; j < d->npolicies; j++) {
			p = d->policies[j];
			if ((p->policy_domain == NULL) !=
			    (d->policy_domain == NULL) ||
			    (p->policy_domain != NULL &&
			    strcmp(p->policy_domain, d->policy_domain) != 0))
				__builtin_trap();
			if (j < d->ncounted) {
				ok = tr_count_add(ok, p->successful_sessions);
				failed = tr_count_add(failed,
				    p->failed_sessions);
			}
			for (k = 0; k < p->nfailures; k++)
				if (p->failures[k].repeated &&
				    !tr_policy_types_overlap(p->policy_type))
					__builtin_trap();
		}
		if (ok != d->successful || failed != d->failed)
			__builtin_trap();
		n += d->npolicies;
	}
	if (n != r->npolicies)
		__builtin_trap();
}

/* check_same - an accepted report is the same text with whitespace around
 * it (what tr_json_text_same lets through: the same report
 * pretty-printed) */
static void
check_same(const struct tr_report *r)
{
	char *spaced;

	if ((spaced = malloc(r->rawlen + 3)) == NULL)
		return;
	spaced[0] = '\n';
	memcpy(spaced + 1, r->raw, r->rawlen);
	spaced[r->rawlen + 1] = ' ';
	spaced[r->rawlen + 2] = '\0';
	if (tr_json_text_same(r->raw, r->rawlen, spaced, r->rawlen + 2) != 1)
		__builtin_trap();
	free(spaced);
}

/* LLVMFuzzerTestOneInput - one input through tr_report_parse; a report
 * must be complete and self-contained, an error must say what and where */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct tr_limits lim;
	static int ready;
	const struct tr_policy *p;
	const struct tr_failure *f;
	struct tr_report *r;
	struct tr_error err;
	volatile size_t sum = 0;
	enum tr_err rc;
	size_t i, j;
	char *buf;

	if (!ready) {
		tr_limits_default(&lim);
		ready = 1;
	}
	/* the contract: json[len] is a readable NUL, nothing past it */
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	/* without a fallback domain half the time: the report's other
	 * policies, or none, give a missing one */
	rc = tr_report_parse(buf, size, &lim, size % 2 ? NULL :
	    "fallback.example", &r, &err);
	/* the report must outlive the caller's buffer */
	free(buf);
	if (rc != TR_OK) {
		if (r != NULL || err.code != rc || err.msg[0] == '\0')
			__builtin_trap();
		return 0;
	}
	if (r->organization_name == NULL || r->report_id == NULL ||
	    strlen(r->start_datetime) != 20 || strlen(r->end_datetime) != 20 ||
	    strcmp(r->start_datetime, r->end_datetime) > 0 ||
	    r->rawlen != size || memcmp(r->raw, data, size) != 0 ||
	    (r->npolicies > 0) != (r->policies != NULL))
		__builtin_trap();
	sum += touch(r->contact_info);
	check_same(r);
	for (i = 0; i < r->npolicies; i++) {
		p = &r->policies[i];
		if (p->policy_type == NULL || (p->policy_domain == NULL &&
		    size % 2 == 0) || (p->policy_domain != NULL &&
		    p->policy_domain[0] == '\0') || p->successful_sessions < 0 ||
		    p->failed_sessions < 0)
			__builtin_trap();
		check_list(p->policy_string_json);
		check_list(p->mx_host_json);
		for (j = 0; j < p->nfailures; j++) {
			f = &p->failures[j];
			if (f->result_type == NULL ||
			    f->failed_session_count < 0 ||
			    f->result_type_known !=
			    tr_result_type_known(f->result_type))
				__builtin_trap();
			sum += touch(f->sending_mta_ip) +
			    touch(f->receiving_mx_hostname) +
			    touch(f->receiving_mx_helo) +
			    touch(f->receiving_ip) +
			    touch(f->additional_information) +
			    touch(f->failure_reason_code);
		}
	}
	check_domains(r);
	for (i = 0; i < r->notes.n; i++)
		sum += touch(r->notes.v[i]);
	(void)sum;
	tr_report_free(r);
	return 0;
}
