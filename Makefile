# product_category_valuation — developer commands (see README.md).
# ODOO_HOME points at an Odoo 18.0 source tree (default /opt/odoo).
ODOO_HOME ?= /opt/odoo
export ODOO_HOME

.PHONY: demo test setup lint bench clean

demo:  ## Odoo on http://127.0.0.1:8069 with the addon and demo data (admin / admin)
	@tools/demo.sh

test:  ## fresh database, every test with pytest-odoo, then ruff and pylint-odoo
	@tools/test.sh

setup:  ## system packages, PostgreSQL, virtualenv, addons path (done by demo and test)
	@tools/setup.sh

bench:  ## valuation report benchmark (see bench/)
	@tools/setup.sh && .venv/bin/python bench/valuation_bench.py

clean:  ## remove the virtualenv and build directory
	rm -rf .venv .build
