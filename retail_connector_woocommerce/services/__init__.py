"""Services of the WooCommerce channel on top of the base's (prices pushed
like the stock)."""
