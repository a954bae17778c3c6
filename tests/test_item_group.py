# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
from psycopg2 import IntegrityError

from odoo import Command, fields
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tests import Form
from odoo.tools import SQL, mute_logger

from .common_item_group import ItemGroupCase, OtherAccountCase

STOCK_ACCOUNT_FIELDS = (
    "property_stock_valuation_account_id",
    "property_stock_account_input_categ_id",
    "property_stock_account_output_categ_id",
)


class TestItemGroupModel(ItemGroupCase):
    def test_display_name_and_search_by_code(self):
        self.assertEqual(self.group.display_name, "[FURN] PCV Office furniture")
        Group = self.env["product.item.group"]
        self.assertEqual(
            Group.name_search("FURN"), [(self.group.id, "[FURN] PCV Office furniture")]
        )

    def test_chatter_tracks_accounts_and_taxes(self):
        # what the class set-up left untracked is settled first
        self.env.cr.precommit.run()
        group = self.group.with_context(tracking_disable=False, mail_notrack=False)
        group.write(
            {
                "stock_valuation_account_id": self.categ_valuation.id,
                "customer_tax_ids": [Command.clear()],
            }
        )
        self.env.flush_all()
        self.env.cr.precommit.run()
        tracked = group.message_ids.tracking_value_ids
        valuation = tracked.filtered(
            lambda value: value.field_id.name == "stock_valuation_account_id"
        )
        self.assertEqual(valuation.old_value_char, self.group_valuation.display_name)
        self.assertEqual(valuation.new_value_char, self.categ_valuation.display_name)
        taxes = tracked.filtered(
            lambda value: value.field_id.name == "customer_tax_ids"
        )
        self.assertEqual(taxes.old_value_char, self.group_sale_tax.display_name)
        self.assertFalse(taxes.new_value_char)
        arch = group.get_view(view_type="form")["arch"]
        self.assertIn("<chatter", arch)

    def test_code_is_unique_per_company(self):
        other = self.setup_other_company(name="PCV Company B")["company"]
        twin = self.env["product.item.group"].create(
            {"name": "Twin", "code": "FURN", "company_id": other.id}
        )
        self.assertEqual(twin.code, self.group.code)
        with mute_logger("odoo.sql_db"), self.assertRaises(IntegrityError):
            self.env["product.item.group"].create({"name": "Dup", "code": "FURN"})

    def test_accounts_journal_and_taxes_must_belong_to_the_company(self):
        other = self.setup_other_company(name="PCV Company B")
        Group = self.env["product.item.group"]
        foreign_account = other["default_account_revenue"]
        with self.assertRefused(UserError, "PCV Bad"):
            Group.create(
                {
                    "name": "PCV Bad",
                    "code": "BAD",
                    "income_account_id": foreign_account.id,
                }
            )
        with self.assertRefused(UserError, "PCV Bad"):
            Group.create(
                {
                    "name": "PCV Bad",
                    "code": "BAD",
                    "stock_journal_id": other["default_journal_misc"].id,
                }
            )
        with self.assertRefused(UserError, "PCV Bad"):
            Group.create(
                {
                    "name": "PCV Bad",
                    "code": "BAD",
                    "customer_tax_ids": [Command.set(other["default_tax_sale"].ids)],
                }
            )
        self.assertFalse(Group.search([("code", "=", "BAD")]))

    def test_taxes_must_be_of_the_right_use(self):
        with self.assertRefused(ValidationError, "[FURN]", self.tax_purchase_a.name):
            self.group.customer_tax_ids = self.tax_purchase_a
        with self.assertRefused(ValidationError, "[FURN]", self.tax_sale_a.name):
            self.group.vendor_tax_ids = self.tax_sale_a
        self.assertEqual(self.group.customer_tax_ids, self.group_sale_tax)

    def test_products_are_counted_and_opened(self):
        self.assertEqual(self.group.product_count, 2)
        action = self.group.action_open_products()
        templates = self.env["product.template"].search(action["domain"])
        self.assertEqual(
            templates, (self.fifo_product | self.avco_product).product_tmpl_id
        )

    def test_group_in_use_cannot_be_deleted_but_can_be_archived(self):
        with self.assertRefused(UserError, "[FURN]", "2 product(s)"):
            self.group.unlink()
        self.group.active = False
        Group = self.env["product.item.group"]
        self.assertFalse(Group.search([("code", "=", "FURN")]), "archived hidden")
        self.assertEqual(self.fifo_product.item_group_id, self.group)
        unused = Group.create({"name": "PCV Unused", "code": "UNUSED"})
        unused.unlink()
        self.assertFalse(unused.exists())

    def test_picking_a_group_proposes_its_taxes(self):
        product = self.env["product.template"].with_user(self.stock_manager)
        with Form(product) as form:
            form.name = "PCV New desk"
            form.item_group_id = self.group
            self.assertIn(self.group_sale_tax, form.taxes_id)
            self.assertIn(self.group_purchase_tax, form.supplier_taxes_id)
        self.assertEqual(form.record.taxes_id, self.group_sale_tax)
        self.assertEqual(form.record.supplier_taxes_id, self.group_purchase_tax)

    def test_product_group_is_per_company(self):
        other = self.setup_other_company(name="PCV Company B")["company"]
        product_b = self.fifo_product.with_company(other)
        self.assertFalse(product_b.item_group_id, "no group in the other company")
        with self.assertRefused(ValidationError, "PCV FIFO desk", "PCV Company B"):
            product_b.item_group_id = self.group
        group_b = self.env["product.item.group"].create(
            {"name": "Group B", "code": "B", "company_id": other.id}
        )
        product_b.item_group_id = group_b
        self.assertEqual(product_b.item_group_id, group_b)
        self.assertEqual(self.fifo_product.item_group_id, self.group)

    def test_product_views_show_and_group_by_item_group(self):
        Template = self.env["product.template"]
        form = Template.get_views([(False, "form")])["views"]["form"]["arch"]
        self.assertIn('name="item_group_id"', form)
        search = Template.get_views([(False, "search")])["views"]["search"]["arch"]
        self.assertIn("'group_by': 'item_group_id'", search)
        groups = Template.read_group(
            [("id", "in", (self.fifo_product | self.avco_product).product_tmpl_id.ids)],
            ["item_group_id"],
            ["item_group_id"],
        )
        self.assertEqual(groups[0]["item_group_id"][0], self.group.id)
        self.assertEqual(groups[0]["item_group_id_count"], 2)


