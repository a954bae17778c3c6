# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""A company's books made through Odoo's own documents and buttons, each by the
user whose job it is: a buyer orders and bills, the warehouse receives, delivers
and counts, a controller lands costs and revalues, salespeople sell and
invoice, an accountant posts."""

from datetime import timedelta

from odoo import Command, fields
from odoo.tests import Form, new_test_user
from odoo.tools import SQL

from odoo.addons.account.tests.common import AccountTestInvoicingCommon

from .common import RolesMixin


class CompanyFlowsCase(RolesMixin, AccountTestInvoicingCommon):
    """Users per job in the company of ``company_data`` (its chart of accounts:
    the generic one, or a localisation's through ``country_code`` and
    ``chart_template``), a vendor, a customer, and a freight service for
    landed costs."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.company = cls.company_data["company"]
        cls._setup_roles()
        company = {
            "company_id": cls.company.id,
            "company_ids": [Command.set(cls.company.ids)],
        }
        cls.buyer = new_test_user(
            cls.env,
            "pcv_buyer",
            name="PCV Buyer",
            groups="purchase.group_purchase_user,account.group_account_invoice",
            **company,
        )
        cls.controller = new_test_user(
            cls.env,
            "pcv_controller",
            name="PCV Controller",
            groups="stock.group_stock_manager,account.group_account_user",
            **company,
        )
        cls.vendor = cls.env["res.partner"].create({"name": "PCV Vendor"})
        cls.customer = cls.env["res.partner"].create({"name": "PCV Customer"})
        cls.freight = cls.env["product.product"].create(
            {
                "name": "PCV Freight",
                "type": "service",
                "landed_cost_ok": True,
                "property_account_expense_id": cls.company_data[
                    "default_account_expense"
                ].id,
                "supplier_taxes_id": [Command.clear()],
            }
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )

    # ------------------------------------------------------------------
    # Purchases
    # ------------------------------------------------------------------
    def _purchase(self, product, quantity, price, receive=True):
        """A purchase order confirmed by the buyer, its receipt validated by
        the warehouse (unless ``receive`` is false)."""
        order = (
            self.env["purchase.order"]
            .with_user(self.buyer)
            .create(
                {
                    "partner_id": self.vendor.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_qty": quantity,
                                "price_unit": price,
                                "taxes_id": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        order.button_confirm()
        if receive:
            self._validate(order.picking_ids)
        return order

    def _bill(self, order, price=None, day=None):
        """The vendor bill of ``order``, made by the buyer from the order (at
        ``price`` a unit instead of the order's), posted by the accountant."""
        action = order.with_user(self.buyer).action_create_invoice()
        bill = self.env["account.move"].with_user(self.buyer).browse(action["res_id"])
        values = {"invoice_date": day or fields.Date.today()}
        if price is not None:
            values["invoice_line_ids"] = [
                Command.update(line.id, {"price_unit": price})
                for line in bill.invoice_line_ids
            ]
        bill.write(values)
        bill.with_user(self.accountant).action_post()
        return bill

    def _land(self, pickings, amount, split="by_quantity"):
        """A landed cost of ``amount`` (freight) on ``pickings``, computed and
        validated by the controller."""
        cost = (
            self.env["stock.landed.cost"]
            .with_user(self.controller)
            .create(
                {
                    "picking_ids": [Command.set(pickings.ids)],
                    "cost_lines": [
                        Command.create(
                            {
                                "name": "Freight",
                                "product_id": self.freight.id,
                                "price_unit": amount,
                                "split_method": split,
                                "account_id": self.company_data[
                                    "default_account_expense"
                                ].id,
                            }
                        )
                    ],
                }
            )
        )
        cost.compute_landed_cost()
        cost.button_validate()
        self.assertEqual(cost.state, "done")
        return cost

    def _revalue(self, product, added_value):
        """Odoo's Revaluation wizard, run by the controller: ``added_value``
        spread over the stock on hand."""
        wizard = Form(
            self.env["stock.valuation.layer.revaluation"]
            .with_user(self.controller)
            .with_context(default_product_id=product.id)
        )
        wizard.added_value = added_value
        wizard.reason = "PCV revaluation"
        if product.categ_id.property_valuation == "real_time":
            wizard.account_id = self.company_data["default_account_expense"]
        wizard.save().action_validate_revaluation()

    # ------------------------------------------------------------------
    # Sales
    # ------------------------------------------------------------------
    def _sell(self, product, quantity, price, deliver=True):
        """A quotation confirmed by a salesperson, its delivery validated by
        the warehouse (unless ``deliver`` is false)."""
        order = (
            self.env["sale.order"]
            .with_user(self.salesman)
            .create(
                {
                    "partner_id": self.customer.id,
                    "order_line": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": quantity,
                                "price_unit": price,
                                "tax_id": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        order.action_confirm()
        if deliver:
            self._validate(order.picking_ids)
        return order

    def _invoice(self, order, day=None):
        """The invoice of ``order``, made by the salesperson, posted by the
        accountant."""
        invoice = order.with_user(self.salesman)._create_invoices()
        invoice.invoice_date = day or fields.Date.today()
        invoice.with_user(self.accountant).action_post()
        return invoice

    def _direct_invoice(self, product, quantity, price, day=None):
        """A customer invoice made and posted by the accountant, without an
        order."""
        invoice = (
            self.env["account.move"]
            .with_user(self.accountant)
            .create(
                {
                    "move_type": "out_invoice",
                    "partner_id": self.customer.id,
                    "invoice_date": day or fields.Date.today(),
                    "invoice_line_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "quantity": quantity,
                                "price_unit": price,
                                "tax_ids": [Command.clear()],
                            }
                        )
                    ],
                }
            )
        )
        invoice.action_post()
        return invoice

    # ------------------------------------------------------------------
    # The warehouse
    # ------------------------------------------------------------------
    def _validate(self, pickings):
        """Validate ``pickings`` as the warehouse does, every quantity done."""
        for picking in pickings.with_user(self.stock_user):
            picking.action_assign()
            for move in picking.move_ids:
                move.quantity = move.product_uom_qty
            picking.move_ids.picked = True
            result = picking.button_validate()
            self.assertIs(result, True, f"{picking.name} validated at once")

    def _return(self, picking, quantity):
        """Return ``quantity`` of ``picking``'s one product through Odoo's
        return wizard, validated by the warehouse."""
        wizard = Form(
            self.env["stock.return.picking"]
            .with_user(self.stock_user)
            .with_context(active_id=picking.id, active_model="stock.picking")
        )
        with wizard.product_return_moves.edit(0) as line:
            line.quantity = quantity
        returned = wizard.save().action_create_returns()
        self._validate(self.env["stock.picking"].browse(returned["res_id"]))

    def _count(self, product, counted):
        """An inventory count of ``product`` in the warehouse's stock, applied by
        the stock manager."""
        Quant = (
            self.env["stock.quant"]
            .with_user(self.stock_manager)
            .with_context(inventory_mode=True)
        )
        quant = Quant.search(
            [
                ("product_id", "=", product.id),
                ("location_id", "=", self.warehouse.lot_stock_id.id),
            ]
        ) or Quant.create(
            {"product_id": product.id, "location_id": self.warehouse.lot_stock_id.id}
        )
        quant.inventory_quantity = counted
        quant.action_apply_inventory()

    # ------------------------------------------------------------------
    # Dates
    # ------------------------------------------------------------------
    def _date_history(self, layers, start, step=timedelta(hours=7)):
        """Spread ``layers`` over time from ``start``, ``step`` apart, in the
        order Odoo made them (ids); their journal entries dated on their day,
        and numbered in that month's sequence of their journal, as if made
        then. Returns {layer: datetime}."""
        self.env.flush_all()
        dates = {}
        for index, layer in enumerate(layers.sorted("id")):
            at = start + step * index
            dates[layer] = at
            entry = layer.account_move_id
            prefix = f"{entry.journal_id.code}/{at:%Y/%m}/"
            self.env.cr.execute(
                SQL(
                    "UPDATE stock_valuation_layer SET create_date = %(at)s"
                    " WHERE id = %(layer)s;"
                    " UPDATE account_move SET date = %(day)s,"
                    " name = %(prefix)s || lpad(id::text, 6, '0'),"
                    " sequence_prefix = %(prefix)s, sequence_number = id"
                    " WHERE id = %(move)s AND name LIKE %(same_journal)s;"
                    " UPDATE account_move SET date = %(day)s WHERE id = %(move)s;"
                    " UPDATE account_move_line SET date = %(day)s"
                    " WHERE move_id = %(move)s",
                    at=at,
                    day=at.date(),
                    layer=layer.id,
                    move=entry.id or 0,
                    prefix=prefix,
                    same_journal=f"{entry.journal_id.code}/%",
                )
            )
        self.env.invalidate_all()
        return dates
