-- oversize.lua - over message_size_limit (64K in this test): rejected with
-- 552 5.3.4 at the end of the message when every recipient is a rua,
-- passed on untouched otherwise. Body chunks get no reply (NR_BODY), so
-- the answer comes at the end of the message.
dofile(lib)

local line = string.rep("x", 78) .. "\r\n"
local chunk = string.rep(line, 400)		-- 32000 bytes

-- big - a 96000-byte body, then the end of the message; returns the reply
local function big(conn)
	for i = 1, 3 do
		ok(mt.bodystring(conn, chunk), "body chunk " .. i)
	end
	ok(mt.eom(conn), "eom")
	return mt.getreply(conn)
end

local conn = open()
envelope(conn, "QBIG1", "<reports@sender.example>", { "<tlsrpt@tlsrpt.test>" })
local _, r = content(conn, "human-3.eml")
check(r == SMFIR_CONTINUE, "headers")
check(big(conn) == SMFIR_REPLYCODE, "rua only: rejected with a reply")
check(mt.eom_check(conn, MT_SMTPREPLY, "552", "5.3.4",
    "message too big for tlsrptd (limit 65536 bytes)"), "552 5.3.4 text")

-- the connection goes on: a normal report after the big one
check(send(conn, "QBIG3", "<reports@sender.example>", { "<tlsrpt@tlsrpt.test>" },
    "mt-after-big.eml") == SMFIR_DISCARD, "report after the big one")
ok(mt.disconnect(conn), "disconnect")

conn = open()
envelope(conn, "QBIG2", "<reports@sender.example>",
    { "<tlsrpt@tlsrpt.test>", "<bob@example.org>" })
_, r = content(conn, "human-3.eml")
check(r == SMFIR_CONTINUE, "headers")
check(big(conn) == SMFIR_CONTINUE, "mixed recipients: passed on")
ok(mt.disconnect(conn), "disconnect")
