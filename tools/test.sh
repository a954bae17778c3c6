#!/usr/bin/env bash
# `make test`: fresh databases, the addon installed without demo data, every test of
# the addon through pytest-odoo (HttpCase tours included), the read replica and
# concurrency checks, then Odoo's own test suites of the modules the addon extends on
# a database with the addon installed, the uninstall / reinstall check, ruff and
# pylint-odoo. The last line printed is the
# total of passed and failed tests; the exit status is non-zero on any failure.
#
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/common.sh"

DB=${TEST_DB:-pcv_test}
SUITES_DB=${DB}_odoo
# Odoo's own suites of the modules the addon extends, and of purchase_stock, which
# most databases that value stock also have.
SUITES="product stock_account sale_margin sale_stock purchase_stock"
# Odoo 18.0's own test that fails on every database holding both sale_stock and
# purchase_stock, with or without this addon (it hands a partner record to a
# procurement where an id is expected): measured on a database of sale_stock,
# sale_margin and purchase_stock alone. Left out, by name.
ODOO_KNOWN_FAILURES="not test_08_check_update_qty_mto_chain"
export PCV_WITH_BROWSER=1
"$here/setup.sh"

tests_dir="$BUILD/addons/$MODULE/tests"
ls "$tests_dir"/test_*.py >/dev/null 2>&1 || die "no test files in $tests_dir"

# install MODULES DATABASE LOG PORT: a fresh database with MODULES, or die with the log
install() {
    dropdb --if-exists "$2"
    if ! odoo -d "$2" -i "$1" --without-demo=all --stop-after-init \
            --log-level=warn --http-port="$4" >"$3" 2>&1; then
        tail -n 60 "$3" >&2
        die "installing $1 into $2 failed (full log: $3)"
    fi
    if grep -E " (ERROR|CRITICAL) " "$3" >&2; then
        die "installing $1 into $2 logged errors (full log: $3)"
    fi
}

# run_pytest DATABASE LOG PATHS...: pytest-odoo, its output in LOG
run_pytest() {
    local database=$1 log=$2
    shift 2
    # Run from the build directory: pytest must see the tests under the addon's
    # technical name (a working directory inside the clone would resolve the link).
    (
        cd "$BUILD"
        PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" -m pytest \
            -p pytest_odoo_quiet \
            --odoo-config="$BUILD/odoo.conf" --odoo-database="$database" --odoo-http \
            --odoo-log-level=warn -p no:cacheprovider -o addopts="" \
            -W ignore::DeprecationWarning -r fEs "$@"
    ) >"$log" 2>&1
}

summary_of() { grep -E '^=+ .*(passed|failed|error|no tests ran).* =+$' "$1" | tail -n 1; }
count_of() { grep -oE "[0-9]+ $2" <<<"$1" | grep -oE '^[0-9]+' || echo 0; }

say "fresh databases $DB (the addon, payment_demo) and $SUITES_DB (the addon, purchase_stock)"
install "$MODULE,payment_demo" "$DB" "$BUILD/install.log" 8179 &
install_addon=$!
install "$MODULE,purchase_stock" "$SUITES_DB" "$BUILD/install_odoo.log" 8189 &
install_suites=$!
wait "$install_addon" || die "the test database could not be made"
wait "$install_suites" || die "the database of Odoo's suites could not be made"

addon_log="$BUILD/pytest.log"
suites_log="$BUILD/pytest_odoo.log"
say "running the addon's tests (database $DB)"
set +e
run_pytest "$DB" "$addon_log" "addons/$MODULE/tests" "$@"
addon_status=$?
set -e
cat "$addon_log"
summary=$(summary_of "$addon_log")
case $addon_status in
    0) ;;
    5) die "pytest collected no test of the addon: the suite is missing" ;;
    *) printf '%s\n' "$summary"; die "the addon's tests failed (pytest exit $addon_status)" ;;
esac
if grep -qE '[0-9]+ skipped' <<<"$summary"; then
    printf '%s\n' "$summary"
    die "tests of the addon were skipped; every test must run"
fi

# check_on_copy SUFFIX SCRIPT WHAT WHY: SCRIPT on a copy of $DB, its lines
# saying "WHAT" printed, or die with WHY
check_on_copy() {
    local copy="${DB}_$1" log="$BUILD/$1.log"
    say "$3 (database $copy, a copy of $DB)"
    dropdb --if-exists "$copy"
    if ! { createdb -T "$DB" "$copy" \
           && "$VENV/bin/python" "$here/$2" "$copy"; } >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        printf '%s\n' "$summary"
        die "$4 (full log: $log)"
    fi
    grep "$3" "$log"
    dropdb --if-exists "$copy"
}
check_on_copy replica check_replica.py "replica check" \
    "the valuation report does not run on a read replica"
check_on_copy race check_concurrency.py "concurrency check" \
    "a rule of the addon did not hold under concurrent users"

say "running Odoo's own suites of $SUITES (database $SUITES_DB)"
set +e
run_pytest "$SUITES_DB" "$suites_log" -k "$ODOO_KNOWN_FAILURES" \
    $(for module in $SUITES; do echo "$ODOO_HOME/odoo/addons/$module/tests"; done)
suites_status=$?
set -e
suites_summary=$(summary_of "$suites_log")
say "Odoo's own suites: $suites_summary"
if [ "$suites_status" != 0 ] || [ -z "$suites_summary" ]; then
    grep -E '^(FAILED|ERROR) ' "$suites_log" >&2 || tail -n 40 "$suites_log" >&2
    printf '%s\n' "$summary"
    die "Odoo's own test suites failed with the addon installed (full log: $suites_log)"
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

passed=0
for log in "$addon_log" "$suites_log"; do
    passed=$((passed + $(count_of "$(summary_of "$log")" passed)))
done
say "the addon: $summary"
say "Odoo's own suites: $suites_summary"
printf 'total: %s passed, 0 failed\n' "$passed"
