#!/usr/bin/env bash
# `make demo`: a fresh database with the addon and its demo data, served on
# http://127.0.0.1:8069 (login admin / admin) until interrupted.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/common.sh"

DB=${DEMO_DB:-pcv_demo}
PORT=${DEMO_PORT:-8069}
"$here/setup.sh"

say "fresh database $DB with demo data"
dropdb --if-exists "$DB"
odoo -d "$DB" -i "$MODULE" --stop-after-init --log-level=warn \
    || die "installing $MODULE with demo data into $DB failed"
say "serving http://127.0.0.1:$PORT (database $DB, login admin / admin); Ctrl-C stops"
exec "$VENV/bin/python" "$ODOO_HOME/odoo-bin" -c "$BUILD/odoo.conf" -d "$DB" \
    --db-filter="^$DB\$" --http-port="$PORT" --log-level=info
