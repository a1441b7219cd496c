"""The names of a ranked race's choices ("1st choice", "1.ª opción", "1순위", "第一选择").

Ordinals are not a message a catalogue can hold for every number (English suffixes,
Chinese numerals, Tagalog linkers), so each language's form is made here.  ``rank_name``
is the form inside a sentence ("Fill in your 2nd choice"), ``rank_label`` the label of a
rank's menu (capitalised where the language writes capitals).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Final

__all__ = ["rank_label", "rank_name"]

_ZH_DIGITS: Final = "零一二三四五六七八九"
_VI_WORDS: Final = ("nhất", "hai", "ba", "tư", "năm", "sáu", "bảy", "tám", "chín", "mười")
_TL_WORDS: Final = (
    "unang",
    "ikalawang",
    "ikatlong",
    "ikaapat na",
    "ikalimang",
    "ikaanim na",
    "ikapitong",
    "ikawalong",
    "ikasiyam na",
    "ikasampung",
)


def _english(n: int) -> str:
    suffix = "th" if n % 100 in (11, 12, 13) else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix} choice"


def _chinese_number(n: int) -> str:
    """1 to 99 in Chinese numerals: 一, 十, 十一, 二十, 二十一."""
    tens, ones = divmod(n, 10)
    if n >= 100 or n < 1:
        return str(n)
    head = "" if tens == 0 else ("十" if tens == 1 else _ZH_DIGITS[tens] + "十")
    return head + (_ZH_DIGITS[ones] if ones else "")


def _vietnamese(n: int) -> str:
    return f"lựa chọn thứ {_VI_WORDS[n - 1] if n <= 10 else n}"


def _tagalog(n: int) -> str:
    return f"{_TL_WORDS[n - 1]} pagpili" if n <= 10 else f"ika-{n} na pagpili"


_FORMS: Final[dict[str, Callable[[int], str]]] = {
    "en": _english,
    "es": lambda n: f"{n}.ª opción",
    "ko": lambda n: f"{n}순위",
    "zh": lambda n: f"第{_chinese_number(n)}选择",
    "vi": _vietnamese,
    "tl": _tagalog,
}


def rank_name(language: str, rank: int) -> str:
    """The ``rank``-th choice (1 = most preferred) as a sentence names it."""
    if rank < 1:
        raise ValueError("ranks start at 1")
    return _FORMS.get(language, _english)(rank)


def rank_label(language: str, rank: int) -> str:
    """The label of the ``rank``-th choice's menu."""
    name = rank_name(language, rank)
    return name[:1].upper() + name[1:]
