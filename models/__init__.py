from . import product_category
from . import product_item_group
from . import product_template
from . import sale_order
from . import sale_order_line
from . import stock_move
