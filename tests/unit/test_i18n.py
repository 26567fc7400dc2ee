"""The two catalogs of hall.i18n say the same things: the same keys, each with the same
`{placeholders}` (but for `date.` keys: English names the month, Chinese numbers it), and
no empty sentence."""

from __future__ import annotations

import re

from hall.i18n import CATALOG, EN, ZH


def test_catalogs_have_the_same_keys_and_placeholders() -> None:
    assert set(CATALOG[ZH]) == set(CATALOG[EN])
    fields = re.compile(r"{(\w+)")
    for key, zh in CATALOG[ZH].items():
        if key.startswith("date."):  # English names the month, Chinese numbers it
            continue
        assert set(fields.findall(zh)) == set(fields.findall(CATALOG[EN][key])), key
        assert zh.strip() and CATALOG[EN][key].strip(), key
