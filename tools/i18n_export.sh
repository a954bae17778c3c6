#!/usr/bin/env bash
# Regenerate i18n/product_category_valuation.pot from a database holding the addon
# (default: the test database of `make test`). Odoo scans the addon's directory
# for terms, so it exports from a clean copy (no .venv, no .build).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/common.sh"
DB=${1:-${TEST_DB:-pcv_test}}
copy=$(mktemp -d)
trap 'rm -rf "$copy"' EXIT
mkdir -p "$copy/$MODULE"
(cd "$ROOT" && git ls-files -co --exclude-standard -z | xargs -0 cp --parents -t "$copy/$MODULE")
sed "s|^addons_path = .*|&,$copy|; s|,$BUILD/addons||" "$BUILD/odoo.conf" > "$copy/odoo.conf"
"$VENV/bin/python" "$ODOO_HOME/odoo-bin" -c "$copy/odoo.conf" -d "$DB" \
    --i18n-export="$ROOT/i18n/$MODULE.pot" --modules="$MODULE" \
    --stop-after-init --log-level=warn
say "exported $(grep -c '^msgid ' "$ROOT/i18n/$MODULE.pot") terms to i18n/$MODULE.pot"
