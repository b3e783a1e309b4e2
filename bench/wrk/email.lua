-- The e-mail request POST: a new address on each request.
-- Arguments: CSRF cookie, CSRF form token, a tag that keeps addresses distinct between runs.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local next_id = 0
function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
end

local counter = 0
local prefix

function init(args)
   local cookie, form_token, tag = args[1], args[2], args[3]
   wrk.headers["Cookie"] = "csrftoken=" .. cookie
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
   prefix = "csrfmiddlewaretoken=" .. form_token .. "&website=&email=velger-" .. tag .. "-" .. id .. "-"
end

function request()
   counter = counter + 1
   return wrk.format("POST", nil, nil, prefix .. counter .. "%40example.no")
end
