-- wrk script for the API throughput bench: POST a small JSON body to a channel nobody is in.
-- The X-Thunder-Secret-Key header comes from the command line (-H).
wrk.method = "POST"
wrk.body = '{"id":"#0#","text":"Hello from the Thunderpush benchmark"}'
wrk.headers["Content-Type"] = "application/json"
