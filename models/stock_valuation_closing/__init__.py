# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Concerns of the closing: its own model is in stock_valuation_closing.py."""

from . import stock_valuation_closing
from . import adjustment
from . import lock
from . import schedule
