# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
"""Item model groups (Dynamics 365) and the bolt of the negative inventory tests."""

from odoo import Command

from .common import CategoryValuationCase


class ItemModelGroupCase(CategoryValuationCase):
    """``furniture`` (under the View ``view_root``) is FIFO / periodic, like the
    group STOCK-FIFO; the bolt, storable, lies in ``furniture`` with 3 units in
    WH/Stock."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.furniture.property_cost_method = "fifo"
        cls.Group = cls.env["product.item.model.group"]
        cls.group = cls.Group.create(
            {
                "name": "Stocked FIFO",
                "code": "STOCK-FIFO",
                "inventory_model": "fifo",
                "inventory_posting": "manual_periodic",
                "stocked_product": True,
            }
        )
        cls.warehouse = cls.env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )
        cls.stock = cls.warehouse.lot_stock_id
        cls.customers = cls.env.ref("stock.stock_location_customers")
        cls.bolt = cls.env["product.product"].create(
            {"name": "PCV Bolt", "is_storable": True, "categ_id": cls.furniture.id}
        )
        cls.env["stock.quant"]._update_available_quantity(cls.bolt, cls.stock, 3)

    def _delivery(self, quantity, product=None, location=None):
        product = product or self.bolt
        location = location or self.stock
        picking = self.env["stock.picking"].create(
            {
                "picking_type_id": self.warehouse.out_type_id.id,
                "location_id": location.id,
                "location_dest_id": self.customers.id,
                "move_ids": [
                    Command.create(
                        {
                            "name": product.name,
                            "product_id": product.id,
                            "product_uom_qty": quantity,
                            "product_uom": product.uom_id.id,
                            "location_id": location.id,
                            "location_dest_id": self.customers.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.move_ids.quantity = quantity
        picking.move_ids.picked = True
        return picking

    def _on_hand(self, product=None, location=None):
        """Quantity in the location and its children (reservations aside)."""
        quants = self.env["stock.quant"]._gather(
            product or self.bolt, location or self.stock
        )
        return sum(quants.mapped("quantity"))
