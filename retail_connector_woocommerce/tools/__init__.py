"""Pure WooCommerce code: REST client, auth, payload mappers; no Odoo, no ORM."""
