from . import controllers
from . import models
from . import reports
from . import wizards


def uninstall_hook(env):
    """What the addon adds to Odoo's tables goes with it: the inventory closings'
    watermark triggers (they would outlive its tables), the layers' date index,
    the index of draft journal items and the table of held stock."""
    env["stock.valuation.closing"]._drop_watermark()
    env["stock.valuation.layer"]._drop_date_index()
    env["account.move.line"]._drop_draft_index()
    env["stock.move.line"]._drop_held_stock()
