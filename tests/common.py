# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from contextlib import contextmanager

from odoo.tests import TransactionCase, new_test_user


class CategoryValuationCase(TransactionCase):
    """Shared set-up: one non-admin user per role, and a small category tree.

    ``view_root`` (View) parents ``furniture`` and ``lamps`` (both Normal).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls.stock_user = new_test_user(
            cls.env, "pcv_stock_user", groups="stock.group_stock_user"
        )
        cls.stock_manager = new_test_user(
            cls.env, "pcv_stock_manager", groups="stock.group_stock_manager"
        )
        cls.salesman = new_test_user(
            cls.env, "pcv_salesman", groups="sales_team.group_sale_salesman"
        )
        cls.sale_manager = new_test_user(
            cls.env, "pcv_sale_manager", groups="sales_team.group_sale_manager"
        )
        cls.accountant = new_test_user(
            cls.env, "pcv_accountant", groups="account.group_account_user"
        )
        cls.account_manager = new_test_user(
            cls.env, "pcv_account_manager", groups="account.group_account_manager"
        )
        Category = cls.env["product.category"]
        cls.view_root = Category.create({"name": "PCV Root", "category_type": "view"})
        cls.furniture = Category.create(
            {"name": "PCV Furniture", "parent_id": cls.view_root.id}
        )
        cls.lamps = Category.create(
            {"name": "PCV Lamps", "parent_id": cls.view_root.id}
        )

    @contextmanager
    def assertRefused(self, exception, *fragments):
        """Expect ``exception`` with every fragment in its message; the savepoint
        of ``assertRaises`` rolls back whatever the refused call wrote."""
        with self.assertRaises(exception) as caught:
            yield caught
        message = str(caught.exception)
        for fragment in fragments:
            self.assertIn(fragment, message)
