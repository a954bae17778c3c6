#!/usr/bin/env bash
# The upgrade from the last release: the addon as it was at the commit that
# readme/HISTORY.md names for the newest release before this one, checked out
# with git into a scratch directory, installed into a fresh database DATABASE,
# given a company's data (tools/check_upgrade.py prepare), then upgraded with
# -u to this code and checked (tools/check_upgrade.py check).
#
#     tools/check_upgrade.sh DATABASE
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/common.sh
. "$here/common.sh"

database=$1
release=$(sed -n 's/^Released at commit `\([0-9a-f]\{40\}\)`.*/\1/p' "$ROOT/readme/HISTORY.md" | head -n 1)
[ -n "$release" ] || die "readme/HISTORY.md names no release commit"
git -C "$ROOT" cat-file -e "$release^{commit}" 2>/dev/null \
    || die "the release commit $release is not in this clone's history"
version=$(git -C "$ROOT" show "$release:__manifest__.py" | sed -n 's/.*"version": "\([^"]*\)".*/\1/p')

scratch="$BUILD/upgrade"
rm -rf "$scratch"
mkdir -p "$scratch/addons/$MODULE"
git -C "$ROOT" archive "$release" | tar -x -C "$scratch/addons/$MODULE"
config="$BUILD/odoo_upgrade.conf"
sed "s|,$BUILD/addons\$|,$scratch/addons|; /^http_port/d" "$BUILD/odoo.conf" > "$config"
grep -q "$scratch/addons" "$config" || die "could not point $config at the release"

say "upgrade check: installing $version (commit ${release:0:12}) into $database"
dropdb --if-exists "$database"
"$VENV/bin/python" "$ODOO_HOME/odoo-bin" -c "$config" -d "$database" -i "$MODULE" \
    --without-demo=all --stop-after-init --log-level=warn --http-port=8169
"$VENV/bin/python" "$here/check_upgrade.py" "$config" "$database" prepare
say "upgrade check: upgrading to $(sed -n 's/.*"version": "\([^"]*\)".*/\1/p' "$ROOT/__manifest__.py")"
odoo -d "$database" -u "$MODULE" --stop-after-init --log-level=warn --http-port=8169
"$VENV/bin/python" "$here/check_upgrade.py" "$BUILD/odoo.conf" "$database" check
dropdb --if-exists "$database"
rm -rf "$scratch" "$config"
