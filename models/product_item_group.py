# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from functools import partial

from odoo import api, fields, models
from odoo.exceptions import UserError, ValidationError

# Item group field -> key of product.template._get_product_accounts()
ACCOUNT_KEYS = {
    "income_account_id": "income",
    "expense_account_id": "expense",
    "stock_valuation_account_id": "stock_valuation",
    "stock_input_account_id": "stock_input",
    "stock_output_account_id": "stock_output",
    "price_difference_account_id": "price_difference",
}


class ProductItemGroup(models.Model):
    """A company's group of items sharing ledger accounts and default taxes
    (Dynamics 365 "item group", BHIMA "groupe d'inventaire")."""

    _name = "product.item.group"
    _description = "Item Group"
    _inherit = "product.company.group.mixin"
    _product_field = "item_group_id"

    income_account_id = fields.Many2one(
        tracking=True,
        comodel_name="account.account",
        check_company=True,
        domain="[('deprecated', '=', False)]",
        help="Revenue account of the group's products on customer invoices. Empty: "
        "the product category's.",
    )
    expense_account_id = fields.Many2one(
        tracking=True,
        comodel_name="account.account",
        check_company=True,
        domain="[('deprecated', '=', False)]",
        help="Consumption (cost of goods sold) account of the group's products on "
        "vendor bills and deliveries. Empty: the product category's.",
    )
    stock_valuation_account_id = fields.Many2one(
        tracking=True,
        comodel_name="account.account",
        check_company=True,
        domain="[('deprecated', '=', False)]",
        help="Account holding the value of the group's products in stock (perpetual "
        "valuation). Empty: the product category's.",
    )
    stock_input_account_id = fields.Many2one(
        tracking=True,
        comodel_name="account.account",
        check_company=True,
        domain="[('deprecated', '=', False)]",
        help="Counterpart of receipts (perpetual valuation). Empty: the product "
        "category's.",
    )
    stock_output_account_id = fields.Many2one(
        tracking=True,
        comodel_name="account.account",
        check_company=True,
        domain="[('deprecated', '=', False)]",
        help="Counterpart of deliveries (perpetual valuation). Empty: the product "
        "category's.",
    )
    price_difference_account_id = fields.Many2one(
        tracking=True,
        comodel_name="account.account",
        check_company=True,
        domain="[('deprecated', '=', False)]",
        help="Price difference account of the group's products, given to the "
        "modules that post price differences with the product's other accounts.",
    )
    stock_journal_id = fields.Many2one(
        tracking=True,
        comodel_name="account.journal",
        check_company=True,
        help="Journal of the stock valuation entries of the group's products. "
        "Empty: the product category's.",
    )
    customer_tax_ids = fields.Many2many(
        tracking=True,
        comodel_name="account.tax",
        relation="product_item_group_customer_tax_rel",
        column1="item_group_id",
        column2="tax_id",
        string="Default Customer Taxes",
        check_company=True,
        domain="[('type_tax_use', '=', 'sale')]",
        help="Proposed as customer taxes of a product when this group is chosen.",
    )
    vendor_tax_ids = fields.Many2many(
        tracking=True,
        comodel_name="account.tax",
        relation="product_item_group_vendor_tax_rel",
        column1="item_group_id",
        column2="tax_id",
        string="Default Vendor Taxes",
        check_company=True,
        domain="[('type_tax_use', '=', 'purchase')]",
        help="Proposed as vendor taxes of a product when this group is chosen.",
    )
    product_count = fields.Integer(compute="_compute_product_count")

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique (code, company_id)",
            "The code of an item group must be unique per company.",
        )
    ]

    def _compute_product_count(self):
        # item_group_id is company-dependent: count in each group's own company.
        for group in self:
            Template = self.env["product.template"].with_company(group.company_id)
            group.product_count = Template.search_count(
                [("item_group_id", "=", group.id)]
            )

    @api.constrains("customer_tax_ids", "vendor_tax_ids")
    def _check_tax_types(self):
        for group in self:
            for taxes, tax_use in (
                (group.customer_tax_ids, "sale"),
                (group.vendor_tax_ids, "purchase"),
            ):
                wrong = taxes.filtered(lambda tax, use=tax_use: tax.type_tax_use != use)
                if wrong:
                    raise ValidationError(
                        self.env._(
                            "Item group %(group)s: %(taxes)s cannot be default "
                            "%(kind)s taxes.",
                            group=group.display_name,
                            taxes=", ".join(wrong.mapped("name")),
                            kind=self.env._("customer")
                            if tax_use == "sale"
                            else self.env._("vendor"),
                        )
                    )

    def write(self, vals):
        """A new stock valuation account on an item group moves the value on hand
        of its real-time products to it."""
        if "stock_valuation_account_id" not in vals:
            return super().write(vals)
        templates = self.env["product.template"]
        for group in self:
            templates |= (
                templates.sudo()
                .with_company(group.company_id)
                .with_context(active_test=False)
                .search([("item_group_id", "=", group.id)])
            )
        return self.env["product.stock.valuation.transfer"]._around(
            templates,
            self.company_id,
            self.env._("stock valuation account of the item group changed"),
            partial(super().write, vals),
        )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_used(self):
        for group in self.with_context(active_test=False):
            if group.product_count:
                raise UserError(
                    self.env._(
                        "Item group %(group)s is still used by %(count)s product(s): "
                        "archive it instead, or move its products first.",
                        group=group.display_name,
                        count=group.product_count,
                    )
                )

    def _get_accounts(self):
        """Return the group's accounts set, keyed like _get_product_accounts()
        (none for an empty recordset)."""
        if not self:
            return {}
        self.ensure_one()
        return {key: self[fname] for fname, key in ACCOUNT_KEYS.items() if self[fname]}
