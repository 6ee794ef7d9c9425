-- abort.lua - a message aborted half-way through its body is not stored,
-- a second abort is harmless, and the connection carries on: the next
-- message on it is stored (and discarded: after_store = discard).
dofile(lib)

local conn = open()
envelope(conn, "QABORT1", "<reports@sender.example>", { "<tlsrpt@tlsrpt.test>" })
local body, r = content(conn, "mt-abort.eml")
check(r == SMFIR_CONTINUE, "headers of the aborted message")
ok(mt.bodystring(conn, body:sub(1, 300)), "first body chunk")
ok(mt.abort(conn), "abort")
ok(mt.abort(conn), "abort again")

r = send(conn, "QABORT2", "<reports@sender.example>", { "<tlsrpt@tlsrpt.test>" },
    "mt-after-abort.eml")
check(r == SMFIR_DISCARD, "message after the abort: " .. tostring(r))

-- an abort right after the envelope, before any content
envelope(conn, "QABORT3", "<reports@sender.example>", { "<tlsrpt@tlsrpt.test>" })
ok(mt.abort(conn), "abort after the envelope")
ok(mt.disconnect(conn), "disconnect")
