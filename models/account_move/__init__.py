# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""account.move: the stock valuation marks and the closed periods
(account_move.py), and the minimum margin rule of direct customer invoices
(margin_control.py)."""

from . import account_move
from . import margin_control