class TestItemGroupAccess(ItemGroupCase):
    def _try(self, user, operation):
        Group = self.env["product.item.group"].with_user(user)
        group = self.group.with_user(user)
        if operation == "read":
            return group.read(["name", "income_account_id"])
        if operation == "write":
            return group.write({"description": "changed"})
        if operation == "create":
            return Group.create({"name": f"PCV by {user.login}", "code": user.login})
        return Group.create({"name": "PCV Temp", "code": f"T{user.id}"}).unlink()

    def test_managers_edit_groups(self):
        for user in (self.stock_manager, self.account_manager):
            for operation in ("read", "write", "create", "unlink"):
                self._try(user, operation)
        self.assertEqual(self.group.description, "changed")

    def test_users_only_read_groups(self):
        for user in (self.stock_user, self.salesman, self.accountant):
            self.assertTrue(self._try(user, "read"))
            for operation in ("write", "create"):
                with self.assertRaises(AccessError, msg=f"{user.login} {operation}"):
                    self._try(user, operation)
            with self.assertRaises(AccessError):
                self.group.with_user(user).unlink()
        self.assertTrue(self.group.exists())

    def test_users_only_see_groups_of_their_companies(self):
        other = self.setup_other_company(name="PCV Company B")["company"]
        group_b = self.env["product.item.group"].create(
            {"name": "Group B", "code": "B", "company_id": other.id}
        )
        Group = self.env["product.item.group"].with_user(self.stock_manager)
        self.assertEqual(Group.search([("code", "in", ("FURN", "B"))]), self.group)
        with self.assertRaises(AccessError):
            group_b.with_user(self.stock_manager).read(["name"])
        self.stock_manager.company_ids |= other
        Group = Group.with_context(allowed_company_ids=[self.company.id, other.id])
        self.assertEqual(
            Group.search([("code", "in", ("FURN", "B"))]), self.group | group_b
        )


