/* result_types.c - the RFC 8460 result-type registry: names, meaning, fix */
#include <stddef.h>
#include <string.h>

#include "result_types.h"

/* The registry of RFC 8460 section 6.6, in its order (the index of a type
 * is its place here: tallies are kept by it), each said plainly after
 * section 4.3. The one place that lists them. */
static const struct tr_result_type types[] = {
	{ "starttls-not-supported", 1,
	  "Your MX did not offer STARTTLS, or the TLS handshake with it failed, "
	  "so the sender could not deliver over TLS.",
	  "Enable STARTTLS on the MX with a valid certificate, and check that "
	  "no firewall or proxy in front of it strips STARTTLS." },
	{ "certificate-host-mismatch", 1,
	  "The certificate your MX presents does not name the MX host (or "
	  "match your MTA-STS mx patterns or DANE records).",
	  "Install a certificate whose subject alternative names cover the MX "
	  "hostname exactly as your MX records spell it." },
	{ "certificate-expired", 1,
	  "The certificate your MX presents has expired.",
	  "Renew it, reload the mail server, and automate the renewal." },
	{ "tlsa-invalid", 1,
	  "Your MX's TLSA (DANE) records are malformed or match none of the "
	  "certificates it presents.",
	  "Publish TLSA records that match the current certificate or key; "
	  "add the new record before changing the certificate." },
	{ "dnssec-invalid", 1,
	  "DNSSEC validation of your domain or MX records failed, so the "
	  "sender could not trust the TLSA records.",
	  "Repair the DNSSEC chain: re-sign the zone, check the DS records at "
	  "the parent and the signatures' expiry." },
	{ "dane-required", 1,
	  "The sender requires DANE for your domain but found no "
	  "DNSSEC-validated TLSA records for this MX.",
	  "Publish DNSSEC-signed TLSA records for every MX host." },
	{ "certificate-not-trusted", 1,
	  "The certificate your MX presents does not chain to a CA the sender "
	  "trusts (self-signed, a private CA, or a missing intermediate).",
	  "Use a certificate from a public CA and serve the full chain, "
	  "intermediate certificates included." },
	{ "sts-policy-invalid", 1,
	  "Your MTA-STS policy could not be parsed or breaks RFC 8461.",
	  "Correct the policy file: version: STSv1, mode, one mx line per MX "
	  "pattern, max_age; and make the mx lines match your MX hosts." },
	{ "sts-webpki-invalid", 1,
	  "The host serving your MTA-STS policy presented a certificate that "
	  "failed Web PKI validation.",
	  "Serve mta-sts.<domain> with a valid, publicly trusted certificate "
	  "that names that host." },
	{ "validation-failure", 1,
	  "The sender refused the TLS connection for a reason none of the "
	  "other types describes.",
	  "Read failure_reason_code and additional_information in the "
	  "report's details, and test the MX with a TLS checker." },
	{ "sts-policy-fetch-error", 1,
	  "The sender could not fetch your MTA-STS policy from "
	  "https://mta-sts.<domain>/.well-known/mta-sts.txt (DNS, connection, "
	  "TLS or HTTP error).",
	  "Make the policy reachable over HTTPS, answering 200 with the "
	  "policy as text/plain." },
};

_Static_assert(sizeof(types) / sizeof(types[0]) == TR_RESULT_TYPES,
    "TR_RESULT_TYPES is the registry's size");

static const struct tr_result_type unknown = {
	"", 0,
	"A result type outside the RFC 8460 registry: the sender's own name "
	"for a failure.",
	"Read the failure details (failure_reason_code, "
	"additional_information) and ask the sender, through its "
	"contact-info, what it means."
};

/* tr_result_type_explain - the registry entry, or the fallback */
const struct tr_result_type *
tr_result_type_explain(const char *result_type)
{
	int i;

	if (result_type == NULL)
		return &unknown;
	for (i = 0; i < TR_RESULT_TYPES; i++)
		if (strcmp(result_type, types[i].name) == 0)
			return &types[i];
	return &unknown;
}

/* tr_result_type_index - a result-type's place in the registry, or -1 */
int
tr_result_type_index(const char *result_type)
{
	const struct tr_result_type *t = tr_result_type_explain(result_type);

	return t->known ? (int)(t - types) : -1;
}

/* tr_result_type_name - the registry's result-type i, or NULL */
const char *
tr_result_type_name(int i)
{
	if (i < 0 || i >= TR_RESULT_TYPES)
		return NULL;
	return types[i].name;
}

/* tr_result_type_known - true for a result-type in the RFC 8460 registry */
int
tr_result_type_known(const char *result_type)
{
	return tr_result_type_explain(result_type)->known;
}
