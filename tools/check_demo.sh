#!/usr/bin/env bash
# The demo data as `make demo` makes it: check_demo.sh DATABASE installs the
# addon with Odoo's and its own demo data into a fresh DATABASE and checks it
# (tools/check_demo.py), then drops it.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/common.sh
. "$here/common.sh"

DB=$1
dropdb --if-exists "$DB"
odoo -d "$DB" -i "$MODULE" --stop-after-init --log-level=warn --http-port=8159
"$VENV/bin/python" "$here/check_demo.py" "$BUILD/odoo.conf" "$DB"
dropdb --if-exists "$DB"
