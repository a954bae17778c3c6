# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo.exceptions import AccessError

from .common import ROLE_GROUPS, CategoryValuationCase

OPERATIONS = ("read", "write", "create", "unlink")
# model -> role -> operations allowed
ALLOWED = {
    "product.item.group": {
        "stock_user": {"read"},
        "stock_manager": set(OPERATIONS),
        "salesman": {"read"},
        "sale_manager": {"read"},
        "accountant": {"read"},
        "account_manager": set(OPERATIONS),
    },
    "product.item.model.group": {
        "stock_user": {"read"},
        "stock_manager": set(OPERATIONS),
        "salesman": {"read"},
        "sale_manager": {"read"},
        "accountant": {"read"},
        "account_manager": {"read"},
    },
    "product.category.valuation.wizard": {
        "stock_user": set(),
        "stock_manager": {"read", "write", "create"},
        "salesman": set(),
        "sale_manager": set(),
        "accountant": {"read", "write", "create"},
        "account_manager": {"read", "write", "create"},
    },
}
VALUES = {
    "product.item.group": lambda tag: {"name": "PCV Access", "code": tag},
    "product.item.model.group": lambda tag: {"name": "PCV Access", "code": tag},
    "product.category.valuation.wizard": lambda tag: {},
}
WRITES = {
    "product.item.group": {"description": "changed"},
    "product.item.model.group": {"description": "changed"},
    "product.category.valuation.wizard": {"include_zero": True},
}


class TestAccessMatrix(CategoryValuationCase):
    """Every role on every model of the addon: what it may and may not do."""

    def _operate(self, model, user, operation):
        Model = self.env[model]
        if operation == "create":
            return Model.with_user(user).create(VALUES[model](f"C{user.id}"))
        # records of the user's own (transient wizards are private to their creator)
        record = (
            Model.with_user(user).sudo().create(VALUES[model](f"{operation}{user.id}"))
        )
        record = record.sudo(False)
        if operation == "read":
            return record.read(["display_name"])
        if operation == "write":
            return record.write(WRITES[model])
        return record.unlink()

    def test_access_matrix(self):
        self.assertEqual(set(ALLOWED["product.item.group"]), set(ROLE_GROUPS))
        for model, roles in ALLOWED.items():
            for role, allowed in roles.items():
                user = getattr(self, role)
                for operation in OPERATIONS:
                    with self.subTest(model=model, role=role, operation=operation):
                        if operation in allowed:
                            self.assertTrue(self._operate(model, user, operation))
                        else:
                            with self.assertRaises(AccessError):
                                self._operate(model, user, operation)
