from . import inventory_valuation_report
from . import inventory_valuation_xlsx
