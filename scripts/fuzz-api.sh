#!/usr/bin/env bash
# Property-based fuzzing of the REST API with schemathesis, against a live server started here on
# the embedded default (a throw-away SQLite file) or on $DATABASE_URL when set. It signs in with
# API tokens as the demo applicant and as the demo reviewer and fails (non-zero exit) on any 5xx
# or any response that does not conform to the schema at /api/v1/schema/.
#   FUZZ_MAX_EXAMPLES  test cases per operation and phase (default 25)
#   FUZZ_PORT          port of the server (default 8766)
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
port=${FUZZ_PORT:-8766}
base="http://127.0.0.1:$port"
work=$(mktemp -d)
trap 'kill "${server:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
export MEDIA_ROOT="$work/media"
export DATABASE_URL="${DATABASE_URL:-sqlite:///$work/portal.sqlite3}"
# Fuzzing sends thousands of requests: throttling would only hide answers behind 429s.
export THROTTLE_ANON=100000/min THROTTLE_USER=100000/min THROTTLE_TOKEN=100000/min
export THROTTLE_VERIFY=100000/min
unset REDIS_URL
$py manage.py migrate --verbosity 0
$py manage.py load_authorities --verbosity 0
$py manage.py seed_demo >/dev/null
password=${DEMO_PASSWORD:-reliance-demo-2026}
$py manage.py runserver "127.0.0.1:$port" --noreload >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 60); do curl -sf "$base/healthz" >/dev/null && break; sleep 1; done

# The demo reviewer signs in with the demo authenticator's code too (an applicant's is ignored).
token_of() {
    otp=$($py manage.py demo_code | cut -d' ' -f1)
    curl -sf -H 'Content-Type: application/json' \
        -d "{\"username\": \"$1\", \"password\": \"$password\", \"otp\": \"$otp\"}" \
        "$base/api/v1/auth/token/" \
        | $py -c 'import json, sys; print(json.load(sys.stdin)["token"])'
}

# Both tokens first: fuzzing the token endpoint with wrong passwords locks out this address.
declare -A tokens
for user in applicant reviewer; do tokens[$user]=$(token_of "$user"); done

status=0
for user in applicant reviewer; do
    echo "== schemathesis as the demo $user"
    token=${tokens[$user]}
    # From the scratch directory, so schemathesis leaves its replay store there.
    (cd "$work" && "$OLDPWD/.venv/bin/schemathesis" run "$base/api/v1/schema/" \
        --header "Authorization: Token $token" \
        --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance \
        --phases examples,coverage,fuzzing \
        --max-examples "${FUZZ_MAX_EXAMPLES:-25}" \
        --workers 1 \
        --generation-database none \
        --suppress-health-check all \
        --request-timeout 30 \
        --no-color) || status=1
done
if [ "$status" -ne 0 ]; then
    echo "schemathesis found failures; server errors:"
    grep -B2 -A30 "Traceback" "$work/server.log" | head -200 || true
fi
exit "$status"
