"""Thai dictionary order for names (provinces, districts, LAOs).

Python sorts Thai by code point, which puts every name that starts with a leading vowel
(เ แ โ ใ ไ, written before the consonant they follow in speech) after all the others —
เชียงราย, เพชรบุรี and แม่ฮ่องสอน came last in every province list — and weighs tone marks as
letters.  The Royal Institute dictionary orders by the consonant first: the key swaps a leading
vowel with the consonant after it and leaves tone marks and the silent mark for a second pass.
"""

from __future__ import annotations

import re

_LEADING = "เแโใไ"
_CONSONANT = "[\u0e01-\u0e2e]"
_SWAP = re.compile(f"([{_LEADING}])({_CONSONANT})")
_MARKS = str.maketrans("", "", "\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e")  # ็ ่ ้ ๊ ๋ ์ ํ ๎


def thai_sort_key(text: str) -> tuple[str, str]:
    """A key that sorts Thai names in dictionary order (ASCII and other text as they are)."""
    swapped = _SWAP.sub(r"\2\1", text or "")
    return swapped.translate(_MARKS), swapped
