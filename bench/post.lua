-- wrk script: POST the file $BODY with $CTYPE (and $CENC as Content-Encoding)
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.body = f:read("*all")
f:close()
wrk.method = "POST"
wrk.headers["Content-Type"] = os.getenv("CTYPE")
if os.getenv("CENC") and os.getenv("CENC") ~= "" then wrk.headers["Content-Encoding"] = os.getenv("CENC") end
if os.getenv("EXTRA_HEADER") then
  local k, v = os.getenv("EXTRA_HEADER"):match("([^:]+):%s*(.*)")
  wrk.headers[k] = v
end
