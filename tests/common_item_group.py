# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Item groups and their accounts (Dynamics 365 item groups, BHIMA inventory
groups), the set-up of every test of postings, valuation and reconciliation."""

from odoo import Command, fields

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import RolesMixin


class ItemGroupCase(RolesMixin, AccountTestInvoicingCommon):
    """Dynamics 365 item groups and BHIMA inventory groups: a group's accounts drive
    the postings of its products, before the category's and the company's."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls._setup_roles()
        cls.company = cls.company_data["company"]
        cls.company.anglo_saxon_accounting = True

        def account(code, account_type="asset_current"):
            return cls.env["account.account"].create(
                {
                    "name": f"PCV {code}",
                    "code": code,
                    "account_type": account_type,
                    "reconcile": account_type == "asset_current",
                }
            )

        # the category's accounts
        cls.categ_income = account("700100", "income")
        cls.categ_expense = account("600100", "expense")
        cls.categ_valuation = account("310100")
        cls.categ_input = account("310200")
        cls.categ_output = account("310300")
        # the item group's accounts
        cls.group_income = account("700900", "income")
        cls.group_expense = account("600900", "expense")
        cls.group_valuation = account("310900")
        cls.group_input = account("310910")
        cls.group_output = account("310920")
        cls.group_price_diff = account("609900", "expense")
        cls.group_journal = cls.env["account.journal"].create(
            {"name": "PCV Stock Journal", "code": "PCVS", "type": "general"}
        )
        cls.group_sale_tax = cls.tax_sale_b
        cls.group_purchase_tax = cls.tax_purchase_b

        categ_values = {
            "property_account_income_categ_id": cls.categ_income.id,
            "property_account_expense_categ_id": cls.categ_expense.id,
            "property_valuation": "real_time",
            "property_stock_valuation_account_id": cls.categ_valuation.id,
            "property_stock_account_input_categ_id": cls.categ_input.id,
            "property_stock_account_output_categ_id": cls.categ_output.id,
        }
        Category = cls.env["product.category"]
        cls.fifo_categ = Category.create(
            dict(categ_values, name="PCV FIFO", property_cost_method="fifo")
        )
        cls.avco_categ = Category.create(
            dict(categ_values, name="PCV AVCO", property_cost_method="average")
        )
        cls.group = cls.env["product.item.group"].create(
            {
                "name": "PCV Office furniture",
                "code": "FURN",
                "income_account_id": cls.group_income.id,
                "expense_account_id": cls.group_expense.id,
                "stock_valuation_account_id": cls.group_valuation.id,
                "stock_input_account_id": cls.group_input.id,
                "stock_output_account_id": cls.group_output.id,
                "price_difference_account_id": cls.group_price_diff.id,
                "stock_journal_id": cls.group_journal.id,
                "customer_tax_ids": [Command.set(cls.group_sale_tax.ids)],
                "vendor_tax_ids": [Command.set(cls.group_purchase_tax.ids)],
            }
        )
        Product = cls.env["product.product"]
        cls.fifo_product = Product.create(
            {
                "name": "PCV FIFO desk",
                "is_storable": True,
                "categ_id": cls.fifo_categ.id,
                "item_group_id": cls.group.id,
                "list_price": 100,
                "taxes_id": [Command.clear()],
                "supplier_taxes_id": [Command.clear()],
            }
        )
        cls.avco_product = Product.create(
            {
                "name": "PCV AVCO chair",
                "is_storable": True,
                "categ_id": cls.avco_categ.id,
                "item_group_id": cls.group.id,
                "list_price": 50,
                "taxes_id": [Command.clear()],
                "supplier_taxes_id": [Command.clear()],
            }
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock_location = cls.warehouse.lot_stock_id
        cls.supplier_location = cls.env.ref("stock.stock_location_suppliers")
        cls.customer_location = cls.env.ref("stock.stock_location_customers")

    @classmethod
    def _move(cls, product, quantity, source, destination, price_unit=0.0, **values):
        move = cls.env["stock.move"].create(
            {
                "name": f"PCV move of {product.name}",
                "product_id": product.id,
                "product_uom_qty": quantity,
                "product_uom": product.uom_id.id,
                "location_id": source.id,
                "location_dest_id": destination.id,
                "price_unit": price_unit,
                "company_id": cls.company.id,
                **values,
            }
        )
        move._action_confirm()
        move._action_assign()
        move.quantity = quantity
        move.picked = True
        move._action_done()
        return move

    @classmethod
    def _receive(cls, product, quantity, price_unit):
        return cls._move(
            product, quantity, cls.supplier_location, cls.stock_location, price_unit
        )

    @classmethod
    def _deliver(cls, product, quantity):
        return cls._move(product, quantity, cls.stock_location, cls.customer_location)

    def _invoice(self, move_type, *lines, post=True, **values):
        """An invoice or bill with lines given as (product, quantity, unit price)."""
        move = self.env["account.move"].create(
            {
                "move_type": move_type,
                "partner_id": self.partner_a.id,
                "invoice_date": "2026-01-15",
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": product.id, "quantity": qty, "price_unit": price}
                    )
                    for product, qty, price in lines
                ],
                **values,
            }
        )
        if post:
            move.action_post()
        return move

    def _entry(self, account, amount, state="posted", date=None):
        """A miscellaneous entry of ``amount`` on ``account``, the company's
        expense account as counterpart, posted unless ``state`` says draft."""
        entry = self.env["account.move"].create(
            {
                "move_type": "entry",
                "date": date or fields.Date.today(),
                "journal_id": self.company_data["default_journal_misc"].id,
                "line_ids": [
                    Command.create({"account_id": account.id, "balance": amount}),
                    Command.create(
                        {
                            "account_id": self.company_data[
                                "default_account_expense"
                            ].id,
                            "balance": -amount,
                        }
                    ),
                ],
            }
        )
        if state == "posted":
            entry.action_post()
        return entry

    def _entry_lines(self, moves):
        """Journal items of the valuation entries of ``moves`` as
        {account: balance}, and the journals of those entries."""
        entries = moves.account_move_ids
        balances = {}
        for line in entries.line_ids:
            balances[line.account_id] = (
                balances.get(line.account_id, 0.0) + line.balance
            )
        return balances, entries.journal_id


class OtherAccountCase(ItemGroupCase):
    """A second item group, posting its stock to another valuation account."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.other_valuation = cls.env["account.account"].create(
            {
                "name": "PCV Other stock",
                "code": "310950",
                "account_type": "asset_current",
            }
        )
        cls.other_group = cls.group.copy(
            {
                "code": "OTHER",
                "stock_valuation_account_id": cls.other_valuation.id,
            }
        )
