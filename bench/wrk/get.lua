-- A plain GET of the URL given to wrk.
dofile(os.getenv("BENCH_WRK_DIR") .. "/report.lua")
