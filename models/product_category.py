# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from functools import partial

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# How many product names a message lists before it says "and N more".
MAX_NAMED_PRODUCTS = 5
# The rule on negative physical inventory, on item model groups, categories and
# companies.
NEGATIVE_INVENTORY_RULES = [("allowed", "Allowed"), ("forbidden", "Forbidden")]


def format_product_names(products):
    """Return the display names of ``products`` for a user message, shortened."""
    names = products[:MAX_NAMED_PRODUCTS].mapped("display_name")
    if len(products) > MAX_NAMED_PRODUCTS:
        names.append(
            products.env._(
                "and %(count)s more", count=len(products) - MAX_NAMED_PRODUCTS
            )
        )
    return ", ".join(names)


class ProductCategory(models.Model):
    _inherit = "product.category"

    active = fields.Boolean(
        default=True,
        help="Archived categories are hidden. A category that still holds active "
        "products, itself or through its subcategories, cannot be archived.",
    )
    property_stock_variation_account_id = fields.Many2one(
        comodel_name="account.account",
        string="Stock Variation Account",
        company_dependent=True,
        ondelete="restrict",
        check_company=True,
        help="Periodic valuation: the counterpart of the inventory closing's "
        "adjustment of the stock valuation account (the change in stock of the "
        "period). Empty: the category's expense account.",
    )
    category_type = fields.Selection(
        selection=[("view", "View"), ("normal", "Normal")],
        required=True,
        default="normal",
        index=True,
        help="A View category is virtual: it only parents other categories and "
        "holds no product. Products belong to Normal categories.",
    )
    min_margin_rate = fields.Float(
        string="Minimum Margin Rate (%)",
        digits=(16, 2),
        help="Lowest margin rate, in percent of the untaxed amount, of a quotation "
        "whose main article is in this category: below it, the quotation cannot "
        "be confirmed without a sales manager's approval. Leave 0 to inherit the "
        "rate of the nearest parent category that has one.",
    )
    effective_min_margin_rate = fields.Float(
        string="Applied Minimum Margin Rate (%)",
        digits=(16, 2),
        compute="_compute_effective_min_margin_rate",
        recursive=True,
        store=True,
        help="The category's own minimum margin rate, or else the nearest "
        "parent category's.",
    )
    min_margin_rate_source_id = fields.Many2one(
        comodel_name="product.category",
        string="Minimum Margin Rate From",
        compute="_compute_effective_min_margin_rate",
        recursive=True,
        store=True,
        help="The category whose minimum margin rate applies here.",
    )
    is_main_article = fields.Boolean(
        string="Main Article",
        help="Products of this category can be the main article of a quotation or "
        "a customer invoice: its line with the highest untaxed subtotal among "
        "such products decides the minimum margin rate it must reach, and sales "
        "are analysed by it.",
    )
    negative_inventory = fields.Selection(
        selection=NEGATIVE_INVENTORY_RULES,
        string="Negative Physical Inventory",
        help="Whether stock of the category's products may go below zero in an "
        "internal location. Empty: the parent category's rule, else the company's "
        "default. A product's item model group wins over it.",
    )
    effective_negative_inventory = fields.Selection(
        selection=NEGATIVE_INVENTORY_RULES,
        string="Applied Negative Physical Inventory",
        compute="_compute_effective_negative_inventory",
        recursive=True,
        help="The category's own rule, or else the nearest parent category's (empty: "
        "the company's default applies).",
    )
    quote_section = fields.Char(
        string="Default Quote Section",
        translate=True,
        help="A product of this category added to a quotation is placed under a "
        "section of this name, created at the end of the quotation when missing.",
    )

    @api.model
    def _selection_labels(self, fname):
        """(value, label) of the selection field ``fname`` of categories (the
        costing method, the valuation), in the user's language: Odoo's own
        words, for the fields elsewhere that say what a category says."""
        return self._fields[fname]._description_selection(self.env)

    @api.depends("min_margin_rate", "parent_id.min_margin_rate_source_id")
    def _compute_effective_min_margin_rate(self):
        for category in self:
            source = category
            while source and not source.min_margin_rate:
                source = source.parent_id
            category.min_margin_rate_source_id = source
            category.effective_min_margin_rate = source.min_margin_rate

    @api.model
    def _main_article_line(self, lines):
        """The main article line among ``lines``, the product lines of one
        quotation or customer invoice: of the lines whose product's category is
        flagged Main Article, the one with the highest untaxed subtotal (ties: the
        first by sequence, then by creation). Empty when there is none."""
        candidates = lines.filtered(
            lambda line: line.product_id.categ_id.is_main_article
        )
        # max() keeps the first of equal keys: sort by sequence first.
        return max(
            candidates.sorted(lambda line: (line.sequence, line._origin.id or 0)),
            key=lambda line: line.price_subtotal,
            default=lines.browse(),
        )

    @api.depends("negative_inventory", "parent_id.effective_negative_inventory")
    def _compute_effective_negative_inventory(self):
        for category in self:
            category.effective_negative_inventory = (
                category.negative_inventory
                or category.parent_id.effective_negative_inventory
            )

    @api.constrains("property_cost_method", "property_valuation")
    def _check_item_model_groups_agree(self):
        self.env["product.template"].with_context(active_test=False).search(
            [("categ_id", "in", self.ids), ("item_model_group_id", "!=", False)]
        )._check_item_model_group_agreement()

    def write(self, vals):
        """A new stock valuation account on a category moves the value on hand of
        its real-time products (those without an item group account) to it."""
        if "property_stock_valuation_account_id" not in vals:
            return super().write(vals)
        templates = (
            self.env["product.template"]
            .sudo()
            .with_context(active_test=False)
            .search([("categ_id", "in", self.ids)])
        )
        return self.env["product.stock.valuation.transfer"]._around(
            templates,
            self.env.company,
            self.env._("stock valuation account of the category changed"),
            partial(super().write, vals),
        )

    @api.constrains("min_margin_rate")
    def _check_min_margin_rate(self):
        for category in self:
            if not 0 <= category.min_margin_rate <= 100:
                raise ValidationError(
                    self.env._(
                        "The minimum margin rate of category %(category)s must be "
                        "between 0 and 100%%, not %(rate)s%%.",
                        category=category.display_name,
                        rate=category.min_margin_rate,
                    )
                )

    def action_open_products(self):
        """The products of a View category: those of its children, to read;
        none can be created or edited from here, as none lives in a View
        category itself."""
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "product.product_template_action_all"
        )
        action.update(
            name=self.env._("Products of %(category)s", category=self.display_name),
            domain=[("categ_id", "child_of", self.id)],
            context={
                "create": False,
                "edit": False,
                "delete": False,
                "group_create": False,
                "group_expand": True,
            },
        )
        return action

    @api.constrains("category_type")
    def _check_view_category_has_no_product(self):
        view_categories = self.filtered(lambda c: c.category_type == "view")
        if not view_categories:
            return
        products = (
            self.env["product.template"]
            .with_context(active_test=False)
            .sudo()
            .search([("categ_id", "in", view_categories.ids)], order="categ_id, id")
        )
        for category in view_categories:
            held = products.filtered(lambda p, c=category: p.categ_id == c)
            if held:
                raise ValidationError(
                    self.env._(
                        "Category %(category)s still holds products "
                        "(%(products)s): it cannot become a View category. Move "
                        "them to a Normal category first.",
                        category=category.display_name,
                        products=format_product_names(held),
                    )
                )

    @api.constrains("active")
    def _check_archived_category_has_no_product(self):
        for category in self.filtered(lambda c: not c.active):
            products = (
                self.env["product.template"]
                .sudo()
                .search([("categ_id", "child_of", category.id)])
            )
            if products:
                raise ValidationError(
                    self.env._(
                        "Category %(category)s cannot be archived: it still holds "
                        "products (%(products)s), itself or through its "
                        "subcategories. Move or archive them first.",
                        category=category.display_name,
                        products=format_product_names(products),
                    )
                )
