"""What a service centre repairs: the product categories and the brands it services, as the lists
intake picks from (brands are suggestions: an unlisted one can still be typed)."""

from __future__ import annotations

CATEGORIES = (
    "washing_machine",
    "air_conditioner",
    "refrigerator",
    "water_heater",
    "office_printer",
    "air_compressor",
    "other",
)

BRANDS = (
    "Haier",
    "Midea",
    "Gree",
    "Little Swan",
    "Hisense",
    "Casarte",
    "Leader",
    "AUX",
    "Ronshen",
    "Siemens",
    "Panasonic",
    "Vanward",
    "Fotile",
    "Robam",
    "Ricoh",
    "Atlas Copco",
)
