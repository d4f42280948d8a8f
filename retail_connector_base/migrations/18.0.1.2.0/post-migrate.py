"""18.0.1.2.0: the poll cron runs every minute; connections say how often.

The cron record is ``noupdate``: an existing database keeps its 15 minutes
unless told. Each connection's polling interval (15 minutes by default) now
decides when its streams are due, so existing connections poll as before.
"""


def migrate(cr, version):
    if not version:
        return
    cr.execute(
        """
        UPDATE ir_cron SET interval_number = 1, interval_type = 'minutes'
         WHERE id = (SELECT res_id FROM ir_model_data
                      WHERE module = 'retail_connector_base'
                        AND name = 'ir_cron_retail_reconcile')
        """
    )
