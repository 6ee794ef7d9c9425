-- norua.lua - mail without a rua recipient is accepted as soon as the
-- recipients are known (at DATA), so its content is never sent to us, let
-- alone buffered; a rua message on the same connection is still taken.
dofile(lib)

local conn = open()
envelope(conn, "QNORUA1", "<alice@sender.example>",
    { "<bob@example.org>", "<carol@tlsrpt.example>" })
local body, r = content(conn, "mt-norua.eml")
check(r == SMFIR_ACCEPT, "no rua recipient: accept at DATA, got " .. tostring(r))

check(send(conn, "QNORUA2", "<reports@sender.example>",
    { "<TLSRPT@TLSRPT.TEST>" }, "mt-norua-then-rua.eml") == SMFIR_DISCARD,
    "a rua recipient (any case) on the same connection")
ok(mt.disconnect(conn), "disconnect")
