#!/usr/bin/env bash
# `make test`: fresh databases, the addon installed without demo data, every test of
# the addon through pytest-odoo (HttpCase tours included), the read replica and
# concurrency checks, then Odoo's own test suites of the modules the addon extends on
# a database with the addon installed (account's on a copy of it, alongside the
# rest: the machine has two cores), the uninstall / reinstall check, the upgrade
# from the last release, the addon's wheel (built, checked, installed into a fresh
# database), the demo data (installed and checked), ruff and pylint-odoo.
# The last line printed is the total of passed and failed tests; the exit status
# is non-zero on any failure.
#
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/common.sh"

DB=${TEST_DB:-pcv_test}
SUITES_DB=${DB}_odoo
ACCOUNT_DB=${DB}_account
# Odoo's own suites of the modules the addon extends, and of purchase_stock, which
# most databases that value stock also have. account's, the longest, runs on a
# copy of the same database alongside the others.
SUITES="product stock_account sale_margin sale_stock purchase_stock sale"
# Beside the addon in its test database, the modules of a real company's books:
# purchases with vendor bills, landed costs, and Odoo's French chart of accounts
# (continental accounting) for the tests of a month on it; no other localisation.
TEST_MODULES="purchase_stock,stock_landed_costs,l10n_fr_account"
ACCOUNT_SUITE="account"
# Odoo 18.0's own tests that fail, or are no tests, on every database holding
# these modules, with or without this addon: measured on a database of sale_stock,
# sale_margin, stock_account and purchase_stock alone. Left out, by name (see the
# README):
# - test_08_check_update_qty_mto_chain hands a partner record to a procurement
#   where an id is expected (sale_stock with purchase_stock);
# - TestSaleFlow's test_qty_delivered is sale's at-install check of delivered
#   quantities "to avoid a change in the behavior when sale_stock is installed";
# - test_attribute_values_deletion_or_archiving is a tour through a menu that
#   needs the product variants group, which such a database does not give;
# - test_resequence_change_payment_name expects a name of 2025 for a payment of
#   today;
# - test_all_l10n (a standalone script that installs every localisation) and
#   test_get_data (a patch of chart templates) are functions pytest takes for
#   tests, not tests Odoo runs.
ODOO_KNOWN_FAILURES="not test_08_check_update_qty_mto_chain \
and not (TestSaleFlow and test_qty_delivered) \
and not test_attribute_values_deletion_or_archiving \
and not test_resequence_change_payment_name and not test_all_l10n and not test_get_data"
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

# run_pytest DATABASE LOG PATHS...: pytest-odoo, its output in LOG; CONFIG (default
# the build's) says where Odoo's HTTP server of the browser tests listens
run_pytest() {
    local database=$1 log=$2
    shift 2
    local config=${CONFIG:-$BUILD/odoo.conf}
    # Run from the build directory: pytest must see the tests under the addon's
    # technical name (a working directory inside the clone would resolve the link),
    # and that directory is the root (the addon's pyproject.toml is the wheel's).
    (
        cd "$BUILD"
        PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" "$VENV/bin/python" -m pytest \
            -p pytest_odoo_quiet \
            --odoo-config="$config" --odoo-database="$database" --odoo-http \
            --odoo-log-level=warn -p no:cacheprovider -o addopts="" --rootdir="$BUILD" \
            -W ignore::DeprecationWarning -r fEs "$@"
    ) >"$log" 2>&1
}

# check_suite LOG STATUS WHAT: unless pytest exited 0 with a summary in LOG, die
# naming the failed tests of WHAT
check_suite() {
    if [ "$2" != 0 ] || [ -z "$(summary_of "$1")" ]; then
        grep -E '^(FAILED|ERROR) ' "$1" >&2 || tail -n 40 "$1" >&2
        printf '%s\n' "$summary"
        die "$3 failed with the addon installed (full log: $1)"
    fi
}
summary_of() { grep -E '^=+ .*(passed|failed|error|no tests ran).* =+$' "$1" | tail -n 1; }
count_of() { grep -oE "[0-9]+ $2" <<<"$1" | grep -oE '^[0-9]+' || echo 0; }

say "fresh databases $DB (the addon, payment_demo, $TEST_MODULES) and $SUITES_DB (the addon, purchase_stock)"
install "$MODULE,payment_demo,$TEST_MODULES" "$DB" "$BUILD/install.log" 8179 &
install_addon=$!
install "$MODULE,purchase_stock" "$SUITES_DB" "$BUILD/install_odoo.log" 8189 &
install_suites=$!
wait "$install_addon" || die "the test database could not be made"
wait "$install_suites" || die "the database of Odoo's suites could not be made"

