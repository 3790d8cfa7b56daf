#!/usr/bin/env bash
# docs/serve.md's sessions against a real server: every "$ " command of the page runs, in order,
# in a directory of its own (the repository's examples/ linked in, the page's arr.json, the token
# file), with the server's real port in place of 8080, and must print what the page shows. The
# server's start and the signal are not run (this test starts the server, and compares its
# start-up line; a SIGHUP's answer is on the server's stderr); blocks marked ```volatile are
# compared with the times, hashes, request ids, sync counts and durations masked. UPDATE=1
# tests/serve/test_docs.sh build/caveat rewrites the page (doc_examples.py --update).
source "$(dirname "$0")/lib.sh"
work=$tmp/work
mkdir -p "$work"
ln -s "$root/examples" "$work/examples"
# the page's own files: the body of its POST example (shown by `cat arr.json`) and the token file
cat > "$work/arr.json" <<'JSON'
[{"id": "a", "date": "2024-06-10", "weapon": "storm shadow", "target": {"lat": 50.6, "lon": 36.59, "kind": "command-post"}},
 {"id": "b", "date": "someday", "weapon": "gmlrs", "target": {"lat": 50.6, "lon": 36.59, "kind": "forces"}}]
JSON
echo "s3cret-token-for-the-docs" > "$work/tokens" && chmod 600 "$work/tokens"
cd "$work" || exit 1
start_server docs --token-file tokens --log decisions.log
# the page's start-up line, with this server's port and thread count
want=$(grep -m1 '^caveat serve: listening on' "$root/docs/serve.md" | sed "s/:8080\//:$PORT\//; s/[0-9]* threads/N threads/")
got=$(grep -m1 '^caveat serve: listening on' "$tmp/docs.err" | sed 's/[0-9]* threads/N threads/')
expect_eq "$got" "$want" "the start-up line"
python3 "$root/tests/cli/doc_examples.py" ${UPDATE:+--update} --min 12 --cwd "$work" --all \
  --skip '^caveat serve |^kill ' --sub "127.0.0.1:8080=127.0.0.1:$PORT" \
  --mask '[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:.]+Z' --mask '[0-9a-f]{64}' --mask '(?m)^Date: .*$' \
  --mask 'X-Request-Id: [^ ]+' --mask 'caveat_log_fsyncs_total [0-9]+' --mask '_bucket\{[^}]*\} [0-9]+' \
  "$caveat" "$root/docs/serve.md" &&
  ok || bad "docs/serve.md's sessions differ from the real server's answers"
finish
