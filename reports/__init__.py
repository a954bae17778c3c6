# The inventory valuation engine (one model, a file per concern), then its XLSX
# writer.
from . import inventory_valuation_report
from . import inventory_valuation_report_query
from . import inventory_valuation_report_what_if
from . import inventory_valuation_report_reconciliation
from . import inventory_valuation_report_layout
from . import inventory_valuation_report_closing
from . import inventory_valuation_xlsx

# Sales and invoice analyses by main article.
from . import margin_analysis_mixin
from . import sale_report
from . import account_invoice_report
