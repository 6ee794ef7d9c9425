-- mixed.lua - a message for a rua and for someone else: stored but never
-- discarded, and a non-report never rejected, so that the other
-- recipients get their mail.
dofile(lib)

local conn = open()
local from = "<reports@sender.example>"
local both = { "<bob@example.org>", "<tlsrpt@tlsrpt.test>" }

check(send(conn, "QMIX1", from, both, "mt-mixed-1.eml") == SMFIR_CONTINUE,
    "report to mixed recipients: continue, not discard")
check(send(conn, "QMIX2", from, both, "human-2.eml") == SMFIR_CONTINUE,
    "non-report to mixed recipients: continue, not reject")
ok(mt.disconnect(conn), "disconnect")
