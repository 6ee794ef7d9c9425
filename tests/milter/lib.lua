-- lib.lua - helpers shared by the miltertest scripts (loaded with dofile).
-- Globals from miltertest -D: socket (the milter), dir (message files).

-- check - fail the script with a message unless cond holds
function check(cond, what)
	if not cond then
		-- miltertest does not always print the error itself
		mt.echo("FAIL: " .. what)
		error("FAIL: " .. what, 2)
	end
end

-- names of the reply codes, for messages
local names = {
	[SMFIR_CONTINUE] = "continue", [SMFIR_ACCEPT] = "accept",
	[SMFIR_DISCARD] = "discard", [SMFIR_REJECT] = "reject",
	[SMFIR_TEMPFAIL] = "tempfail", [SMFIR_REPLYCODE] = "replycode",
}
local function name(r)
	return names[r] or tostring(r)
end

-- reply_is - the last reply on conn is want
function reply_is(conn, want, what)
	local r = mt.getreply(conn)
	check(r == want, what .. ": reply " .. name(r) .. ", expected " ..
	    name(want))
end

-- ok - a protocol step went through
function ok(err, what)
	check(err == nil, what .. ": " .. tostring(err))
end

-- open - a negotiated connection to the filter
function open()
	local conn = mt.connect(socket, 40, 0.25)
	check(conn ~= nil, "connect to " .. socket)
	ok(mt.negotiate(conn, nil, nil, nil), "negotiate")
	return conn
end

-- load - the header fields (name, raw value) and body of a message file
function load(file)
	local f = assert(io.open(dir .. "/" .. file, "rb"))
	local text = f:read("*a")
	f:close()
	text = text:gsub("\r\n", "\n")
	local head, body = text:match("^(.-)\n\n(.*)$")
	local fields = {}
	for line in (head .. "\n"):gmatch("(.-)\n") do
		if line:match("^[ \t]") and #fields > 0 then
			fields[#fields].value = fields[#fields].value .. "\n" .. line
		else
			local n, v = line:match("^([^:]+):(.*)$")
			table.insert(fields, { name = n, value = v })
		end
	end
	return fields, body:gsub("\n", "\r\n")
end

-- answered - whether the filter replies at the step whose no-reply bit is
-- nr (it asks the MTA not to wait at most steps)
function answered(conn, nr)
	return not mt.test_option(conn, nr)
end

-- envelope - MAIL FROM and RCPT TO, with the queue id as macro i
function envelope(conn, qid, from, rcpts)
	ok(mt.macro(conn, SMFIC_MAIL, "i", qid), "macro i")
	ok(mt.mailfrom(conn, from), "mailfrom")
	if answered(conn, SMFIP_NR_MAIL) then
		reply_is(conn, SMFIR_CONTINUE, "mailfrom")
	end
	for _, r in ipairs(rcpts) do
		ok(mt.macro(conn, SMFIC_RCPT, "i", qid), "macro i")
		ok(mt.rcptto(conn, r), "rcptto " .. r)
		if answered(conn, SMFIP_NR_RCPT) then
			reply_is(conn, SMFIR_CONTINUE, "rcptto " .. r)
		end
	end
end

-- content - DATA, header fields and end of header, as an MTA sends them
-- (values keep their leading space only if the filter asked for that);
-- returns the body and the last reply, which is not continue when the
-- filter answered at DATA already
function content(conn, file)
	local fields, body = load(file)
	local lead = mt.test_option(conn, SMFIP_HDR_LEADSPC)
	ok(mt.data(conn), "data")
	if mt.getreply(conn) ~= SMFIR_CONTINUE then
		return body, mt.getreply(conn)
	end
	for _, h in ipairs(fields) do
		local v = h.value
		if not lead then
			v = v:gsub("^ ", "")
		end
		ok(mt.header(conn, h.name, v), "header " .. h.name)
		if answered(conn, SMFIP_NR_HDR) then
			reply_is(conn, SMFIR_CONTINUE, "header " .. h.name)
		end
	end
	ok(mt.eoh(conn), "eoh")
	if answered(conn, SMFIP_NR_EOH) then
		reply_is(conn, SMFIR_CONTINUE, "eoh")
	end
	return body, mt.getreply(conn)
end

-- send - one whole message on conn; returns the end-of-message reply
function send(conn, qid, from, rcpts, file)
	envelope(conn, qid, from, rcpts)
	local body, r = content(conn, file)
	check(r == SMFIR_CONTINUE, "before body: reply " .. name(r))
	ok(mt.bodystring(conn, body), "body")
	if answered(conn, SMFIP_NR_BODY) then
		reply_is(conn, SMFIR_CONTINUE, "body")
	end
	ok(mt.eom(conn), "eom")
	return mt.getreply(conn)
end
