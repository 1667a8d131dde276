-- wrk -s bench/wrk_post.lua: POST the body in $BENCH_BODY (the same file the C clients send)
local f = assert(io.open(os.getenv("BENCH_BODY"), "rb"))
wrk.method = "POST"
wrk.path = "/bot123456:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghi/sendMessage"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