# account's suite, alongside everything else, on a copy of the suites' database
# and with its own HTTP port
account_log="$BUILD/pytest_account.log"
dropdb --if-exists "$ACCOUNT_DB"
createdb -T "$SUITES_DB" "$ACCOUNT_DB"
sed "/^http_port/d; \$a http_port = 8079" "$BUILD/odoo.conf" > "$BUILD/odoo_account.conf"
say "running Odoo's own suite of $ACCOUNT_SUITE in the background (database $ACCOUNT_DB)"
account_started=$SECONDS
(
    set +e
    CONFIG="$BUILD/odoo_account.conf" run_pytest "$ACCOUNT_DB" "$account_log" \
        -k "$ODOO_KNOWN_FAILURES" \
        $(for module in $ACCOUNT_SUITE; do echo "$ODOO_HOME/odoo/addons/$module/tests"; done)
    echo $? > "$BUILD/pytest_account.status"
) &
account_pid=$!
# stop_account: the background suite does not outlive a failure
stop_account() { kill -- "$account_pid" 2>/dev/null || true; pkill -f "odoo-database=$ACCOUNT_DB" 2>/dev/null || true; }
trap stop_account EXIT

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
suites_started=$SECONDS
set +e
run_pytest "$SUITES_DB" "$suites_log" -k "$ODOO_KNOWN_FAILURES" \
    $(for module in $SUITES; do echo "$ODOO_HOME/odoo/addons/$module/tests"; done)
suites_status=$?
set -e
suites_summary=$(summary_of "$suites_log")
say "Odoo's own suites of $SUITES: $suites_summary ($((SECONDS - suites_started)) s)"
check_suite "$suites_log" "$suites_status" "Odoo's own suites of $SUITES"

say "waiting for Odoo's own suite of $ACCOUNT_SUITE"
wait "$account_pid" || true
trap - EXIT
account_status=$(cat "$BUILD/pytest_account.status" 2>/dev/null || echo missing)
account_summary=$(summary_of "$account_log")
say "Odoo's own suite of $ACCOUNT_SUITE: $account_summary ($((SECONDS - account_started)) s since it started)"
check_suite "$account_log" "$account_status" "Odoo's own suite of $ACCOUNT_SUITE"
dropdb --if-exists "$ACCOUNT_DB"

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

# check_script NAME WHY: tools/check_NAME.sh on a scratch database of its own
# (${DB}_NAME), its lines saying "NAME check" printed, or die with WHY
check_script() {
    local log="$BUILD/$1.log"
    if ! "$here/check_$1.sh" "${DB}_$1" >"$log" 2>&1; then
        tail -n 40 "$log" >&2
        printf '%s\n' "$summary"
        die "$2 (full log: $log)"
    fi
    grep "$1 check" "$log"
}
say "upgrade check (database ${DB}_upgrade, from the last release)"
check_script upgrade "upgrading from the last release failed"
say "the addon's wheel (database ${DB}_wheel)"
check_script wheel "the addon's wheel is wrong or does not install"
say "the demo data (database ${DB}_demo)"
check_script demo "the demo data is wrong or does not install"

say "pre-commit: the same linters at the same versions"
for hook in ruff-pre-commit:ruff pylint-odoo:pylint-odoo; do
    version=$(sed -n "s/^${hook#*:}==//p" "$here/dev-requirements.txt")
    grep -A1 "/${hook%:*}\$" "$ROOT/.pre-commit-config.yaml" | grep -qx "    rev: v$version" \
        || die ".pre-commit-config.yaml runs another ${hook#*:} than make test ($version)"
done

say "ruff"
{ "$VENV/bin/ruff" check "$ROOT" && "$VENV/bin/ruff" format --check "$ROOT"; } || { printf '%s\n' "$summary"; die "ruff found errors"; }
say "pylint-odoo"
(cd "$BUILD/addons" && "$VENV/bin/pylint" --rcfile="$ROOT/.pylintrc" "$MODULE") \
    || { printf '%s\n' "$summary"; die "pylint-odoo found errors"; }

passed=0
for log in "$addon_log" "$suites_log" "$account_log"; do
    passed=$((passed + $(count_of "$(summary_of "$log")" passed)))
done
say "the addon: $summary"
say "Odoo's own suites: $suites_summary"
say "Odoo's own suite of $ACCOUNT_SUITE: $account_summary"
printf 'total: %s passed, 0 failed\n' "$passed"
