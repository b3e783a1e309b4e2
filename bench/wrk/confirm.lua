-- The confirm POST: each request takes the next fresh confirmation path from
-- a file, each path used once. Thread n of N takes the lines n, n+N, n+2N ...
-- Arguments: CSRF cookie, CSRF form token, paths file, number of threads.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")

local next_id = 0
function setup(thread)
   thread:set("id", next_id)
   next_id = next_id + 1
end

local paths = {}
local position = 0
local body

function init(args)
   local cookie, form_token, file, threads = args[1], args[2], args[3], tonumber(args[4])
   local line_number = 0
   for line in io.lines(file) do
      if line_number % threads == id then
         paths[#paths + 1] = line
      end
      line_number = line_number + 1
   end
   wrk.headers["Cookie"] = "csrftoken=" .. cookie
   wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
   body = "csrfmiddlewaretoken=" .. form_token
end

function request()
   position = position + 1
   -- Out of fresh paths: a path that fails, so it shows as errors, never as a reused token.
   local path = paths[position] or "/bench/out-of-tokens/"
   return wrk.format("POST", path, nil, body)
end
