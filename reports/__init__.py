from . import valuation_report
