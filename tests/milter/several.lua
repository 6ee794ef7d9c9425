-- several.lua - several messages on one connection, each answered from its
-- own verdict: stored, duplicate, not a report (rejected: invalid_report =
-- reject and every recipient is a rua), then stored again.
dofile(lib)

local conn = open()
check(mt.test_option(conn, SMFIP_NOCONNECT), "NOCONNECT negotiated")
check(mt.test_option(conn, SMFIP_NOHELO), "NOHELO negotiated")
check(not mt.test_option(conn, SMFIP_NOBODY), "the body is wanted")
check(mt.test_option(conn, SMFIP_NR_HDR) and mt.test_option(conn, SMFIP_NR_BODY),
    "no replies to header lines and body chunks")
check(answered(conn, SMFIP_NR_DATA), "a reply at DATA")
local from = "<reports@sender.example>"
local rua = { "<tlsrpt@tlsrpt.test>" }

check(send(conn, "QSEV1", from, rua, "mt-several-1.eml") == SMFIR_DISCARD,
    "first report: stored and discarded")
check(send(conn, "QSEV2", from, rua, "mt-several-1.eml") == SMFIR_DISCARD,
    "the same report again: duplicate, discarded")
check(send(conn, "QSEV3", from, rua, "human-1.eml") == SMFIR_REPLYCODE,
    "a non-report: rejected with a reply")
check(mt.eom_check(conn, MT_SMTPREPLY, "550", "5.6.0", "not a valid TLS " ..
    "report: no report part (top-level type text/plain)"),
    "a non-report: 550 5.6.0 naming the reason")
check(send(conn, "QSEV4", from, rua, "mt-several-2.eml") == SMFIR_DISCARD,
    "second report after a reject")
ok(mt.disconnect(conn), "disconnect")
