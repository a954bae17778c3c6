#!/usr/bin/env bash
# `make test`: fresh database, addon installed without demo data, every test through
# pytest-odoo (HttpCase tours included), then ruff and pylint-odoo. The last line printed
# is pytest's summary line; the exit status is non-zero on any failure.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/common.sh"

DB=${TEST_DB:-pcv_test}
export PCV_WITH_BROWSER=1
"$here/setup.sh"

tests_dir="$BUILD/addons/$MODULE/tests"
ls "$tests_dir"/test_*.py >/dev/null 2>&1 || die "no test files in $tests_dir"

say "fresh database $DB"
dropdb --if-exists "$DB"
log="$BUILD/install.log"
if ! odoo -d "$DB" -i "$MODULE" --without-demo=all --stop-after-init \
        --log-level=warn --http-port=8169 >"$log" 2>&1; then
    tail -n 60 "$log" >&2
    die "installing $MODULE into $DB failed (full log: $log)"
fi
if grep -E " (ERROR|CRITICAL) " "$log" >&2; then
    die "installing $MODULE into $DB logged errors (full log: $log)"
fi

say "running the tests (pytest-odoo, database $DB)"
pytest_log="$BUILD/pytest.log"
set +e
(
    # Run from the build directory: pytest must see the tests under the addon's
    # technical name (a working directory inside the clone would resolve the link).
    cd "$BUILD"
    PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" -m pytest \
        -p pytest_odoo_quiet \
        --odoo-config="$BUILD/odoo.conf" --odoo-database="$DB" --odoo-http \
        --odoo-log-level=warn -p no:cacheprovider -o addopts="" \
        -W ignore::DeprecationWarning -r fEs "addons/$MODULE/tests" "$@"
) 2>&1 | tee "$pytest_log"
status=${PIPESTATUS[0]}
set -e
summary=$(grep -E '^=+ .*(passed|failed|error|no tests ran).* =+$' "$pytest_log" | tail -n 1)
case $status in
    0) ;;
    5) die "pytest collected no test: the suite is missing" ;;
    *) printf '%s\n' "$summary"; die "tests failed (pytest exit $status)" ;;
esac
if grep -qE '[0-9]+ skipped' <<<"$summary"; then
    printf '%s\n' "$summary"
    die "tests were skipped; every test must run"
fi

say "uninstall / reinstall check (database ${DB}_uninstall, a copy of $DB)"
uninstall_log="$BUILD/uninstall.log"
dropdb --if-exists "${DB}_uninstall"
if ! { createdb -T "$DB" "${DB}_uninstall" \
       && "$VENV/bin/python" "$here/check_uninstall.py" "${DB}_uninstall" uninstall \
       && "$VENV/bin/python" "$here/check_uninstall.py" "${DB}_uninstall" check \
       && "$VENV/bin/python" "$here/check_uninstall.py" "${DB}_uninstall" reinstalled; } \
       >"$uninstall_log" 2>&1; then
    tail -n 40 "$uninstall_log" >&2
    printf '%s\n' "$summary"
    die "uninstalling or reinstalling $MODULE broke Odoo (full log: $uninstall_log)"
fi
grep "uninstall check" "$uninstall_log"
dropdb --if-exists "${DB}_uninstall"

say "ruff"
{ "$VENV/bin/ruff" check "$ROOT" && "$VENV/bin/ruff" format --check "$ROOT"; } || { printf '%s\n' "$summary"; die "ruff found errors"; }
say "pylint-odoo"
(cd "$BUILD/addons" && "$VENV/bin/pylint" --rcfile="$ROOT/.pylintrc" "$MODULE") \
    || { printf '%s\n' "$summary"; die "pylint-odoo found errors"; }

printf '%s\n' "$summary"