class TestItemGroupPostings(ItemGroupCase):
    def test_customer_invoice_posts_to_the_group_income_account(self):
        invoice = self._invoice("out_invoice", (self.fifo_product, 1, 100.0))
        line = invoice.invoice_line_ids
        self.assertEqual(line.account_id, self.group_income)
        self.assertEqual(line.balance, -100.0)

    def test_vendor_bill_posts_to_the_group_accounts(self):
        service = self.env["product.product"].create(
            {
                "name": "PCV Maintenance",
                "type": "service",
                "categ_id": self.fifo_categ.id,
                "item_group_id": self.group.id,
            }
        )
        bill = self._invoice(
            "in_invoice", (self.fifo_product, 1, 40.0), (service, 1, 15.0)
        )
        accounts = {line.product_id: line for line in bill.invoice_line_ids}
        # a storable product valued in real time is bought on its stock input account
        self.assertEqual(accounts[self.fifo_product].account_id, self.group_input)
        self.assertEqual(accounts[self.fifo_product].balance, 40.0)
        self.assertEqual(accounts[service].account_id, self.group_expense)
        self.assertEqual(accounts[service].balance, 15.0)

    def test_fiscal_position_still_maps_group_accounts(self):
        mapped = self.copy_account(self.group_income)
        fiscal_position = self.env["account.fiscal.position"].create(
            {
                "name": "PCV Export",
                "account_ids": [
                    Command.create(
                        {
                            "account_src_id": self.group_income.id,
                            "account_dest_id": mapped.id,
                        }
                    )
                ],
            }
        )
        accounts = self.fifo_product.product_tmpl_id.get_product_accounts(
            fiscal_position
        )
        self.assertEqual(accounts["income"], mapped)
        invoice = self.env["account.move"].create(
            {
                "move_type": "out_invoice",
                "partner_id": self.partner_a.id,
                "fiscal_position_id": fiscal_position.id,
                "invoice_line_ids": [
                    Command.create(
                        {"product_id": self.fifo_product.id, "price_unit": 100}
                    )
                ],
            }
        )
        invoice.action_post()
        self.assertEqual(invoice.invoice_line_ids.account_id, mapped)

    def test_fifo_receipt_and_delivery(self):
        receipts = self._receive(self.fifo_product, 10, 5.0) | self._receive(
            self.fifo_product, 10, 8.0
        )
        balances, journal = self._entry_lines(receipts)
        self.assertEqual(journal, self.group_journal)
        self.assertEqual(
            balances, {self.group_valuation: 130.0, self.group_input: -130.0}
        )
        delivery = self._deliver(self.fifo_product, 12)  # 10 x 5 + 2 x 8
        balances, journal = self._entry_lines(delivery)
        self.assertEqual(journal, self.group_journal)
        self.assertEqual(
            balances, {self.group_valuation: -66.0, self.group_output: 66.0}
        )
        self.assertEqual(self.fifo_product.value_svl, 64.0)

    def test_avco_receipt_delivery_and_cogs(self):
        self._receive(self.avco_product, 10, 10.0)
        self._receive(self.avco_product, 10, 20.0)
        self.assertEqual(self.avco_product.standard_price, 15.0)
        delivery = self._deliver(self.avco_product, 4)
        balances, _journal = self._entry_lines(delivery)
        self.assertEqual(
            balances, {self.group_valuation: -60.0, self.group_output: 60.0}
        )
        # invoicing the delivered chairs moves their cost to the group expense account
        invoice = self._invoice("out_invoice", (self.avco_product, 4, 50.0))
        cogs = invoice.line_ids.filtered(lambda line: line.display_type == "cogs")
        self.assertEqual(
            {line.account_id: line.balance for line in cogs},
            {self.group_expense: 60.0, self.group_output: -60.0},
        )

    def test_empty_group_accounts_fall_back_to_the_category(self):
        self.group.write(
            {
                "income_account_id": False,
                "stock_valuation_account_id": False,
                "stock_journal_id": False,
            }
        )
        accounts = self.fifo_product.product_tmpl_id.get_product_accounts()
        self.assertEqual(accounts["income"], self.categ_income)
        self.assertEqual(accounts["expense"], self.group_expense)
        self.assertEqual(accounts["stock_valuation"], self.categ_valuation)
        self.assertEqual(accounts["stock_input"], self.group_input)
        self.assertEqual(accounts["price_difference"], self.group_price_diff)
        self.assertEqual(
            accounts["stock_journal"], self.fifo_categ.property_stock_journal
        )
        receipt = self._receive(self.fifo_product, 2, 5.0)
        balances, _journal = self._entry_lines(receipt)
        self.assertEqual(
            balances, {self.categ_valuation: 10.0, self.group_input: -10.0}
        )

    def test_without_group_the_category_then_the_company_default(self):
        product = self.env["product.product"].create(
            {"name": "PCV Loose", "categ_id": self.fifo_categ.id}
        )
        accounts = product.product_tmpl_id.get_product_accounts()
        self.assertEqual(accounts["income"], self.categ_income)
        self.assertEqual(accounts["stock_output"], self.categ_output)
        # a category without accounts of its own uses the company's defaults...
        plain = self.env["product.category"].create({"name": "PCV Plain"})
        default_income = plain.property_account_income_categ_id
        self.assertTrue(default_income, "the chart sets a default income account")
        product.categ_id = plain
        self.assertEqual(
            product.product_tmpl_id.get_product_accounts()["income"], default_income
        )
        # ... which the item group's account wins over too
        product.item_group_id = self.group
        self.assertEqual(
            product.product_tmpl_id.get_product_accounts()["income"], self.group_income
        )

    def test_product_own_account_still_wins(self):
        own = self.copy_account(self.group_income)
        self.fifo_product.property_account_income_id = own
        self.assertEqual(
            self.fifo_product.product_tmpl_id.get_product_accounts()["income"], own
        )


