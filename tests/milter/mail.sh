# mail.sh - report mails for the milter tests (sourced; POSIX sh)

# report_mail ID [TO] - a TLS report mail (JSON part, base64) whose report-id
# is ID, made from the RFC 8460 example report of the corpus
report_mail() {
	cat <<MAIL
From: TLS reporting <tlsrpt-noreply@company-x.example>
To: ${2:-tlsrpt@tlsrpt.test}
Date: Fri, 02 Apr 2016 01:00:00 +0000
Message-ID: <$1@company-x.example>
Subject: Report Domain: company-y.example Submitter: company-x.example
 Report-ID: <$1>
TLS-Report-Domain: company-y.example
TLS-Report-Submitter: company-x.example
MIME-Version: 1.0
Content-Type: multipart/report; report-type=tlsrpt; boundary="b-$1"

--b-$1
Content-Type: text/plain; charset=us-ascii

This is an aggregate TLS report from company-x.example.

--b-$1
Content-Type: application/tlsrpt+json
Content-Disposition: attachment;
 filename="company-x.example!company-y.example!1459468800!1459555199!$1.json"
Content-Transfer-Encoding: base64

$(sed "s/5065427c-23d3-47ca-b6e0-946ea0e8c4be/$1/" \
    "$TOP/tests/corpus/parsedmarc__rfc8460.json" | base64)
--b-$1--
MAIL
}

# human_mail SUBJECT - a mail that is not a report
human_mail() {
	printf 'From: carol@sender.example\r\nTo: tlsrpt@tlsrpt.test\r\n'
	printf 'Subject: %s\r\nMessage-ID: <%s@sender.example>\r\n\r\n' "$1" "$1"
	printf 'Is this the right address for questions?\r\n'
}
