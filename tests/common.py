# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from contextlib import contextmanager

from odoo.tests import TransactionCase, new_test_user
from odoo.tools import SQL


def date_layers(env, dates):
    """Give each layer of ``dates`` ({layer: UTC datetime}) that creation date,
    in SQL (the ORM writes ``create_date`` itself), as a history spread over
    time holds them."""
    env.flush_all()
    for layer, created in dates.items():
        env.cr.execute(
            SQL(
                "UPDATE stock_valuation_layer SET create_date = %s WHERE id = %s",
                created,
                layer.id,
            )
        )
    env.invalidate_all()


# login -> groups of the non-admin users every test class gets
ROLE_GROUPS = {
    "stock_user": "stock.group_stock_user",
    "stock_manager": "stock.group_stock_manager",
    "salesman": "sales_team.group_sale_salesman",
    "sale_manager": "sales_team.group_sale_manager",
    "accountant": "account.group_account_user",
    "account_manager": "account.group_account_manager",
}


class RolesMixin:
    """One non-admin user per role (``cls.stock_user``, ``cls.salesman``...), in the
    test company, and assertions shared by the test files."""

    @classmethod
    def _setup_roles(cls):
        company = cls.env.company
        for role, groups in ROLE_GROUPS.items():
            user = new_test_user(
                cls.env,
                f"pcv_{role}",
                name=f"PCV {role.replace('_', ' ').title()}",
                groups=groups,
                company_id=company.id,
                company_ids=[(6, 0, company.ids)],
            )
            setattr(cls, role, user)

    @contextmanager
    def assertRefused(self, exception, *fragments):
        """Expect ``exception`` with every fragment in its message; the savepoint
        of ``assertRaises`` rolls back whatever the refused call wrote."""
        with self.assertRaises(exception) as caught:
            yield caught
        message = str(caught.exception)
        for fragment in fragments:
            self.assertIn(fragment, message)


class CategoryValuationCase(RolesMixin, TransactionCase):
    """Users per role and a small category tree: ``view_root`` (View) parents
    ``furniture`` and ``lamps`` (both Normal)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.env.company
        cls._setup_roles()
        Category = cls.env["product.category"]
        cls.view_root = Category.create({"name": "PCV Root", "category_type": "view"})
        cls.furniture = Category.create(
            {"name": "PCV Furniture", "parent_id": cls.view_root.id}
        )
        cls.lamps = Category.create(
            {"name": "PCV Lamps", "parent_id": cls.view_root.id}
        )
