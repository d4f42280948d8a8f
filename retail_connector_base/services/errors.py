"""Outcome categories of processing an exchange.

A business error waits for a person (unknown SKU, missing tax mapping, total
mismatch); anything else is technical and retried with backoff.
"""

from odoo.exceptions import UserError

from .. import const


class RetailBusinessError(Exception):
    """The event cannot be applied until somebody fixes data or a mapping.

    ``cause_kind`` and ``cause_value`` optionally give the cause as data
    (``unknown_sku`` / ``LAMP-99``): the failed exchange stores them, so that
    failures are grouped by cause and fixed once for all their exchanges.
    """

    def __init__(self, *args, cause_kind=None, cause_value=None):
        super().__init__(*args)
        self.cause_kind = cause_kind
        self.cause_value = cause_value


class RetailStaleEventError(Exception):
    """The event is older than what was already applied: nothing to do."""


class ChannelFeatureMissing(UserError):
    """A connection was asked for something its channel does not do.

    Raised by the base default of every channel hook, so that a channel that
    declares a feature but forgets its hook fails loudly, the same way
    whatever the hook.
    """

    def __init__(self, backend, feature):
        label = const.FEATURE_LABELS.get(feature, feature)
        channel = dict(backend._fields["channel"]._description_selection(backend.env))
        super().__init__(
            backend.env._(
                "Channel %(channel)s does not support %(feature)s.",
                channel=channel.get(backend.channel, backend.channel),
                feature=label,
            )
        )
        self.feature = feature


class WebhookRejected(Exception):
    """An inbound HTTP delivery refused before anything is stored."""

    def __init__(self, status, reason):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class PollContinues(Exception):
    """A poll run stops after a page and goes on later from ``cursor``.

    Raised by a channel's ``_poll`` when the channel allows the next page only
    later (a published call frequency): what the run fed so far is kept, the
    cursor (JSON-serialisable) is stored on the stream, and a job resumes the
    run after ``wait`` seconds; the checkpoint moves when the run ends.
    """

    def __init__(self, cursor, wait, summary=""):
        super().__init__(summary or f"continues in {wait:.0f} s")
        self.cursor = cursor
        self.wait = wait
        self.summary = summary
