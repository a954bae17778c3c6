# Copyright 2026 The product_category_valuation authors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl-3.0).
{
    "name": "Product Category Valuation",
    "summary": "Govern product categories, quotation margins, item groups "
    "and inventory valuation",
    "version": "18.0.1.1.0",
    "category": "Inventory/Inventory",
    "license": "LGPL-3",
    "author": "The product_category_valuation authors",
    "website": "https://github.com/product-category-valuation",
    "depends": [
        "stock_account",
        "sale_margin",
        "sale_stock",
    ],
    "data": [
        "security/product_category_valuation_groups.xml",
        "security/ir.model.access.csv",
        "security/product_item_group_security.xml",
        "data/mail_message_subtype_data.xml",
        "data/stock_valuation_closing_data.xml",
        "views/product_category_views.xml",
        "views/product_item_group_views.xml",
        "views/product_item_model_group_views.xml",
        "views/product_template_views.xml",
        "views/stock_location_views.xml",
        "views/sale_order_views.xml",
        "views/account_move_views.xml",
        "views/margin_analysis_views.xml",
        "views/res_config_settings_views.xml",
        "wizards/product_category_valuation_wizard_views.xml",
        "views/stock_valuation_closing_views.xml",
        "reports/inventory_valuation_report_templates.xml",
    ],
    "demo": [
        "demo/product_category_valuation_demo.xml",
    ],
    "assets": {
        "web.assets_backend": [
            "product_category_valuation/static/src/**/*",
        ],
        "web.assets_tests": [
            "product_category_valuation/static/tests/tours/*.js",
        ],
    },
    "uninstall_hook": "uninstall_hook",
    "installable": True,
    "application": False,
}
