from . import valuation_report_wizard
from . import valuation_reconciliation_line
