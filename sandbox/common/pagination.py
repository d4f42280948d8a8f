"""Paging a collection the ways channel APIs do.

Offset paging (``page``/``per_page``, ``offset``/``max``) with `offset_page`
and `page_count`; navigation links (``Link: <url>; rel="next"``) with
`url_with` and `link_header`; opaque cursors and page tokens with
`encode_cursor` / `decode_cursor`. Each API validates its own parameters
and words its own errors.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import urllib.parse
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Page:
    """One page of a collection: its items and where they stand in it."""

    items: list
    total: int
    offset: int
    limit: int

    @property
    def has_more(self) -> bool:
        """Whether items follow this page."""
        return self.offset + len(self.items) < self.total

    @property
    def next_offset(self) -> int | None:
        """The offset of the next page, ``None`` on the last one."""
        return self.offset + len(self.items) if self.has_more else None


def offset_page(items: Sequence, offset: int, limit: int) -> Page:
    """The ``limit`` items from ``offset`` (an empty page past the end)."""
    return Page(list(items[offset : offset + limit]), len(items), offset, limit)


def page_count(total: int, per_page: int) -> int:
    """How many pages of ``per_page`` hold ``total`` items."""
    return math.ceil(total / per_page)


def url_with(base: str, pairs: Iterable[tuple[str, str]], name: str, value) -> str:
    """``base`` with the query ``pairs``, ``name`` set to ``value`` (moved last)."""
    query = [(k, v) for k, v in pairs if k != name] + [(name, str(value))]
    return f"{base}?{urllib.parse.urlencode(query)}"


def link_header(links: Iterable[tuple[str, str]]) -> str:
    """A ``Link`` header value from ``(url, rel)`` pairs, in their order."""
    return ", ".join(f'<{url}>; rel="{rel}"' for url, rel in links)


def encode_cursor(state: Mapping) -> str:
    """An opaque, URL-safe token carrying ``state`` (e.g. ``{"offset": 200}``)."""
    raw = json.dumps(dict(state), separators=(",", ":"), sort_keys=True)
    return base64.urlsafe_b64encode(raw.encode()).decode("ascii").rstrip("=")


def decode_cursor(token: str) -> dict:
    """The state in a token from `encode_cursor`; `ValueError` when it is not one."""
    try:
        padded = token + "=" * (-len(token) % 4)
        state = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError, binascii.Error):
        raise ValueError(f"invalid cursor: {token!r}") from None
    if not isinstance(state, dict):
        raise ValueError(f"invalid cursor: {token!r}")
    return state
