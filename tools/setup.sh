#!/usr/bin/env bash
# Idempotent set-up shared by `make demo` and `make test`.
#
# On a machine that has nothing but an Odoo 18.0 source tree at ODOO_HOME it
#   1. installs the missing system packages when run as root,
#   2. starts the local PostgreSQL cluster and lets the current user create databases,
#   3. builds the git-ignored virtualenv .venv with Odoo's requirements and the dev tools,
#   4. links this repository into .build/addons under its technical name and writes
#      .build/odoo.conf.
# Every step is skipped when already done.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=tools/common.sh
. "$here/common.sh"

check_odoo_home

# --- 1. system packages ------------------------------------------------------
missing=()
command -v pg_ctlcluster >/dev/null 2>&1 || missing+=(postgresql)
command -v pg_config >/dev/null 2>&1 || missing+=(libpq-dev)
command -v wkhtmltopdf >/dev/null 2>&1 || missing+=(wkhtmltopdf)
if [ "${PCV_WITH_BROWSER:-0}" = 1 ] && ! command -v chromium >/dev/null 2>&1; then
    missing+=(chromium)
fi
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
        say "installing system packages: ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        die "missing system packages: ${missing[*]} (run this once as root, or install them)"
    fi
fi

# --- 2. PostgreSQL -----------------------------------------------------------
if command -v pg_lsclusters >/dev/null 2>&1; then
    if [ -z "$(pg_lsclusters -h 2>/dev/null)" ]; then
        [ "$(id -u)" = 0 ] || die "no PostgreSQL cluster exists and only root can create one"
        version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
        say "creating PostgreSQL $version cluster"
        pg_createcluster "$version" main >/dev/null
    fi
    pg_lsclusters -h | while read -r version cluster _port status _rest; do
        if [ "$status" != online ]; then
            say "starting PostgreSQL cluster $version/$cluster"
            if [ "$(id -u)" = 0 ]; then
                pg_ctlcluster "$version" "$cluster" start
            else
                pg_ctlcluster "$version" "$cluster" start 2>/dev/null \
                    || die "PostgreSQL $version/$cluster is down and this user cannot start it"
            fi
        fi
    done
fi
db_user=$(id -un)
if ! psql -d postgres -Atc "SELECT rolcreatedb OR rolsuper FROM pg_roles WHERE rolname = current_user" 2>/dev/null | grep -q t; then
    [ "$(id -u)" = 0 ] || die "PostgreSQL role '$db_user' is missing or may not create databases"
    say "creating PostgreSQL role '$db_user' (createdb)"
    if su postgres -c "psql -Atc \"SELECT 1 FROM pg_roles WHERE rolname = '$db_user'\"" | grep -q 1; then
        su postgres -c "psql -qc 'ALTER ROLE \"$db_user\" CREATEDB'"
    else
        su postgres -c "createuser --createdb '$db_user'"
    fi
fi

# --- 3. virtualenv -----------------------------------------------------------
pip_install() {
    # pip warns about every configured index location that does not exist: hide those.
    "$VENV/bin/pip" install -q "$@" 2>&1 | { grep -v "is ignored: it is neither a file nor a directory" || true; }
    return "${PIPESTATUS[0]}"
}
stamp="$VENV/.pcv-stamp"
wanted=$(cat "$ODOO_HOME/requirements.txt" "$here/constraints.txt" "$here/dev-requirements.txt" \
         <(echo "$ODOO_HOME") | sha256sum | cut -d' ' -f1)
if [ ! -x "$VENV/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$wanted" ]; then
    say "building the virtualenv $VENV (Odoo requirements, pytest-odoo, ruff, pylint-odoo)"
    python3 -m venv "$VENV"
    pip_install --upgrade pip wheel setuptools
    pip_install -r "$ODOO_HOME/requirements.txt" -c "$here/constraints.txt"
    pip_install -r "$here/dev-requirements.txt" -c "$here/constraints.txt"
    # Odoo is not a package here: make the source tree importable.
    site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    echo "$ODOO_HOME" > "$site/odoo-home.pth"
    echo "$wanted" > "$stamp"
fi
"$VENV/bin/python" -c "import odoo.release as r; assert r.version_info[:2] == (18, 0)" \
    || die "the virtualenv cannot import Odoo 18.0 from $ODOO_HOME"

# --- 4. addons path and configuration -----------------------------------------
mkdir -p "$BUILD/addons"
ln -sfn "$ROOT" "$BUILD/addons/$MODULE"
addons="$ODOO_HOME/odoo/addons"
[ -d "$ODOO_HOME/addons" ] && addons="$ODOO_HOME/addons,$addons"
cat > "$BUILD/odoo.conf" <<EOF
[options]
addons_path = $addons,$BUILD/addons
data_dir = $BUILD/data
db_host = False
db_port = False
db_user = $db_user
db_password = False
admin_passwd = admin
http_interface = 127.0.0.1
list_db = True
EOF
say "ready: Odoo $ODOO_HOME, addon linked at $BUILD/addons/$MODULE"
