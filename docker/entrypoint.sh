#!/usr/bin/env bash
# Start deals-report: make sure Django has a secret key, apply migrations (the materialized view
# top_customers is created then), then become gunicorn with the project's gunicorn.conf.py
# (port $PORT, workers from the env).
# Any arguments run instead of migrate + gunicorn, e.g.
# `docker compose run --rm web python manage.py showmigrations`.
# The same script serves the image and a checkout: python and gunicorn come from PATH.
set -euo pipefail

cd "$(dirname "$0")/.."

# The secret key: an explicit DJANGO_SECRET_KEY wins. Otherwise, when DJANGO_SECRET_KEY_FILE names
# a file (the image sets it; compose keeps its folder in a volume), core/settings.py reads the key
# from it; on the first start it is generated here: random, readable by this user only, never in
# the repository.
# shellcheck source=docker/keep-secret.sh
. docker/keep-secret.sh

new_secret_key() {
  python -c 'import secrets; print(secrets.token_urlsafe(64))'
}

if [ -z "${DJANGO_SECRET_KEY:-}" ] && [ -n "${DJANGO_SECRET_KEY_FILE:-}" ]; then
  keep_secret "$DJANGO_SECRET_KEY_FILE" "secret key" new_secret_key
fi

if [ "$#" -gt 0 ]; then
  exec "$@"
fi

python manage.py migrate --no-input
exec gunicorn -c gunicorn.conf.py
