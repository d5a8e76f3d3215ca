-- The columns compared by the golden test, rounded to 1 ns / 1e-6.
.mode csv
.headers on
SELECT r.policy, q.query_id, q.dialogue_id, q.turn, q.device, q.route, q.in_tokens, q.out_tokens,
       q.context_tokens, q.cached_tokens, q.recomputed_tokens, q.switched,
       iif(q.snr_db IS NULL, '', printf('%.6f', q.snr_db)) AS snr_db, iif(q.t_arr IS NULL, '', printf('%.9f', q.t_arr)) AS t_arr, iif(q.t_dec IS NULL, '', printf('%.9f', q.t_dec)) AS t_dec,
       iif(q.t_ul_end IS NULL, '', printf('%.9f', q.t_ul_end)) AS t_ul_end, iif(q.t_queue_end IS NULL, '', printf('%.9f', q.t_queue_end)) AS t_queue_end,
       iif(q.t_first_token IS NULL, '', printf('%.9f', q.t_first_token)) AS t_first_token, iif(q.t_done IS NULL, '', printf('%.9f', q.t_done)) AS t_done,
       iif(q.quality IS NULL, '', printf('%.6f', q.quality)) AS quality, iif(q.energy_j IS NULL, '', printf('%.9f', q.energy_j)) AS energy_j, q.status,
       iif(q.load_s IS NULL, '', printf('%.9f', q.load_s)) AS load_s
FROM queries q JOIN runs r USING (run_id)
ORDER BY r.run_id, q.query_id;
