# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
import json

from odoo.tests import HttpCase, tagged

from .common import RolesMixin


@tagged("post_install", "-at_install")
class TestRpcRobustness(RolesMixin, HttpCase):
    """Bad input through Odoo's JSON-RPC endpoint, on the running test server, as a
    (non-admin) stock manager: a JSON-RPC error that says what is wrong, never a
    traceback page, and nothing written."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_roles()
        cls.stock_manager.groups_id |= cls.env.ref("account.group_account_manager")
        Category = cls.env["product.category"]
        cls.root = Category.create({"name": "PCV Root", "category_type": "view"})
        cls.child = Category.create({"name": "PCV Child", "parent_id": cls.root.id})
        cls.product = cls.env["product.template"].create(
            {"name": "PCV Chair", "categ_id": cls.child.id}
        )
        cls.group = cls.env["product.item.group"].create(
            {"name": "PCV Group", "code": "G1"}
        )
        cls.product.item_group_id = cls.group
        cls.other_company = cls.env["res.company"].create({"name": "PCV Company B"})
        cls.foreign_account = (
            cls.env["account.account"]
            .with_company(cls.other_company)
            .create({"name": "PCV Foreign", "code": "PCV999", "account_type": "income"})
        )

    def setUp(self):
        super().setUp()
        self.authenticate(self.stock_manager.login, self.stock_manager.login)

    def _call(self, model, method, *args, **kwargs):
        response = self.url_open(
            "/web/dataset/call_kw",
            data=json.dumps(
                {
                    "jsonrpc": "2.0",
                    "method": "call",
                    "id": 1,
                    "params": {
                        "model": model,
                        "method": method,
                        "args": list(args),
                        "kwargs": kwargs,
                    },
                }
            ),
            headers={"Content-Type": "application/json"},
        )
        self.assertEqual(response.status_code, 200, "a JSON-RPC answer, not a page")
        self.assertTrue(response.headers["Content-Type"].startswith("application/json"))
        return response.json()

    def assertRpcError(self, answer, exception, *fragments):
        self.assertIn("error", answer, answer)
        data = answer["error"]["data"]
        self.assertEqual(data["name"], exception)
        for fragment in fragments:
            self.assertIn(fragment, data["message"])

    def _count(self, model, domain):
        self.env.invalidate_all()
        return self.env[model].with_context(active_test=False).search_count(domain)

    def test_a_good_call_works(self):
        answer = self._call(
            "product.category", "create", {"name": "PCV Good", "min_margin_rate": 12.5}
        )
        self.assertIn("result", answer)
        self.assertEqual(
            self._count("product.category", [("name", "=", "PCV Good")]), 1
        )

    def test_wrong_types(self):
        answer = self._call(
            "product.category", "create", {"name": "PCV Bad", "min_margin_rate": "abc"}
        )
        self.assertRpcError(answer, "builtins.ValueError", "abc")
        answer = self._call(
            "product.category", "create", {"name": "PCV Bad", "category_type": "bogus"}
        )
        self.assertRpcError(answer, "builtins.ValueError", "category_type", "bogus")
        self.assertEqual(self._count("product.category", [("name", "=", "PCV Bad")]), 0)

    def test_margin_out_of_range(self):
        for rate in (-5, 150):
            answer = self._call(
                "product.category", "write", [self.child.id], {"min_margin_rate": rate}
            )
            self.assertRpcError(
                answer,
                "odoo.exceptions.ValidationError",
                "PCV Root / PCV Child",
                "0 and 100",
            )
        self.assertEqual(self.child.min_margin_rate, 0)

    def test_cyclic_parents(self):
        answer = self._call(
            "product.category", "write", [self.root.id], {"parent_id": self.child.id}
        )
        self.assertRpcError(answer, "odoo.exceptions.UserError", "Recursion")
        self.env.invalidate_all()
        self.assertFalse(self.root.parent_id)

    def test_product_in_a_view_category(self):
        answer = self._call(
            "product.template", "create", {"name": "PCV Desk", "categ_id": self.root.id}
        )
        self.assertRpcError(
            answer, "odoo.exceptions.ValidationError", "PCV Root", "PCV Desk"
        )
        self.assertEqual(
            self._count("product.template", [("name", "=", "PCV Desk")]), 0
        )

    def test_duplicate_item_group_code(self):
        answer = self._call(
            "product.item.group", "create", {"name": "Twin", "code": "G1"}
        )
        self.assertRpcError(
            answer, "odoo.exceptions.ValidationError", "unique per company"
        )
        self.assertEqual(self._count("product.item.group", [("code", "=", "G1")]), 1)

    def test_account_of_another_company(self):
        answer = self._call(
            "product.item.group",
            "create",
            {
                "name": "PCV Bad",
                "code": "BAD",
                "income_account_id": self.foreign_account.id,
            },
        )
        self.assertRpcError(answer, "odoo.exceptions.UserError", "PCV Bad")
        self.assertEqual(self._count("product.item.group", [("code", "=", "BAD")]), 0)

    def test_deleting_an_item_group_in_use(self):
        answer = self._call("product.item.group", "unlink", [self.group.id])
        self.assertRpcError(answer, "odoo.exceptions.UserError", "[G1]", "1 product(s)")
        self.assertTrue(self.group.exists())

    def test_archiving_a_category_with_products(self):
        answer = self._call("product.category", "action_archive", [self.child.id])
        self.assertRpcError(
            answer, "odoo.exceptions.ValidationError", "PCV Child", "PCV Chair"
        )
        self.env.invalidate_all()
        self.assertTrue(self.child.active)

    def test_salesperson_cannot_approve_over_rpc(self):
        order = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create({"partner_id": self.salesman.partner_id.id})
        )
        self.authenticate(self.salesman.login, self.salesman.login)
        answer = self._call("sale.order", "action_approve_margin", [order.id])
        self.assertRpcError(answer, "odoo.exceptions.AccessError", "sales managers")
        answer = self._call(
            "sale.order",
            "write",
            [order.id],
            {"margin_approved_by_id": self.salesman.id},
        )
        self.assertRpcError(answer, "odoo.exceptions.AccessError", "sales managers")
        self.env.invalidate_all()
        self.assertFalse(order.margin_approved_by_id)
