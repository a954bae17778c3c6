# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""sale.order: the minimum margin rule (sale_order.py), the customer paths of
its approval (margin_approval.py) and the default quote sections
(quote_section.py)."""

from . import sale_order
from . import margin_approval
from . import quote_section
