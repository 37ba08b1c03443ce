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
# the repository. Written beside the file, then hard-linked into place: link(2) fails if the file
# exists, so containers starting at once keep one key, and no reader sees a half-written one.
generate_secret_key() {
  local file=$1 draft
  if [ ! -e "$file" ]; then
    draft=$(umask 077 && mktemp "$file.XXXXXX")
    python -c 'import secrets; print(secrets.token_urlsafe(64))' >"$draft"
    ln "$draft" "$file" 2>/dev/null || true
    rm -f "$draft"
  fi
  if [ ! -s "$file" ]; then
    echo "entrypoint: $file is empty; delete it to have a new secret key generated" >&2
    exit 1
  fi
}

if [ -z "${DJANGO_SECRET_KEY:-}" ] && [ -n "${DJANGO_SECRET_KEY_FILE:-}" ]; then
  generate_secret_key "$DJANGO_SECRET_KEY_FILE"
fi

if [ "$#" -gt 0 ]; then
  exec "$@"
fi

python manage.py migrate --no-input
exec gunicorn -c gunicorn.conf.py
