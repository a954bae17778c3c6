# Shared variables and helpers of the tools/ scripts (sourced, not run).
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MODULE=product_category_valuation
ODOO_HOME=${ODOO_HOME:-/opt/odoo}
VENV=${VENV:-$ROOT/.venv}
BUILD=${BUILD:-$ROOT/.build}
export ODOO_HOME

say() { printf '[%s] %s\n' "$MODULE" "$*"; }
die() { printf '[%s] ERROR: %s\n' "$MODULE" "$*" >&2; exit 1; }

check_odoo_home() {
    local release="$ODOO_HOME/odoo/release.py"
    [ -f "$release" ] || die "no Odoo source tree at ODOO_HOME=$ODOO_HOME (looked for $release). \
Put an Odoo 18.0 source tree there or point ODOO_HOME at one."
    grep -q "^version_info = (18, 0," "$release" \
        || die "ODOO_HOME=$ODOO_HOME does not hold Odoo 18.0 ($release says: \
$(grep -m1 '^version_info' "$release" || echo 'no version_info'))"
    [ -f "$ODOO_HOME/odoo-bin" ] || die "no odoo-bin in ODOO_HOME=$ODOO_HOME"
}

odoo() { "$VENV/bin/python" "$ODOO_HOME/odoo-bin" -c "$BUILD/odoo.conf" "$@"; }
