from . import controllers
from . import models
from . import reports
from . import wizards


def uninstall_hook(env):
    """What the addon adds to Odoo's tables goes with it: the inventory closings'
    watermark triggers (they would outlive its tables) and the layers' date
    index."""
    env["stock.valuation.closing"]._drop_watermark()
    env["stock.valuation.layer"]._drop_date_index()
