"""What the shop sells (a catalog, from a file or built in), and who buys it."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from .amounts import money, round_money, to_decimal


class CatalogError(ValueError):
    """A catalog file that cannot be used; the message says where and why."""


@dataclass(frozen=True)
class CatalogItem:
    """One product the shop sells."""

    sku: str
    name: str
    price: Decimal

    def to_dict(self) -> dict:
        """JSON form, as read by `load_catalog`."""
        return {"sku": self.sku, "name": self.name, "price": money(self.price)}


def _item(sku: str, name: str, price: str) -> CatalogItem:
    return CatalogItem(sku, name, Decimal(price))


DEFAULT_CATALOG: tuple[CatalogItem, ...] = (
    _item("DESK-01", "Standing desk, electric", "449.00"),
    _item("DESK-02", "Writing desk, oak", "229.00"),
    _item("DESK-03", "Corner desk, white", "189.50"),
    _item("CHAIR-01", "Ergonomic office chair", "289.00"),
    _item("CHAIR-02", "Meeting chair, stackable", "79.90"),
    _item("CHAIR-03", "Drafting stool", "119.00"),
    _item("CHAIR-04", "Lounge armchair", "349.00"),
    _item("TABLE-01", "Conference table, 8 seats", "899.00"),
    _item("TABLE-02", "Side table, round", "64.95"),
    _item("LAMP-01", "LED desk lamp", "49.99"),
    _item("LAMP-02", "Floor lamp, arc", "139.00"),
    _item("SHELF-01", "Bookcase, 5 shelves", "159.00"),
    _item("SHELF-02", "Wall shelf, 80 cm", "34.50"),
    _item("CAB-01", "Filing cabinet, 3 drawers", "199.00"),
    _item("CAB-02", "Mobile pedestal, lockable", "149.00"),
    _item("CAB-03", "Storage cabinet, tall", "329.00"),
    _item("MON-01", "Monitor arm, dual", "89.00"),
    _item("MON-02", "Monitor riser, bamboo", "29.95"),
    _item("FOOT-01", "Footrest, adjustable", "39.90"),
    _item("MAT-01", "Anti-fatigue mat", "44.00"),
    _item("BOARD-01", "Whiteboard, 120 x 90 cm", "99.00"),
    _item("BOARD-02", "Cork pinboard", "24.90"),
    _item("CABLE-01", "Cable tray, under-desk", "19.99"),
    _item("CABLE-02", "Cable sleeve, 2 m", "12.95"),
    _item("PHONE-01", "Acoustic phone booth", "3490.00"),
    _item("PANEL-01", "Desk divider panel", "74.00"),
    _item("RUG-01", "Office rug, 200 x 300 cm", "179.00"),
    _item("PLANT-01", "Planter with ficus", "59.00"),
    _item("COAT-01", "Coat stand", "54.90"),
    _item("BIN-01", "Recycling bin, 3 compartments", "69.00"),
    _item("CLOCK-01", "Wall clock, silent", "27.50"),
    _item("SOFA-01", "Reception sofa, 3 seats", "1190.00"),
    _item("LOCK-01", "Locker, 4 doors", "259.00"),
    _item("TRAY-01", "Letter tray set", "16.49"),
    _item("ORG-01", "Desk organizer, felt", "22.00"),
    _item("HOOK-01", "Headphone hook", "9.95"),
)


def load_catalog(path: str | os.PathLike) -> tuple[CatalogItem, ...]:
    """Read a catalog JSON file.

    Either a list or ``{"products": [...]}`` of ``{"sku", "name", "price"}``
    (``unit_price`` / ``list_price`` accepted for ``price``; name defaults to
    the SKU). SKUs must be unique, prices decimal and not negative.
    """
    label = Path(path).name
    try:
        raw = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"{label}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise CatalogError(f"{label}: not valid JSON: {exc}") from None
    if isinstance(raw, dict):
        raw = raw.get("products")
    if not isinstance(raw, list) or not raw:
        raise CatalogError(f"{label}: expected a non-empty list of products")
    items, seen = [], set()
    for index, entry in enumerate(raw):
        where = f"{label}: product {index + 1}"
        if not isinstance(entry, dict):
            raise CatalogError(f"{where}: expected an object")
        sku = entry.get("sku")
        if not isinstance(sku, str) or not sku.strip():
            raise CatalogError(f"{where}: 'sku' is missing")
        sku = sku.strip()
        if sku in seen:
            raise CatalogError(f"{where}: SKU {sku} appears twice")
        seen.add(sku)
        price = next(
            (entry[k] for k in ("price", "unit_price", "list_price") if k in entry),
            None,
        )
        try:
            price = to_decimal(price, "price")
        except ValueError:
            raise CatalogError(
                f"{where} ({sku}): price {price!r} is not a number"
            ) from None
        if price < 0:
            raise CatalogError(f"{where} ({sku}): price must not be negative")
        name = entry.get("name")
        name = name.strip() if isinstance(name, str) and name.strip() else sku
        items.append(CatalogItem(sku, name, round_money(price)))
    return tuple(items)


# Accented names on purpose: signatures are over raw UTF-8 bytes.
CUSTOMERS = (
    ("Zoë Janssens", "zoe.janssens", "", 0),
    ("Émile Dubois", "emile.dubois", "Atelier Dubois", 4),
    ("Jürgen Weiß", "juergen.weiss", "", 6),
    ("Inês Costa", "ines.costa", "", 9),
    ("Søren Nielsen", "soren.nielsen", "Nielsen Arkitekter", 11),
    ("Marta Kowalska", "marta.kowalska", "", 10),
    ("Liam O'Brien", "liam.obrien", "", 8),
    ("Sofia Rossi", "sofia.rossi", "Studio Rossi", 7),
    ("Lucas Martin", "lucas.martin", "", 3),
    ("Emma de Vries", "emma.devries", "", 2),
    ("Noah Peeters", "noah.peeters", "Peeters & Co", 1),
    ("Chloé Lambert", "chloe.lambert", "", 5),
    ("Mateo García", "mateo.garcia", "", 9),
    ("Hanna Svensson", "hanna.svensson", "", 11),
    ("Ruben Maes", "ruben.maes", "Maes Interieur", 0),
    ("Julia Fischer", "julia.fischer", "", 6),
    ("Tom Claes", "tom.claes", "", 1),
    ("Léa Fontaine", "lea.fontaine", "Cabinet Fontaine", 4),
    ("Bram Smit", "bram.smit", "", 2),
    ("Elif Yılmaz", "elif.yilmaz", "", 6),
    ("Anna Müller", "anna.mueller", "Müller Planung GmbH", 6),
    ("Pieter Willems", "pieter.willems", "", 0),
    ("Clara Moreau", "clara.moreau", "", 5),
    ("Diego Fernández", "diego.fernandez", "Oficinas Fernández", 9),
)

ADDRESSES = (
    ("Rue de la Loi 16", "1000", "Brussels", "BE", "+32 2 555 01 {:02d}"),
    ("Meir 44", "2000", "Antwerp", "BE", "+32 3 555 02 {:02d}"),
    ("Damrak 70", "1012 LM", "Amsterdam", "NL", "+31 20 555 03 {:02d}"),
    ("Coolsingel 40", "3011 AD", "Rotterdam", "NL", "+31 10 555 04 {:02d}"),
    ("12 rue de Rivoli", "75001", "Paris", "FR", "+33 1 55 50 05 {:02d}"),
    ("8 quai Saint-Antoine", "69002", "Lyon", "FR", "+33 4 55 50 06 {:02d}"),
    ("Friedrichstraße 120", "10117", "Berlin", "DE", "+49 30 5550 07{:02d}"),
    ("Via Torino 21", "20123", "Milan", "IT", "+39 02 5550 08{:02d}"),
    ("14 Grafton Street", "D02 VF65", "Dublin", "IE", "+353 1 555 09{:02d}"),
    ("Calle de Alcalá 48", "28014", "Madrid", "ES", "+34 91 555 10 {:02d}"),
    ("ul. Marszałkowska 84", "00-514", "Warsaw", "PL", "+48 22 555 11 {:02d}"),
    ("Strøget 18", "1160", "Copenhagen", "DK", "+45 33 55 12 {:02d}"),
)

PAYMENT_METHODS = ("stripe", "stripe", "paypal", "bank_transfer")
NOTES = (
    "Please deliver after 2 pm.",
    "Leave at the reception desk.",
    "Call before delivery.",
    "Gift: no prices on the packing slip.",
)
