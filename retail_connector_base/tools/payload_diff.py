"""What changed between two versions of the same channel record.

A channel sends an order again on each of its changes (paid, an address
corrected, a line removed). Comparing the payload with the previous one of
the same order answers "what did the channel change?" field by field:

    changed  status: "processing" -> "completed"
    added    line_items[id=7]: {"quantity": 1, "sku": "LAMP-99"}
    removed  coupon_lines[0]: {"code": "WELCOME"}

Items of a list that all carry a distinct ``id`` (or ``external_id``) are
matched by it, not by position: a line removed at the top shows as one
removal, not as every following line changed.

Pure code: the standard library only, no Odoo.
"""

import json
import re
from dataclasses import dataclass

from . import payload_view

CHANGED = "changed"
ADDED = "added"
REMOVED = "removed"

# Keys naming an item of a list, tried in this order.
ITEM_KEYS = ("id", "external_id")
# A key written as ``parent.key``; any other in brackets, as JSON.
_PLAIN_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")
WHOLE_PAYLOAD = "(whole payload)"


@dataclass(frozen=True)
class Change:
    """One difference: `kind` is changed, added or removed; `path` says where."""

    kind: str
    path: str
    old: object = None
    new: object = None


def _key_path(parent, key):
    if isinstance(key, str) and _PLAIN_KEY.match(key):
        return f"{parent}.{key}" if parent else key
    return f"{parent}[{json.dumps(key, ensure_ascii=False)}]"


def _identity(value):
    """The value of an item key as a path part, or None if it cannot be one."""
    if isinstance(value, bool) or not isinstance(value, str | int) or value == "":
        return None
    return str(value)


def _item_key(old, new):
    """The key matching the items of two lists, or None (match by position).

    Every item of both lists must be an object carrying the key, with a
    value distinct within its list.
    """
    items = old + new
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for key in ITEM_KEYS:
        values = [[_identity(item.get(key)) for item in side] for side in (old, new)]
        if all(None not in side and len(set(side)) == len(side) for side in values):
            return key
    return None


def _same(old, new):
    # 1 and 1.0, or 1 and True, are equal in Python but not the same payload.
    return type(old) is type(new) and old == new


def _diff_dicts(old, new, path):
    changes = []
    for key, value in old.items():
        child = _key_path(path, key)
        if key in new:
            changes += diff_values(value, new[key], child)
        else:
            changes.append(Change(REMOVED, child, old=value))
    for key, value in new.items():
        if key not in old:
            changes.append(Change(ADDED, _key_path(path, key), new=value))
    return changes


def _diff_lists(old, new, path):
    key = _item_key(old, new)
    if key is None:
        changes = []
        for index in range(max(len(old), len(new))):
            child = f"{path}[{index}]"
            if index >= len(new):
                changes.append(Change(REMOVED, child, old=old[index]))
            elif index >= len(old):
                changes.append(Change(ADDED, child, new=new[index]))
            else:
                changes += diff_values(old[index], new[index], child)
        return changes
    new_by_id = {_identity(item[key]): item for item in new}
    old_ids = set()
    changes = []
    for item in old:
        identity = _identity(item[key])
        old_ids.add(identity)
        child = f"{path}[{key}={identity}]"
        if identity in new_by_id:
            changes += diff_values(item, new_by_id[identity], child)
        else:
            changes.append(Change(REMOVED, child, old=item))
    for item in new:
        identity = _identity(item[key])
        if identity not in old_ids:
            changes.append(Change(ADDED, f"{path}[{key}={identity}]", new=item))
    return changes


def diff_values(old, new, path=""):
    """The changes from `old` to `new` (parsed JSON), in document order."""
    if isinstance(old, dict) and isinstance(new, dict):
        return _diff_dicts(old, new, path)
    if isinstance(old, list) and isinstance(new, list):
        return _diff_lists(old, new, path)
    if _same(old, new):
        return []
    return [Change(CHANGED, path or WHOLE_PAYLOAD, old=old, new=new)]


def diff_payloads(old_text, new_text, extra_keys=()):
    """The changes between two stored payloads, secrets redacted first.

    None when either is not JSON: there are no fields to compare.
    """
    old, new = (
        payload_view.parse_payload(old_text),
        payload_view.parse_payload(new_text),
    )
    if old is None or new is None:
        return None
    return diff_values(
        payload_view.redacted_value(old, extra_keys),
        payload_view.redacted_value(new, extra_keys),
    )


def render_value(value, width=120):
    """A value on one line, as JSON, cut at `width` characters."""
    text = json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(", ", ": "), default=str
    )
    return text if len(text) <= width else text[: width - 1] + "…"


def format_change(change, width=120):
    """One change as a line: ``changed  path: old -> new``."""
    if change.kind == ADDED:
        detail = render_value(change.new, width)
    elif change.kind == REMOVED:
        detail = render_value(change.old, width)
    else:
        detail = (
            f"{render_value(change.old, width)} -> {render_value(change.new, width)}"
        )
    return f"{change.kind:<8} {change.path}: {detail}"


def format_changes(changes, width=120):
    """The changes as text, one per line; empty when nothing changed."""
    return "\n".join(format_change(change, width) for change in changes)
