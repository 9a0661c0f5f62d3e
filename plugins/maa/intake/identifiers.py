"""Finding a child's identifiers in free text as a reader would see them, not byte for byte.

A name hidden by a zero-width space, spelt with Cyrillic letters that look Latin, or written in
full-width letters reads the same on a page, so text is compared after NFKC normalisation, with format
characters (Unicode category Cf) removed and look-alike letters folded to the Latin ones. A system id
is matched ignoring spaces and punctuation, a date of birth in any common way of writing a date, and
any UK postcode is refused, since a narrative never needs an address.

Where there is no list of children (a PAA's event extracts), `looks_personal` judges a short code-list
value by its shape: a date, a postcode, an id or a person's name have no business in a category.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import date

from maa.preparation.nominations import Nominee

CHILD, BIRTH_DATE, POSTCODE, ID, NAME, DATE = "child", "date_of_birth", "postcode", "id", "name", "date"

# Letters from other scripts that a reader takes for Latin ones (Cyrillic, Greek; both cases).
_LOOKALIKES = str.maketrans({
    "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o", "р": "p", "с": "c",
    "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j", "ѕ": "s", "һ": "h", "ԁ": "d", "ԛ": "q",
    "ԝ": "w", "ӏ": "l",
    "А": "A", "В": "B", "Е": "E", "Ё": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P", "С": "C",
    "Т": "T", "У": "Y", "Х": "X", "І": "I", "Ї": "I", "Ј": "J", "Ѕ": "S", "Һ": "H", "Ԛ": "Q", "Ԝ": "W",
    "α": "a", "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x",
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M", "Ν": "N", "Ο": "O",
    "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X",
})

_MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december")
_MONTH_NUMBER = {**{m: n for n, m in enumerate(_MONTHS, 1)}, **{m[:3]: n for n, m in enumerate(_MONTHS, 1)},
                 "sept": 9}
_MONTH = r"(?P<month>" + "|".join(sorted(_MONTH_NUMBER, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(?P<year>\d{4}|\d{2})"
_SEPARATOR = r"\s*[./-]\s*"
_NUMERIC_DATE = re.compile(rf"(?<!\d)(?P<a>\d{{1,4}}){_SEPARATOR}(?P<b>\d{{1,2}}){_SEPARATOR}(?P<c>\d{{1,4}})(?!\d)")
_WORDED_DATES = (
    re.compile(rf"\b{_DAY}\s+(?:of\s+)?{_MONTH},?\s+{_YEAR}\b", re.IGNORECASE),  # 4 March 2015, 4th Mar 15
    re.compile(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}\b", re.IGNORECASE),  # March 4, 2015
)
# Royal Mail's format: an outward code, then a digit and two letters (never C, I, K, M, O or V).
_POSTCODE = re.compile(r"\b(?:[A-Z]{1,2}\d[A-Z\d]?|GIR)\s*(?P<digit>\d)(?P<letters>[ABD-HJLNP-UW-Z]{2})\b",
                       re.IGNORECASE)
_ORDINAL_SUFFIX = {"1": "st", "2": "nd", "3": "rd"}


def fold_letters(text: str) -> str:
    """What a reader sees: NFKC, format characters removed, look-alike letters made Latin; case kept."""
    normal = unicodedata.normalize("NFKC", text)
    return "".join(c for c in normal if unicodedata.category(c) != "Cf").translate(_LOOKALIKES)


def fold(text: str) -> str:
    return fold_letters(text).casefold()


def id_characters(text: str) -> str:
    """Letters and digits only, folded: QZX-99887766, qzx 9988 7766 and QZX.99887766 are one id."""
    return "".join(c for c in fold(text) if c.isalnum())


def dates_in(text: str) -> set[date]:
    """Every date written in `text`; a numeric one both day-first and month-first, two-digit years as 20yy
    and 19yy, so that no way of writing a child's birthday slips through."""
    found: set[date] = set()
    folded = fold_letters(text)
    for match in _NUMERIC_DATE.finditer(folded):
        a, b, c = match["a"], match["b"], match["c"]
        if len(a) == 4:
            found |= _dates(a, b, c)
        elif len(a) <= 2 and len(c) in (2, 4):
            found |= _dates(c, b, a) | _dates(c, a, b)
    for pattern in _WORDED_DATES:
        for match in pattern.finditer(folded):
            found |= _dates(match["year"], str(_MONTH_NUMBER[match["month"].lower()]), match["day"])
    return found


def _dates(year: str, month: str, day: str) -> set[date]:
    years = [int(year)] if len(year) == 4 else [2000 + int(year), 1900 + int(year)]
    found = set()
    for candidate in years:
        try:
            found.add(date(candidate, int(month), int(day)))
        except ValueError:
            pass
    return found


def has_postcode(text: str) -> bool:
    """A UK postcode in any letter case; '2nd' after a room or quarter written in lower case is an ordinal."""
    return any(match["letters"] != _ORDINAL_SUFFIX.get(match["digit"], "th")
               for match in _POSTCODE.finditer(fold_letters(text)))


