"""What a seeded store sells, and who buys it."""

from __future__ import annotations

from decimal import Decimal

SIMPLE_PRODUCTS = (
    ("DESK-OAK", "Oak Desk", "189.00"),
    ("DESK-WALNUT", "Walnut Desk", "249.00"),
    ("CHAIR-OAK", "Oak Chair", "90.00"),
    ("CHAIR-LOUNGE", "Lounge Chair", "329.00"),
    ("STOOL-BAR", "Bar Stool", "79.50"),
    ("TABLE-SIDE", "Side Table", "64.90"),
    ("TABLE-DINING", "Dining Table", "599.00"),
    ("SHELF-WALL", "Wall Shelf", "39.95"),
    ("BOOKCASE-5", "Five-shelf Bookcase", "159.00"),
    ("LAMP-DESK", "Desk Lamp", "34.99"),
    ("LAMP-FLOOR", "Floor Lamp", "119.00"),
    ("LAMP-PENDANT", "Pendant Lamp", "89.00"),
    ("RUG-WOOL-S", "Wool Rug 120x170", "129.00"),
    ("RUG-WOOL-L", "Wool Rug 200x300", "349.00"),
    ("CUSHION-LINEN", "Linen Cushion", "24.90"),
    ("THROW-MOHAIR", "Mohair Throw", "74.00"),
    ("VASE-STONE", "Stoneware Vase", "29.50"),
    ("MIRROR-ROUND", "Round Mirror", "99.00"),
    ("CLOCK-WALL", "Wall Clock", "45.00"),
    ("PLANTER-CERAMIC", "Ceramic Planter", "19.95"),
    ("CANDLE-SOY", "Soy Candle", "14.50"),
    ("MUG-ENAMEL", "Enamel Mug", "9.90"),
    ("PLATE-SET", "Dinner Plate Set", "54.00"),
    ("BOWL-OAK", "Oak Serving Bowl", "42.00"),
    ("BOARD-CUTTING", "Cutting Board", "27.00"),
    ("KNIFE-CHEF", "Chef's Knife", "89.90"),
    ("KETTLE-STEEL", "Steel Kettle", "69.00"),
    ("TEAPOT-CAST", "Cast Iron Teapot", "49.00"),
    ("APRON-LINEN", "Linen Apron", "32.00"),
    ("TOWEL-WAFFLE", "Waffle Towel", "18.00"),
    ("BASKET-SEAGRASS", "Seagrass Basket", "37.50"),
    ("HOOK-BRASS", "Brass Hook", "12.00"),
    ("FRAME-OAK-A4", "Oak Frame A4", "22.00"),
    ("POSTER-ALPS", "Alps Poster", "29.00"),
    ("NOTEBOOK-A5", "A5 Notebook", "11.50"),
    ("PEN-BRASS", "Brass Pen", "39.00"),
    ("UMBRELLA-BLACK", "Black Umbrella", "35.00"),
    ("BACKPACK-CANVAS", "Canvas Backpack", "119.00"),
    ("WALLET-LEATHER", "Leather Wallet", "59.00"),
    ("BELT-LEATHER", "Leather Belt", "49.00"),
    ("GIFTCARD-50", "Gift Card \u20ac50", "50.00"),
    ("CAF\u00c9-BEANS", "Caf\u00e9 Beans 1 kg", "24.00"),
)
VARIABLE_PRODUCTS = (
    ("HOODIE", "Hoodie", "45.00", {"Color": ("Blue", "Grey"), "Size": ("M", "L")}),
    ("TEE-ORGANIC", "Organic Tee", "25.00", {"Color": ("White", "Black", "Olive")}),
    ("SOCKS-WOOL", "Wool Socks", "12.50", {"Color": ("Grey", "Navy")}),
    ("SHIRT-LINEN", "Linen Shirt", "79.00", {"Size": ("S", "M", "L", "XL")}),
    ("SNEAKER-LOW", "Low Sneaker", "99.00", {"Size": ("40", "41", "42", "43")}),
    ("BEANIE", "Beanie", "19.00", {"Color": ("Rust", "Forest")}),
    ("SCARF-CASHMERE", "Cashmere Scarf", "89.00", {"Color": ("Camel", "Charcoal")}),
    ("CAP-CORD", "Corduroy Cap", "29.00", {"Color": ("Sand", "Brown")}),
)
CUSTOMERS = tuple(
    tuple(line.split("|"))
    for line in (
        "Anna|de Vries|anna.devries@example.nl|Keizersgracht 123|Amsterdam|1015 CJ|NL"
        "|+31 20 555 0101",
        "Lucas|Peeters|lucas.peeters@example.be|Rue Haute 17|Bruxelles|1000|BE"
        "|+32 2 555 01 77",
        "J\u00e9r\u00f4me|Lef\u00e8vre|jerome.lefevre@example.fr|12 rue de la Paix|"
        "Paris|75002|FR|+33 1 55 55 01 23",
        "Zo\u00eb|M\u00fcller|zoe.mueller@example.de|Gr\u00fcnstra\u00dfe 5|"
        "K\u00f6ln|50667|DE|+49 221 5550123",
        "Sofia|Rossi|sofia.rossi@example.it|Via Roma 44|Milano|20121|IT"
        "|+39 02 5550 1234",
        "Liam|Janssens|liam.janssens@example.be|Meir 88|Antwerpen|2000|BE"
        "|+32 3 555 22 10",
        "Emma|Bakker|emma.bakker@example.nl|Oudegracht 210|Utrecht|3511 NR|NL"
        "|+31 30 555 0199",
        "Noah|Schmidt|noah.schmidt@example.de|Torstra\u00dfe 9|Berlin|10119|DE"
        "|+49 30 5550199",
    )
)
COUPONS = {"spring10": Decimal(10), "welcome5": Decimal(5)}
GATEWAYS = (
    ("stripe", "Credit Card (Stripe)", "processing", True),
    ("bacs", "Direct bank transfer", "on-hold", False),
    ("cod", "Cash on delivery", "processing", False),
)
NOTES = (
    "",
    "",
    "Please leave the parcel with the neighbours.",
    "Merci beaucoup \u2014 \u00e0 bient\u00f4t !",
    "Gift for my mother, no invoice in the box please.",
)
