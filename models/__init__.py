# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""One file per model, named after it (``stock_valuation_closing_line.py``
holds ``stock.valuation.closing.line``). A model that this addon extends with
several concerns is a package named after the model, whose files extend it
one concern each (``sale_order/quote_section.py``); the file named after the
model in it holds the model itself or its main extension."""

from . import margin_control_mixin
from . import account_account
from . import account_move
from . import account_move_line
from . import payment_transaction
from . import product_category
from . import product_company_group_mixin
from . import product_item_group
from . import product_item_model_group
from . import product_template
from . import res_company
from . import res_config_settings
from . import res_users_settings
from . import sale_order
from . import sale_order_line
from . import stock_location
from . import stock_move
from . import stock_move_line
from . import product_stock_valuation_transfer
from . import stock_valuation_closing
from . import stock_valuation_closing_line
from . import stock_valuation_closing_receipt
from . import stock_valuation_closing_on_hand
from . import stock_valuation_closing_account
from . import stock_valuation_layer
