# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from collections import defaultdict
from functools import partial

from odoo import api, fields, models
from odoo.exceptions import ValidationError
from odoo.tools import SQL

from .product_category import format_product_names

# Accounts a storable product valued in real time must resolve (BHIMA's inventory
# guide: the accounts exist before the group, the group before the item).
REAL_TIME_ACCOUNT_KEYS = ("stock_valuation", "stock_input", "stock_output")


class ProductTemplate(models.Model):
    _inherit = "product.template"

    item_group_id = fields.Many2one(
        comodel_name="product.item.group",
        company_dependent=True,
        domain="[('company_id', '=', current_company_id)]",
        help="Group of the product in the current company: its accounts win over "
        "the product category's, and its default taxes are proposed here.",
    )
    item_model_group_id = fields.Many2one(
        comodel_name="product.item.model.group",
        company_dependent=True,
        # the groups that agree with the product and its category; imports and
        # RPC are refused by ``_check_item_model_group_agreement``
        domain="[('company_id', '=', current_company_id),"
        " ('inventory_model', '=', cost_method),"
        " ('inventory_posting', '=', valuation),"
        " ('stocked_product', '=', is_storable)]",
        help="Stock policy group of the product in the current company: whether it "
        "tracks inventory, its costing method and inventory valuation (which its "
        "category must share) and whether its physical inventory may go negative.",
    )

    @api.constrains("categ_id")
    def _check_categ_id_is_normal(self):
        in_view = self.filtered(lambda t: t.categ_id.category_type == "view")
        for category in in_view.categ_id:
            products = in_view.filtered(lambda t, c=category: t.categ_id == c)
            raise ValidationError(
                self.env._(
                    "Category %(category)s is a View category: it only parents "
                    "other categories and cannot hold products (%(products)s). "
                    "Choose a Normal category.",
                    products=format_product_names(products),
                    category=category.display_name,
                )
            )

    @api.constrains("item_group_id", "item_model_group_id")
    def _check_item_group_company(self):
        company = self.env.company
        for product in self:
            product = product.sudo()
            for group in (product.item_group_id, product.item_model_group_id):
                if not group or group.company_id == company:
                    continue
                raise ValidationError(
                    self.env._(
                        "Product %(product)s: group %(group)s belongs to "
                        "%(group_company)s, not to %(company)s.",
                        product=product.display_name,
                        group=group.display_name,
                        group_company=group.company_id.name,
                        company=company.name,
                    )
                )

    @api.constrains("item_group_id", "is_storable")
    def _check_item_group_required(self):
        company = self.env.company
        if not company.item_group_required:
            return
        missing = self.filtered(lambda t: t.is_storable and not t.item_group_id)
        if missing:
            raise ValidationError(
                self.env._(
                    "%(company)s requires an item group on every storable product: "
                    "set one on %(products)s.",
                    company=company.name,
                    products=format_product_names(missing),
                )
            )

    @api.constrains("item_model_group_id", "categ_id", "is_storable")
    def _check_item_model_group(self):
        self._check_item_model_group_agreement()
        # the groups' product lists are computed from a search: let them follow
        self.env["product.item.model.group"].invalidate_model(
            ["product_ids", "product_count", "category_ids"]
        )

    def _check_item_model_group_agreement(self):
        """Refuse products whose item model group and category (in the current
        company) disagree on costing method and valuation, or whose storability is
        not the group's; the message names the products, the group and the
        category."""
        disagreeing = defaultdict(self.browse)
        labels = {}
        for template in self:
            group = template.sudo().item_model_group_id
            what = group and group._disagreement(template)
            if what:
                disagreeing[group, template.categ_id] |= template
                labels[group, template.categ_id] = what
        for (group, category), templates in disagreeing.items():
            group._raise_disagreement(templates, labels[group, category])

    def _negative_inventory_forbidden(self):
        """The products of ``self`` whose stock, in the current company, may not
        go below zero in an internal location: their item model group's rule, else
        their category's (inherited down the tree), else the company's default.
        Read for the whole batch at once: it runs at every stock validation."""
        default = self.env.company.negative_inventory
        forbidden = {
            template.id
            for template in self.sudo()
            if (
                template.item_model_group_id.negative_inventory
                or template.categ_id.effective_negative_inventory
                or default
            )
            == "forbidden"
        }
        return self.filtered(lambda template: template.id in forbidden)

    @api.constrains("item_group_id", "categ_id", "is_storable")
    def _check_real_time_accounts(self):
        for product in self:
            missing = product._get_missing_real_time_accounts()
            if missing:
                raise ValidationError(product._missing_accounts_message(missing))

    def write(self, vals):
        """A new item group or category may move the stock valuation account of
        products that hold stock: their value on hand follows them."""
        if not {"item_group_id", "categ_id"} & set(vals):
            return super().write(vals)
        # categories are shared by every company; item groups are per company
        companies = None if "categ_id" in vals else self.env.company
        reason = (
            self.env._("product category changed")
            if "categ_id" in vals
            else self.env._("item group changed")
        )
        return self.env["product.stock.valuation.transfer"]._around(
            self, companies, reason, partial(super().write, vals)
        )

    @api.onchange("item_group_id")
    def _onchange_item_group_id_taxes(self):
        group = self.item_group_id
        if group.customer_tax_ids:
            self.taxes_id = (
                self.taxes_id.filtered(lambda t: t.company_id != group.company_id)
                | group.customer_tax_ids
            )
        if group.vendor_tax_ids:
            self.supplier_taxes_id = (
                self.supplier_taxes_id.filtered(
                    lambda t: t.company_id != group.company_id
                )
                | group.vendor_tax_ids
            )

    def _get_product_accounts(self):
        """Item group accounts win over the category's (and so over the company
        defaults); accounts set on the product itself still win over both."""
        accounts = super()._get_product_accounts()
        accounts.setdefault("price_difference", self._get_category_price_difference())
        own = {
            "income": self.property_account_income_id,
            "expense": self.property_account_expense_id,
        }
        for key, account in self.item_group_id._get_accounts().items():
            if not own.get(key):
                accounts[key] = account
        return accounts

    @api.model
    def _stock_valuation_accounts_query(self, columns=None):
        """SQL of (``product_id``, ``account_id``, ``categ_id``,
        ``item_group_id``, ``item_model_group_id``, ``uom_id``): the stock
        valuation account of every product (variant, archived ones too) in the
        current company, by the rule of ``_get_product_accounts``: its item
        group's, else its category's, with the category and item group it comes
        from, and the product's item model group and unit; ``columns``: more
        columns, of the variant ``p`` and its template ``t``. The one definition
        of that rule in SQL: the valuation, the reconciliation and their
        drill-downs all read it."""
        Category = self.env["product.category"].with_company(self.env.company)
        return SQL(
            """
            WITH category_accounts AS MATERIALIZED (
                SELECT c.id, %(category_account)s AS account_id
                  FROM product_category c
            )
            SELECT p.id AS product_id,
                   COALESCE(g.stock_valuation_account_id, ca.account_id)
                       AS account_id,
                   t.categ_id, g.id AS item_group_id,
                   mg.id AS item_model_group_id, t.uom_id%(columns)s
              FROM product_product p
              JOIN product_template t ON t.id = p.product_tmpl_id
              JOIN category_accounts ca ON ca.id = t.categ_id
              LEFT JOIN product_item_group g ON g.id = %(item_group)s
              LEFT JOIN product_item_model_group mg ON mg.id = %(item_model_group)s
            """,
            category_account=Category._field_to_sql(
                "c", "property_stock_valuation_account_id"
            ),
            item_group=self._company_dependent_id("t", "item_group_id"),
            item_model_group=self._company_dependent_id("t", "item_model_group_id"),
            columns=columns or SQL(""),
        )

    def _company_dependent_id(self, alias, fname):
        """SQL of the id that the company-dependent many2one ``fname`` of the
        template ``alias`` holds in the current company (else its fallback),
        as ``_field_to_sql`` reads it, without the subquery per row that checks
        that the record still exists: the caller joins its table, which checks
        it for every product at once."""
        field = self._fields[fname]
        fallback = field.convert_to_column(
            field.convert_to_write(field.get_company_dependent_fallback(self), self),
            self,
        )
        column = SQL.identifier(alias, fname)
        company = str(self.env.company.id)
        # to_flush: the pending writes of the field go to the database first
        if fallback:
            return SQL(
                "(COALESCE(%s->%s, to_jsonb(%s::int4))->>0)::int4",
                column,
                company,
                fallback,
                to_flush=field,
            )
        # the company's value as text at once, without the jsonb in between
        return SQL("(%s->>%s)::int4", column, company, to_flush=field)

    def _get_category_price_difference(self):
        # purchase_stock, when installed, adds this field on products and categories.
        if "property_account_creditor_price_difference" in self._fields:
            return (
                self.property_account_creditor_price_difference
                or self.categ_id.property_account_creditor_price_difference_categ
            )
        return self.env["account.account"]

    def get_product_accounts(self, fiscal_pos=None):
        accounts = super().get_product_accounts(fiscal_pos=fiscal_pos)
        if self.item_group_id.stock_journal_id:
            accounts["stock_journal"] = self.item_group_id.stock_journal_id
        return accounts

    def _stock_journal(self):
        """The journal of this product's stock valuation entries in the current
        company: its item group's, else its category's (``get_product_accounts``),
        else the company's Inventory Valuation journal (the one Odoo's chart of
        accounts makes); an empty recordset without any."""
        self.ensure_one()
        return (
            self.get_product_accounts()["stock_journal"]
            or self.env["account.chart.template"].ref(
                "inventory_valuation", raise_if_not_found=False
            )
            or self.env["account.journal"]
        )

    def _get_missing_real_time_accounts(self):
        """Return the labels of the stock accounts that this storable product, valued
        in real time in the current company, cannot resolve (empty list when none)."""
        self.ensure_one()
        if not self.is_storable or self.categ_id.property_valuation != "real_time":
            return []
        accounts = self._get_product_accounts()
        group_fields = self.env["product.item.group"]._fields
        return [
            group_fields[f"{key}_account_id"]._description_string(self.env)
            for key in REAL_TIME_ACCOUNT_KEYS
            if not accounts.get(key)
        ]

    def _missing_accounts_message(self, missing):
        return self.env._(
            "Product %(product)s is valued in real time but has no %(accounts)s: set "
            "it on its item group or on its category %(category)s.",
            product=self.display_name,
            accounts=", ".join(missing),
            category=self.categ_id.display_name,
        )
