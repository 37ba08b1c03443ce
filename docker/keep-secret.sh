# Sourced by docker/entrypoint.sh (the web image) and docker/entrypoint-db.sh (the db service): one
# way to keep a generated secret in a file that a volume holds.

# keep_secret FILE WHAT COMMAND...: unless FILE exists, COMMAND's output becomes FILE (WHAT names
# the secret in the error). Written beside the file, readable by this user only, then hard-linked
# into place: link(2) fails if the file exists, so containers starting at once keep one secret, and
# no reader sees a half-written one.
keep_secret() {
  local file=$1 what=$2 draft
  shift 2
  if [ ! -e "$file" ]; then
    draft=$(umask 077 && mktemp "$file.XXXXXX")
    "$@" >"$draft"
    ln "$draft" "$file" 2>/dev/null || true
    rm -f "$draft"
  fi
  if [ ! -s "$file" ]; then
    echo "entrypoint: $file is empty; delete it to have a new $what generated" >&2
    exit 1
  fi
}
