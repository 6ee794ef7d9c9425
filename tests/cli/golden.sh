#!/bin/sh
# golden.sh - every corpus file (tests/corpus, its invalid/ and tests/corpus-more),
# ingested alone into a fresh database, gives the
# outcome, per-policy counts and the counted sessions per domain (with the
# failure details that count) recorded in tests/golden/corpus.expected.
# Regenerate the file with GOLDEN_UPDATE=1 and review the diff by hand.
. "$(dirname "$0")/lib.sh"

actual="$T/corpus.actual"
: > "$actual"
cd "$TOP/tests/corpus"
for f in * invalid/* ../corpus-more/*; do
	[ -f "$f" ] || continue
	case $f in SOURCES.tsv|*/SOURCES.tsv) continue ;; esac
	db="$T/one.db"
	rm -f "$db" "$db-wal" "$db-shm"
	"$TLSRPTD" ingest --db "$db" "$f" > "$T/log" 2>"$T/err" || true
	outcome=$(sed -n 's/.*"event":"message","outcome":"\([a-z]*\)".*/\1/p' "$T/log" | head -1)
	[ -n "$outcome" ] || outcome=$(grep -o '"outcome":"[a-z]*"' "$T/log" | head -1 | cut -d'"' -f4)
	if [ "$outcome" = quarantined ]; then
		detail=$(sql "$db" "SELECT reason_class FROM quarantine")
	else
		detail=$(sql "$db" "SELECT p.policy_type || ' ' || p.policy_domain || ' ' ||
		    p.successful_sessions || '/' || p.failed_sessions || ' fd=' ||
		    (SELECT count(*) FROM failure_details d WHERE d.policy_ref = p.id)
		    FROM policies p ORDER BY p.report_ref, p.position" | paste -sd ';' -)
		notes=$(sql "$db" "SELECT coalesce(json_array_length(conformance_notes), 0)
		    FROM reports" | paste -sd ',' -)
		# what the counting model makes of them: per report and domain
		counted=$(sql "$db" "SELECT coalesce(policy_domain, '-') || ' ' ||
		    successful_sessions || '/' || failed_sessions || ' fd=' ||
		    (SELECT count(*) FROM failure_details f JOIN policies p
		      ON p.id = f.policy_ref WHERE p.report_ref = d.report_ref
		     AND p.policy_domain IS d.policy_domain AND f.repeated = 0)
		    FROM report_domains d ORDER BY report_ref, policy_domain" |
		    paste -sd ';' -)
		detail="$detail notes=$notes counted=$counted"
	fi
	printf '%s\t%s\t%s\n' "$f" "$outcome" "$detail" >> "$actual"
done

expected="$TOP/tests/golden/corpus.expected"
if [ "${GOLDEN_UPDATE:-0}" = 1 ]; then
	cp "$actual" "$expected"
	echo "golden.sh: wrote $expected; review it"
fi
if diff -u "$expected" "$actual" >&2; then ok; else fail "corpus outcomes differ from $expected"; fi
finish
