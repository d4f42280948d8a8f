"""18.0.1.3.0: exchanges, orders, deliveries and invoices get correlation ids.

Existing rows are grouped as new ones would be (see
models/retail_exchange_trace.py): the inbound exchanges of one channel record
(connection, external id, kind of topic) share an id, the sale order their
processing produced takes it, and the outbound calls about that order, its
deliveries and its invoices inherit it. Whatever is left starts a chain of
its own, so that every exchange has an id and Trace works on old records.
"""

NEW_ID = "replace(gen_random_uuid()::text, '-', '')"


def migrate(cr, version):
    if not version:
        return
    # Inbound: one id per channel record.
    cr.execute(
        f"""
        WITH record AS (
            SELECT backend_id, external_id, split_part(topic, '.', 1) AS kind,
                   {NEW_ID} AS correlation_id
              FROM retail_exchange
             WHERE direction = 'inbound' AND correlation_id IS NULL
               AND external_id IS NOT NULL AND external_id <> ''
          GROUP BY backend_id, external_id, split_part(topic, '.', 1)
        )
        UPDATE retail_exchange exchange
           SET correlation_id = record.correlation_id
          FROM record
         WHERE exchange.direction = 'inbound'
           AND exchange.correlation_id IS NULL
           AND exchange.backend_id = record.backend_id
           AND exchange.external_id = record.external_id
           AND split_part(exchange.topic, '.', 1) = record.kind
        """
    )
    # A sale order remembers the first exchange applied to it.
    cr.execute(
        """
        UPDATE sale_order sale
           SET retail_correlation_id = first.correlation_id
          FROM (
              SELECT DISTINCT ON (res_id) res_id, correlation_id
                FROM retail_exchange
               WHERE direction = 'inbound' AND res_model = 'sale.order'
                 AND correlation_id IS NOT NULL
            ORDER BY res_id, id
          ) first
         WHERE sale.id = first.res_id AND sale.retail_correlation_id IS NULL
        """
    )
    # Outbound calls about an order, its deliveries or its invoices.
    cr.execute(
        """
        UPDATE retail_exchange exchange
           SET correlation_id = sale.retail_correlation_id
          FROM sale_order sale
         WHERE exchange.direction = 'outbound' AND exchange.correlation_id IS NULL
           AND exchange.res_model = 'sale.order' AND exchange.res_id = sale.id
           AND sale.retail_correlation_id IS NOT NULL
        """
    )
    cr.execute(
        """
        UPDATE retail_exchange exchange
           SET correlation_id = sale.retail_correlation_id
          FROM stock_picking picking
          JOIN sale_order sale ON sale.id = picking.sale_id
         WHERE exchange.direction = 'outbound' AND exchange.correlation_id IS NULL
           AND exchange.res_model = 'stock.picking' AND exchange.res_id = picking.id
           AND sale.retail_correlation_id IS NOT NULL
        """
    )
    cr.execute(
        """
        UPDATE retail_exchange exchange
           SET correlation_id = invoiced.correlation_id
          FROM (
              SELECT DISTINCT ON (line.move_id) line.move_id,
                     sale.retail_correlation_id AS correlation_id
                FROM account_move_line line
                JOIN sale_order_line_invoice_rel rel ON rel.invoice_line_id = line.id
                JOIN sale_order_line sale_line ON sale_line.id = rel.order_line_id
                JOIN sale_order sale ON sale.id = sale_line.order_id
               WHERE sale.retail_correlation_id IS NOT NULL
            ORDER BY line.move_id, sale.id
          ) invoiced
         WHERE exchange.direction = 'outbound' AND exchange.correlation_id IS NULL
           AND exchange.res_model = 'account.move'
           AND exchange.res_id = invoiced.move_id
        """
    )
    # Calls answering an inbound exchange (a marketplace's acceptance).
    cr.execute(
        """
        UPDATE retail_exchange exchange
           SET correlation_id = answered.correlation_id
          FROM retail_exchange answered
         WHERE exchange.direction = 'outbound' AND exchange.correlation_id IS NULL
           AND exchange.res_model = 'retail.exchange'
           AND exchange.res_id = answered.id
           AND answered.correlation_id IS NOT NULL
        """
    )
    cr.execute(
        f"UPDATE retail_exchange SET correlation_id = {NEW_ID} "
        "WHERE correlation_id IS NULL"
    )
