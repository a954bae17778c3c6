from . import valuation_report_wizard
