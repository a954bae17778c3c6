from . import test_category_type