class IdentifierMatcher:
    """The nominated children's identifiers, folded once, to test text against without keeping it.

    The full name and the system id match in any letter case; a single part of the name only as
    written or in capitals, so that a child called Grace does not make every "grace period" a match.
    """

    def __init__(self, children: Iterable[Nominee]):
        children = list(children)
        whole, parts = [], []
        for name in (c.child_name for c in children):
            words = [w for w in re.split(r"[\s\-]+", fold_letters(name)) if w]
            if words:
                whole.append(r"(?<!\w)" + r"[\s\-.]*".join(re.escape(w.casefold()) for w in words) + r"(?!\w)")
            for part in (w for w in words if len(w) >= 3):
                parts += [rf"\b{re.escape(part)}\b", rf"\b{re.escape(part.upper())}\b"]
        self._whole = re.compile("|".join(whole)) if whole else None
        self._parts = re.compile("|".join(parts)) if parts else None
        self._ids = {i for i in (id_characters(c.system_id) for c in children) if len(i) >= 4}
        self._birth_dates = {c.date_of_birth for c in children}

    def identifies(self, text: str) -> str | None:
        """CHILD (a name, a part of one, a system id), BIRTH_DATE, POSTCODE, or None when the text has none."""
        if not text:
            return None
        letters = fold_letters(text)
        if (self._whole and self._whole.search(letters.casefold())) or (self._parts and self._parts.search(letters)):
            return CHILD
        if self._ids:
            characters = id_characters(text)
            if any(i in characters for i in self._ids):
                return CHILD
        if self._birth_dates and self._birth_dates & dates_in(text):
            return BIRTH_DATE
        return POSTCODE if has_postcode(text) else None


# Without a list of children -----------------------------------------------------------------------

# Words of the code lists PAA extracts carry (measures, sources, outcomes), which may be capitalised
# without being a name. A capitalised word not among them counts towards a name.
CODE_LIST_WORDS = frozenset("""
abuse action advice agency allegation allegations anonymous assessment care case child children
community conduct conference conferences consultation contact contacts council criminal discussion
discussions domestic early education emotional exploitation family further harm health help high
household initial investigation justice low management medium mental neglect no none not other
outcome physical plan planning police probation protection referral referred repeat review risk
safeguarding school section service services sexual social strategy substantiated team threshold
unfounded unsubstantiated upheld violence voluntary youth
cce cin cp cse csc da icpc lado marac marf mash nfa rcpc s17 s47
""".split())
_TITLES = frozenset({"mr", "mrs", "ms", "miss", "mx", "master", "dr"})
_NAME_WORD = re.compile(r"^[A-Z][a-z]+(?:['\u2019-][A-Z]?[a-z]+)*$")
_SHOUTED_WORD = re.compile(r"^[A-Z]{2,}(?:['\u2019-][A-Z]+)*$")
_SURNAME_FIRST = re.compile(r"([A-Za-z'\u2019-]{2,}),\s*([A-Z][A-Za-z'\u2019-]+(?:\s+[A-Z][A-Za-z'\u2019-]+)?)")
_ID_TOKEN = re.compile(r"(?<![\w])(?=[\w-]*\d)[A-Za-z0-9][\w-]{5,}(?![\w])")
_DIGIT_RUN = re.compile(r"(?<!\d)\d(?:[ -]?\d){5,}(?!\d)")  # an NHS number as 943 476 5919


def looks_personal(text: str) -> str | None:
    """NAME, DATE, POSTCODE or ID when a short value is shaped like one, else None.

    A name: "Surname, Forename"; a title and a capitalised word; or two to four capitalised words (or a
    capitalised word and one in capitals, as case systems print surnames), at least two of them not
    words of a code list. An id: a token of six or more letters, digits and hyphens with four or more
    digits, or six or more digits in groups (an NHS number). Any date at all, and any UK postcode.
    """
    letters = fold_letters(text).strip()
    if not letters:
        return None
    if dates_in(letters):
        return DATE
    if has_postcode(letters):
        return POSTCODE
    if _DIGIT_RUN.search(letters) or any(sum(c.isdigit() for c in t) >= 4 for t in _ID_TOKEN.findall(letters)):
        return ID
    return NAME if _shaped_like_a_name(letters) else None


def _shaped_like_a_name(text: str) -> bool:
    surname_first = _SURNAME_FIRST.fullmatch(text)
    if surname_first:
        return _not_code_words([surname_first[1], *surname_first[2].split()]) >= 2
    words = text.replace(".", " ").split()
    if len(words) >= 2 and words[0].lower() in _TITLES and _NAME_WORD.match(words[1]):
        return True
    if not 2 <= len(words) <= 4 or not all(_NAME_WORD.match(w) or _SHOUTED_WORD.match(w) for w in words):
        return False
    if not any(_NAME_WORD.match(w) for w in words):  # all in capitals: a code such as "MARAC NFA"
        return False
    return _not_code_words(words) >= 2


def _not_code_words(words: list[str]) -> int:
    return sum(w.lower() not in CODE_LIST_WORDS for w in words)