class TestRealTimePrerequisites(ItemGroupCase):
    """BHIMA's inventory guide: the accounts exist before the group, the group
    before the item."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        # A real-time category whose stock accounts resolve nowhere: no company
        # default and (bypassing the category's own check) no account of its own.
        cls.env["ir.default"].search(
            [
                ("field_id.model", "=", "product.category"),
                ("field_id.name", "in", STOCK_ACCOUNT_FIELDS),
            ]
        ).unlink()
        cls.bare_categ = cls.env["product.category"].create(
            {
                "name": "PCV Bare",
                "property_cost_method": "fifo",
                "property_valuation": "real_time",
                "property_stock_valuation_account_id": cls.categ_valuation.id,
                "property_stock_account_input_categ_id": cls.categ_input.id,
                "property_stock_account_output_categ_id": cls.categ_output.id,
            }
        )
        cls.env.flush_all()
        for fname in STOCK_ACCOUNT_FIELDS:
            cls.env.cr.execute(
                SQL(
                    "UPDATE product_category SET %s = NULL WHERE id = %s",
                    SQL.identifier(fname),
                    cls.bare_categ.id,
                )
            )
        cls.env.invalidate_all()

    def test_saving_an_unresolved_product_is_refused(self):
        Product = self.env["product.product"].with_user(self.stock_manager)
        with self.assertRefused(
            ValidationError, "PCV Orphan", "Stock Valuation Account", "PCV Bare"
        ):
            Product.create(
                {
                    "name": "PCV Orphan",
                    "is_storable": True,
                    "categ_id": self.bare_categ.id,
                }
            )
        self.assertFalse(Product.search([("name", "=", "PCV Orphan")]))
        # through its item group, the same product resolves every account
        product = Product.create(
            {
                "name": "PCV Orphan",
                "is_storable": True,
                "categ_id": self.bare_categ.id,
                "item_group_id": self.group.id,
            }
        )
        self.assertEqual(product.item_group_id, self.group)
        with self.assertRefused(ValidationError, "PCV Orphan", "Stock Output Account"):
            product.item_group_id = False
        self.assertEqual(product.item_group_id, self.group)

    def test_validating_a_move_of_an_unresolved_product_posts_nothing(self):
        product = self.env["product.product"].create(
            {
                "name": "PCV Orphan",
                "is_storable": True,
                "categ_id": self.bare_categ.id,
                "item_group_id": self.group.id,
            }
        )
        self.group.stock_output_account_id = False  # the group loses an account later
        entries_before = self.env["account.move"].search_count([])
        with self.assertRefused(UserError, "PCV Orphan", "Stock Output Account"):
            self._receive(product, 1, 10.0)
        self.assertEqual(self.env["account.move"].search_count([]), entries_before)
        self.assertFalse(
            self.env["stock.valuation.layer"].search([("product_id", "=", product.id)])
        )


class TestStockValuationAccountChange(OtherAccountCase):
    """The value on hand follows real-time products to their new stock valuation
    account (accountants' "the stock value does not match the balance sheet")."""

    def _balances(self, *accounts):
        self.env.flush_all()
        groups = self.env["account.move.line"]._read_group(
            [
                ("account_id", "in", [account.id for account in accounts]),
                ("parent_state", "=", "posted"),
                ("company_id", "=", self.company.id),
            ],
            ["account_id"],
            ["balance:sum"],
        )
        balances = {account: balance for account, balance in groups}
        return [round(balances.get(account, 0.0), 2) for account in accounts]

    def _transfers(self):
        return self.env["account.move"].search(
            [("ref", "ilike", "Stock valuation account change")]
        )

    def test_item_group_change_moves_the_value_on_hand(self):
        self._receive(self.fifo_product, 10, 5.0)
        self.assertEqual(self._balances(self.group_valuation), [50.0])
        self.fifo_product.item_group_id = self.other_group
        self._deliver(self.fifo_product, 4)
        self.assertEqual(
            self._balances(self.group_valuation, self.other_valuation), [0.0, 30.0]
        )
        transfer = self._transfers()
        self.assertEqual(len(transfer), 1)
        self.assertEqual(transfer.state, "posted")
        self.assertEqual(transfer.journal_id, self.group_journal)
        self.assertEqual(transfer.date, fields.Date.context_today(transfer))
        self.assertEqual(
            sorted((line.account_id, line.balance) for line in transfer.line_ids),
            sorted([(self.other_valuation, 50.0), (self.group_valuation, -50.0)]),
        )
        self.assertIn("PCV FIFO desk", transfer.line_ids[0].name)
        self.assertIn("item group changed", transfer.ref)
        note = self.fifo_product.product_tmpl_id.message_ids[0]
        self.assertIn(transfer.name, note.body)

    def test_category_change_keeping_the_costing_moves_the_value(self):
        self.fifo_product.item_group_id = False
        self._receive(self.fifo_product, 10, 5.0)
        target = self.fifo_categ.copy(
            {
                "name": "PCV FIFO elsewhere",
                "property_cost_method": "fifo",
                "property_valuation": "real_time",
                "property_stock_valuation_account_id": self.other_valuation.id,
                "property_stock_account_input_categ_id": self.categ_input.id,
                "property_stock_account_output_categ_id": self.categ_output.id,
                "property_stock_journal": self.group_journal.id,
            }
        )
        self.fifo_product.categ_id = target
        self._deliver(self.fifo_product, 4)
        self.assertEqual(
            self._balances(self.categ_valuation, self.other_valuation), [0.0, 30.0]
        )
        self.assertIn("product category changed", self._transfers().ref)

    def test_account_edited_on_the_group_moves_the_value_in_one_entry(self):
        self._receive(self.fifo_product, 10, 5.0)
        self._receive(self.avco_product, 2, 7.5)
        self.group.stock_valuation_account_id = self.other_valuation
        transfer = self._transfers()
        self.assertEqual(len(transfer), 1, "one entry for the batch")
        self.assertEqual(len(transfer.line_ids), 2, "one line pair per account pair")
        self.assertEqual(
            self._balances(self.group_valuation, self.other_valuation), [0.0, 65.0]
        )
        self.assertIn("PCV AVCO chair", transfer.ref)

    def test_account_edited_on_the_category(self):
        self.fifo_product.item_group_id = False
        self._receive(self.fifo_product, 3, 10.0)
        self.fifo_categ.property_stock_valuation_account_id = self.other_valuation
        self.assertEqual(
            self._balances(self.categ_valuation, self.other_valuation), [0.0, 30.0]
        )

    def test_batch_of_products_changing_group(self):
        self._receive(self.fifo_product, 10, 5.0)
        self._receive(self.avco_product, 4, 10.0)
        (self.fifo_product | self.avco_product).product_tmpl_id.with_context(
            tracking_disable=True
        ).write({"item_group_id": self.other_group.id})
        transfer = self._transfers()
        self.assertEqual(len(transfer), 1)
        self.assertEqual(
            self._balances(self.group_valuation, self.other_valuation), [0.0, 90.0]
        )

    def test_no_stock_no_entry_and_periodic_untouched(self):
        self.fifo_product.item_group_id = self.other_group
        self.assertFalse(self._transfers())

    def test_losing_the_valuation_account_with_stock_is_refused(self):
        """Odoo itself refuses a real-time category without stock accounts; the
        value stays where it is."""
        self.fifo_product.item_group_id = False
        self._receive(self.fifo_product, 3, 10.0)
        with self.assertRaises(UserError):
            self.fifo_categ.property_stock_valuation_account_id = False
        self.assertEqual(
            self.fifo_categ.property_stock_valuation_account_id, self.categ_valuation
        )
        self.assertFalse(self._transfers())

    def test_group_account_removed_falls_back_to_the_category(self):
        self._receive(self.fifo_product, 3, 10.0)
        self.group.stock_valuation_account_id = False
        self.assertEqual(
            self._balances(self.group_valuation, self.categ_valuation), [0.0, 30.0]
        )
