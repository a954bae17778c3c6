from . import test_access
from . import test_category_type
from . import test_i18n
from . import test_item_group
from . import test_margin_control
from . import test_rpc_robustness
from . import test_tours
from . import test_valuation_report
