#!/usr/bin/env bash
# The addon's wheel, as `pip wheel .` builds it in a checkout named after the
# addon: check_wheel.sh DATABASE. Builds it with whool from the addon's files under
# git (a copy in a directory named after the addon: the clone's own name may
# differ), checks what it holds (check_wheel.py), installs it into a scratch
# directory and installs the addon from there alone into a fresh DATABASE.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/common.sh"

DB=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
source_dir="$work/src/$MODULE"
mkdir -p "$source_dir"
(cd "$ROOT" && git ls-files -z | xargs -0 cp --parents -t "$source_dir")

"$VENV/bin/pip" wheel -q --no-deps --no-build-isolation -w "$work/dist" "$source_dir"
wheel=$(ls "$work"/dist/*.whl)
"$VENV/bin/python" "$here/check_wheel.py" "$wheel" "$source_dir"

"$VENV/bin/pip" install -q --no-deps --target "$work/target" "$wheel"
addons=$(sed -n 's/^addons_path = //p' "$BUILD/odoo.conf" | tr ',' '\n' \
         | grep -vx "$BUILD/addons" | paste -sd, -)
[ -f "$work/target/odoo/addons/$MODULE/__manifest__.py" ] \
    || { echo "wheel check: the wheel installed no odoo/addons/$MODULE"; exit 1; }
dropdb --if-exists "$DB"
odoo -d "$DB" --addons-path="$addons,$work/target/odoo/addons" -i "$MODULE" \
    --without-demo=all --stop-after-init --log-level=warn --http-port=8199
path=$("$VENV/bin/python" "$ODOO_HOME/odoo-bin" shell -c "$BUILD/odoo.conf" -d "$DB" \
       --addons-path="$addons,$work/target/odoo/addons" --no-http --log-level=error <<<"
from odoo.modules.module import get_module_path
print('PATH', get_module_path('$MODULE'))
print('STATE', env['ir.module.module'].search([('name', '=', '$MODULE')]).state)
" 2>/dev/null)
dropdb --if-exists "$DB"
grep -qx "PATH $work/target/odoo/addons/$MODULE" <<<"$path" \
    || { echo "wheel check: the addon was not loaded from the wheel ($path)"; exit 1; }
grep -qx "STATE installed" <<<"$path" \
    || { echo "wheel check: the addon is not installed from the wheel ($path)"; exit 1; }
echo "wheel check: installed from the wheel alone into a fresh database"
