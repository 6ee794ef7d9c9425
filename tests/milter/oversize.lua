-- oversize.lua - over message_size_limit (64K in this test): rejected with
-- 552 5.3.4 when every recipient is a rua, passed on untouched otherwise.
dofile(lib)

local line = string.rep("x", 78) .. "\r\n"
local chunk = string.rep(line, 400)		-- 32000 bytes

-- body - send 32000-byte chunks until the filter stops saying continue
local function body(conn)
	for i = 1, 4 do
		ok(mt.bodystring(conn, chunk), "body chunk " .. i)
		if mt.getreply(conn) ~= SMFIR_CONTINUE then
			return mt.getreply(conn), i
		end
	end
	return mt.getreply(conn), 4
end

local conn = open()
envelope(conn, "QBIG1", "<reports@sender.example>", { "<tlsrpt@tlsrpt.test>" })
local _, r = content(conn, "human.eml")
check(r == SMFIR_CONTINUE, "headers")
local r, n = body(conn)
check(r == SMFIR_REPLYCODE, "rua only: rejected with a reply, got " .. tostring(r))
check(n == 3, "rejected at the chunk that crosses 64K, not " .. n)
ok(mt.disconnect(conn), "disconnect")

conn = open()
envelope(conn, "QBIG2", "<reports@sender.example>",
    { "<tlsrpt@tlsrpt.test>", "<bob@example.org>" })
_, r = content(conn, "human.eml")
check(r == SMFIR_CONTINUE, "headers")
r, n = body(conn)
check(r == SMFIR_ACCEPT, "mixed recipients: accepted, got " .. tostring(r))
ok(mt.disconnect(conn), "disconnect")
