-- budget.lua - max_inflight_bytes (1M) and milter_max_connections (2) in
-- the milter: a message that holds the whole budget makes report mail on
-- another connection wait (452 4.3.1 tempfail at DATA); a third connection
-- is over the cap (451 tempfail); once the holder aborts and goes, report
-- mail is taken again. Body chunks get no reply (NR_BODY), so the holder's
-- last chunk may still be on its way when another connection asks: those
-- steps are tried again, a bounded number of times.
dofile(lib)

local line = string.rep("x", 78) .. "\r\n"
local chunk = string.rep(line, 400)		-- 32000 bytes

-- try - fn(conn) until it gives want (at most 100 times, 0.1 s apart)
local function try(fn, want, what)
	local r
	for _ = 1, 100 do
		r = fn()
		if r == want then
			return
		end
		os.execute("sleep 0.1")
	end
	check(false, what .. ": last reply " .. tostring(r))
end

-- the holder: 640000 bytes of a report mail's body, never ended
local a = open()
envelope(a, "QHOLD", "<reports@sender.example>", { "<tlsrpt@tlsrpt.test>" })
local _, r = content(a, "human-1.eml")
check(r == SMFIR_CONTINUE, "holder: headers")
for i = 1, 20 do
	ok(mt.bodystring(a, chunk), "holder: body chunk " .. i)
end

-- a second connection: report mail waits for memory
local b = open()
try(function()
	envelope(b, "QWAIT", "<reports@sender.example>", { "<tlsrpt@tlsrpt.test>" })
	ok(mt.data(b), "waiting: data")
	local rr = mt.getreply(b)
	if rr ~= SMFIR_REPLYCODE then
		ok(mt.abort(b), "waiting: abort")
	end
	return rr
end, SMFIR_REPLYCODE, "report mail while the budget is in use")

-- a third connection is over milter_max_connections
local c = open()
envelope(c, "QCAP", "<reports@sender.example>", { "<tlsrpt@tlsrpt.test>" })
ok(mt.data(c), "over the cap: data")
check(mt.getreply(c) == SMFIR_REPLYCODE, "over the cap: tempfailed with a reply")
-- mail without a rua recipient passes on it untouched
envelope(c, "QCAP2", "<carol@sender.example>", { "<bob@example.org>" })
ok(mt.data(c), "over the cap, no rua: data")
check(mt.getreply(c) == SMFIR_ACCEPT, "over the cap, no rua: accepted")
ok(mt.disconnect(c), "over the cap: disconnect")

-- the holder gives up: the budget comes back, report mail is stored
ok(mt.abort(a), "holder: abort")
ok(mt.disconnect(a), "holder: disconnect")
try(function()
	envelope(b, "QAFTER", "<reports@sender.example>", { "<tlsrpt@tlsrpt.test>" })
	local body, rr = content(b, "mt-after-budget.eml")
	if rr ~= SMFIR_CONTINUE then
		return rr	-- still waiting: told to try again
	end
	ok(mt.bodystring(b, body), "after: body")
	ok(mt.eom(b), "after: eom")
	return mt.getreply(b)
end, SMFIR_DISCARD, "report mail once the budget is back")
ok(mt.disconnect(b), "disconnect")
