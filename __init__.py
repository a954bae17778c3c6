from . import controllers
from . import models
from . import reports
from . import wizards


def uninstall_hook(env):
    """The inventory closings' watermark triggers go with the addon: they would
    otherwise outlive its tables."""
    env["stock.valuation.closing"]._drop_watermark()
