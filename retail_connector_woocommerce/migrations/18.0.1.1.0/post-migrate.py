"""Status mappings, store webhooks, price pushes and the catalog moved to the base.

Earlier versions kept them in WooCommerce tables and columns of their own;
Odoo drops those tables once the upgrade ends: copy what connections had into
the base's ``retail_status_mapping``, ``retail_webhook_subscription`` and
price columns first.
"""

from odoo.tools import sql

# (table, old column, new column) of the price push settings and state, and
# of the catalog link.
MOVED_COLUMNS = (
    ("retail_backend", "woocommerce_catalog_linked_at", "catalog_linked_at"),
    ("retail_backend", "woocommerce_export_prices", "export_prices"),
    ("retail_backend", "woocommerce_price_include_tax", "prices_include_tax"),
    ("retail_product_binding", "woocommerce_price_pending", "price_export_pending"),
    ("retail_product_binding", "woocommerce_exported_price", "last_exported_price"),
    ("retail_product_binding", "woocommerce_price_exported_at", "price_exported_at"),
    ("retail_product_binding", "woocommerce_price_error", "last_price_error"),
)


def migrate(cr, version):
    for table, old, new in MOVED_COLUMNS:
        if sql.column_exists(cr, table, old):
            cr.execute(
                sql.SQL(
                    "UPDATE %s SET %s = %s WHERE %s IS NOT NULL",
                    sql.SQL.identifier(table),
                    sql.SQL.identifier(new),
                    sql.SQL.identifier(old),
                    sql.SQL.identifier(old),
                )
            )
    if sql.table_exists(cr, "retail_woocommerce_status_mapping"):
        cr.execute(
            """
            INSERT INTO retail_status_mapping (
                backend_id, company_id, channel_status, target,
                create_uid, create_date, write_uid, write_date
            )
            SELECT old.backend_id, old.company_id, old.woocommerce_status,
                   old.target, old.create_uid, old.create_date, old.write_uid,
                   old.write_date
            FROM retail_woocommerce_status_mapping old
            ON CONFLICT (backend_id, channel_status) DO NOTHING
            """
        )
    if sql.table_exists(cr, "retail_woocommerce_webhook"):
        cr.execute(
            """
            INSERT INTO retail_webhook_subscription (
                backend_id, company_id, external_id, name, topic, status,
                delivery_url, is_ours, date_modified,
                create_uid, create_date, write_uid, write_date
            )
            SELECT old.backend_id, old.company_id, old.external_id::text,
                   old.name, old.topic, old.status, old.delivery_url,
                   old.is_ours, old.date_modified, old.create_uid,
                   old.create_date, old.write_uid, old.write_date
            FROM retail_woocommerce_webhook old
            ON CONFLICT (backend_id, external_id) DO NOTHING
            """
        )
