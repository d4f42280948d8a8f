"""Pure rules behind the guided fixes: cause values and ranked proposals.

No Odoo here: the wizards read records into plain tuples, these functions
rank them, and the unit tests run them on realistic near-misses.
"""

import difflib
import re
from decimal import Decimal, InvalidOperation

_TAX_CAUSE = re.compile(
    r"^(?:(?P<country>[A-Z]{2}) )?(?P<rate>\d+(?:\.\d+)?)% (?P<mode>incl|excl)\.$"
)
RATE_TOLERANCE = Decimal("0.0001")


def tax_cause_value(rate, price_include, country_code=""):
    """The failure value of a tax rate without mapping: ``FR 20% incl.``.

    Readable in "Unknown tax rate FR 20% incl. — 3 orders", and parsed back
    by the Map Tax wizard (:func:`parse_tax_cause`).
    """
    shown = f"{Decimal(rate).normalize():f}"
    mode = "incl" if price_include else "excl"
    prefix = f"{country_code.upper()} " if country_code else ""
    return f"{prefix}{shown}% {mode}."


def parse_tax_cause(value):
    """``(rate, price_include, country_code)`` of a tax cause value, or None."""
    match = _TAX_CAUSE.match((value or "").strip())
    if not match:
        return None
    try:
        rate = Decimal(match["rate"])
    except InvalidOperation:
        return None
    return rate, match["mode"] == "incl", match["country"] or ""


def rank_taxes(candidates, rate, price_include, country_code=""):
    """The sale taxes a rate may stand for, best first.

    `candidates`: ``(id, percent, price_include, country_code, sequence)`` of
    the company's percent sale taxes. Only taxes of the same rate are kept;
    then the same price mode (a mapping needs it: another mode means a copy
    of the tax is made), then the same country, then Odoo's tax order.
    Returns ``[(id, same_mode, same_country)]``.
    """
    rate = Decimal(rate)
    kept = []
    for tax_id, percent, tax_include, tax_country, sequence in candidates:
        if abs(Decimal(str(percent)) - rate) >= RATE_TOLERANCE:
            continue
        same_mode = bool(tax_include) == bool(price_include)
        same_country = not country_code or (tax_country or "") == country_code
        kept.append(
            ((not same_mode, not same_country, sequence or 0, tax_id), same_mode)
        )
    kept.sort()
    return [(key[3], same_mode, not key[1]) for key, same_mode in kept]


# Words of channel statuses and the canonical status they usually mean.
STATUS_WORDS = (
    ("cancelled", ("cancel", "refus", "reject", "fail", "void", "trash", "declin")),
    ("completed", ("complet", "deliver", "closed", "receiv", "fulfil", "done")),
    ("confirmed", ("process", "paid", "accept", "ship", "confirm", "ready", "pick")),
    ("pending", ("pend", "hold", "await", "wait", "draft", "new", "checkout")),
)


def _words(text):
    return [w for w in re.split(r"[\W_]+", (text or "").casefold()) if w]


def rank_status_targets(status, known, targets):
    """The targets a channel status most likely means, best first.

    `known`: ``{channel status: target}`` already mapped on the connection;
    `targets`: the targets a mapping may take. A status close to a known one
    (``on-hold-2`` and ``on-hold``) takes its target; then the words of the
    status (``awaiting-payment`` → pending); the other targets follow in
    their order. Returns ``[(target, reason)]`` with reason ``similar``,
    ``words`` or ``other``.
    """
    ranked = []

    def offer(target, reason):
        if target in targets and target not in [t for t, _r in ranked]:
            ranked.append((target, reason))

    plain = " ".join(_words(status))
    similar = sorted(
        (
            (difflib.SequenceMatcher(None, plain, " ".join(_words(name))).ratio(), name)
            for name in known
        ),
        reverse=True,
    )
    for score, name in similar:
        if score >= 0.75:
            offer(known[name], "similar")
    words = _words(status)
    for target, stems in STATUS_WORDS:
        if any(word.startswith(stem) for word in words for stem in stems):
            offer(target, "words")
    for target in targets:
        offer(target, "other")
    return ranked


def rank_by_name(value, candidates):
    """``(id, name)`` candidates ranked by closeness of name to `value`.

    Returns ``[(id, score)]`` best first; used for warehouses and payment
    methods, whose codes and names channels spell their own way.
    """
    plain = " ".join(_words(value))
    scored = []
    for record_id, name in candidates:
        other = " ".join(_words(name))
        score = difflib.SequenceMatcher(None, plain, other).ratio()
        if plain and other and (plain in other or other in plain):
            score = max(score, 0.9)
        scored.append((-score, record_id))
    scored.sort()
    return [(record_id, -neg) for neg, record_id in scored]
