#!/usr/bin/env bash
# Start deals-report: apply migrations (the materialized view top_customers is created then),
# then become gunicorn with the project's gunicorn.conf.py (port $PORT, workers from the env).
# Any arguments run instead, e.g. `docker compose run --rm web python manage.py showmigrations`.
# The same script serves the image and a checkout: python and gunicorn come from PATH.
set -euo pipefail

cd "$(dirname "$0")/.."

if [ "$#" -gt 0 ]; then
  exec "$@"
fi

python manage.py migrate --no-input
exec gunicorn -c gunicorn.conf.py
