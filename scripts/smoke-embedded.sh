#!/usr/bin/env bash
# Proves the embedded default serves: the same steps as `make run`, on a throw-away SQLite file,
# then a sign-in as a demo user over HTTP.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export DATABASE_URL="sqlite:///$work/portal.sqlite3" MEDIA_ROOT="$work/media"
unset REDIS_URL DEBUG SECRET_KEY
py=.venv/bin/python
$py manage.py migrate --verbosity 0
$py manage.py load_authorities --verbosity 0
$py manage.py seed_demo | tee "$work/seed.log" | tail -3
grep -q "reliance-demo-2026" "$work/seed.log"
$py manage.py runserver 127.0.0.1:8765 --noreload >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 30); do curl -sf http://127.0.0.1:8765/healthz >/dev/null && break; sleep 1; done
jar="$work/cookies"
curl -sf -c "$jar" -b "$jar" http://127.0.0.1:8765/accounts/login/ -o /dev/null
token=$(awk '/csrftoken/ {print $7}' "$jar")
curl -sf -c "$jar" -b "$jar" -e http://127.0.0.1:8765/accounts/login/ \
    -d "csrfmiddlewaretoken=$token&username=applicant&password=reliance-demo-2026" \
    http://127.0.0.1:8765/accounts/login/ -o /dev/null
curl -sfL -b "$jar" http://127.0.0.1:8765/ | grep -q "WR-20" \
    || { echo "the demo applicant's home page shows no requests"; cat "$work/server.log"; exit 1; }
echo "Embedded default: served, demo applicant signed in and saw their requests."
