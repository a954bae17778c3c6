# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import format_list

from .product_category import NEGATIVE_INVENTORY_RULES, format_product_names


class ProductItemModelGroup(models.Model):
    """A company's group of items sharing how stock of them is controlled and
    posted (Dynamics 365 "item model group"). Odoo's product category stays the
    costing engine: the group states the policy and is kept in agreement with it."""

    _name = "product.item.model.group"
    _description = "Item Model Group"
    _inherit = "product.company.group.mixin"
    _product_field = "item_model_group_id"

    stocked_product = fields.Boolean(
        tracking=True,
        default=True,
        string="Track Inventory",
        help="Products of the group are tracked in stock (Dynamics 365's stocked "
        "product).",
    )
    negative_inventory = fields.Selection(
        tracking=True,
        selection=NEGATIVE_INVENTORY_RULES,
        string="Negative Physical Inventory",
        required=True,
        default="allowed",
        help="Forbidden: a transfer, an inventory adjustment or a scrap that would "
        "leave less than nothing of a product of the group in an internal location "
        "is refused. This wins over the category's rule and the company's default.",
    )
    inventory_model = fields.Selection(
        tracking=True,
        selection="_selection_inventory_model",
        string="Costing Method",
        required=True,
        default="standard",
        help="Costing method of the group's products (Dynamics 365's inventory "
        "model): their categories must use it.",
    )
    inventory_posting = fields.Selection(
        tracking=True,
        selection="_selection_inventory_posting",
        string="Inventory Valuation",
        required=True,
        default="manual_periodic",
        help="Automated: stock moves post journal entries (perpetual valuation, "
        "Dynamics 365's physical inventory posted). Manual: they do not "
        "(periodic valuation). The categories of the group's products must agree.",
    )
    product_count = fields.Integer(compute="_compute_products")
    product_ids = fields.Many2many(
        comodel_name="product.template",
        string="Products",
        compute="_compute_products",
    )
    category_ids = fields.Many2many(
        comodel_name="product.category",
        string="Categories Used",
        compute="_compute_products",
        help="Categories of the group's products in its company.",
    )

    _sql_constraints = [
        (
            "code_company_uniq",
            "unique (code, company_id)",
            "The code of an item model group must be unique per company.",
        )
    ]

    def _products(self):
        """The group's product templates (archived ones too), in its company."""
        self.ensure_one()
        return (
            self.env["product.template"]
            .with_company(self.company_id)
            .with_context(active_test=False)
            .search([("item_model_group_id", "=", self.id)])
        )

    def _compute_products(self):
        for group in self:
            products = group._products() if group.id else group.env["product.template"]
            group.product_ids = products
            group.product_count = len(products)
            group.category_ids = products.categ_id

    # Odoo's own words for the category's costing method and valuation, in the
    # user's language: the group says what the category says
    def _selection_inventory_model(self):
        return self.env["product.category"]._selection_labels("property_cost_method")

    def _selection_inventory_posting(self):
        return self.env["product.category"]._selection_labels("property_valuation")

    @api.constrains("stocked_product", "inventory_model", "inventory_posting")
    def _check_products_agree(self):
        for group in self:
            group._products()._check_item_model_group_agreement()

    def _disagreement(self, template):
        """Labels of what ``template`` (in the group's company) and its category
        say otherwise than the group (empty list when they agree)."""
        self.ensure_one()
        category = template.categ_id
        labels = []
        if category.property_cost_method != self.inventory_model:
            labels.append(self._fields["inventory_model"]._description_string(self.env))
        if category.property_valuation != self.inventory_posting:
            labels.append(
                self._fields["inventory_posting"]._description_string(self.env)
            )
        if template.is_storable != self.stocked_product:
            labels.append(self._fields["stocked_product"]._description_string(self.env))
        return labels

    def _raise_disagreement(self, templates, labels):
        self.ensure_one()
        Category = templates.categ_id
        raise ValidationError(
            self.env._(
                "Item model group %(group)s and category %(category)s of "
                "%(products)s do not agree on %(what)s. The group says: "
                "%(group_policy)s; the category and products say: %(policy)s. Change "
                "the category or the group so that they agree, or choose another "
                "group.",
                group=self.display_name,
                category=Category[:1].display_name,
                products=format_product_names(templates),
                what=format_list(self.env, labels),
                group_policy=self._policy_label(
                    self.inventory_model, self.inventory_posting, self.stocked_product
                ),
                policy=self._policy_label(
                    Category[:1].property_cost_method,
                    Category[:1].property_valuation,
                    templates[:1].is_storable,
                ),
            )
        )

    def _policy_label(self, cost_method, valuation, stocked):
        fields_ = self._fields
        return format_list(
            self.env,
            [
                dict(fields_["inventory_model"]._description_selection(self.env))[
                    cost_method
                ],
                dict(fields_["inventory_posting"]._description_selection(self.env))[
                    valuation
                ],
                self.env._("stocked") if stocked else self.env._("not stocked"),
            ],
        )
