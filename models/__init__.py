from . import product_category
from . import product_template
