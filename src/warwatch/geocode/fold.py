"""Transliteration-insensitive keys for place names.

Reporters write one Arabic, Ukrainian, Burmese or Somali name many ways ("Kafr Zeita",
"Kafr Zaytah", "Kfar Zita"; "Kharkiv", "Kharkov"). Two keys make those spellings meet:

* :func:`fold` — a phonetic key: accents and apostrophes dropped, Arabic articles (al-, el-,
  ash-, ...) dropped, consonant digraphs merged into one class each (sh/ch/sch, kh, q/k/g/c,
  dh/th/z), vowels reduced to two classes (a/e/i/y and o/u/w), doubled letters collapsed,
  a final -a/-ah/-eh dropped, spaces removed. Equal keys are an exact match.
* :func:`skeleton` — the consonants of the fold key: spellings with the same skeleton, or
  with the same first three skeleton consonants (the block), are the only ones that fuzzy
  scoring (rapidfuzz) is allowed to compare.

Arabic-script names get their own fold (no vowel signs, one alef, no article), and Cyrillic
names are transliterated to Latin first, so "Харків" meets "Kharkiv". Myanmar-script names
keep their letters ("my:" key), so a report in Burmese meets MIMU's Myanmar names.
:func:`consonant_key` lets a Latin spelling meet a name known only in Arabic script (Yemen's
village list): both sides reduced to the consonants Arabic writes.
The index stores these keys: changing this module changes the index hash (see index.py).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

#: Arabic article spellings (sun letters assimilated), and French ones ("ech", "er")
ARTICLES = frozenset({
    "al", "el", "il", "ul", "as", "ash", "es", "esh", "ech", "ad", "ed", "ar", "er", "at", "et", "az",
    "ez", "an", "en", "ath", "adh", "dh",
})
#: generic first words ("Tall Salhab" is said "Salhab"): an extra, weaker key drops them
GENERIC_HEADS = frozenset({
    "tall", "tell", "tal", "tel", "til", "jabal", "jebel", "jabel", "jbel", "khirbat", "khirbet",
    "kherbet", "khirbit", "khirbah", "mazraat", "mazraa", "mazraah", "qaryat", "qariyat", "hay", "hayy",
    "hazrat", "hazrati", "hazreti",
})

_NON_WORD = re.compile(r"[^0-9a-z\u0600-\u06ff]+")
_SPECIAL = str.maketrans(
    {"ı": "i", "ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ə": "a", "ß": "ss", "æ": "ae",
     "œ": "oe", "þ": "th", "ŋ": "ng"}
)
# order matters: longer digraphs first; upper-case letters are class symbols
_DIGRAPHS = [
    ("shch", "S"), ("sch", "S"), ("dzh", "j"), ("tch", "S"), ("sh", "S"), ("ch", "S"),
    ("kh", "X"), ("gh", "G"), ("zh", "j"), ("dj", "j"), ("dh", "z"), ("th", "z"), ("ph", "f"),
    ("ck", "k"), ("q", "k"), ("c", "k"), ("g", "k"), ("x", "h"),
]
_VOWEL_A = set("aeiy")
_VOWEL_U = set("ouw")

_ARABIC_MARKS = re.compile(r"[\u064b-\u065f\u0670\u0640\u06d6-\u06ed]")
_ARABIC_MAP = str.maketrans(
    {"أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا", "ى": "ي", "ی": "ي", "ئ": "ي", "ؤ": "و", "ة": "ه",
     "ک": "ك", "ء": None, "گ": "ك", "ڤ": "ف", "پ": "ب", "چ": "ج"}
)
_CYR_COMMON = {
    "а": "a", "б": "b", "в": "v", "ґ": "g", "д": "d", "е": "e", "є": "ye", "ё": "yo", "ж": "zh",
    "з": "z", "і": "i", "ї": "yi", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o",
    "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "kh", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "shch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya", "'": "",
}
_UK_LETTERS = set("іїєґ")
_SKEL_DROP = re.compile(r"[auh]")
_UK_ENDING = re.compile(r"(?<=[^aeiouy])(?:yi|iy|yy|ii|yj|oi|oy)$")
_DOUBLE = re.compile(r"(.)\1+")
_UK_YI = re.compile(r"(?<=[aeiou])yi(?=[^aeiouy])")
#: Russian adjective endings said for Ukrainian villages: Petrovskoye / Petrivske, Luganskaya /
#: Luhanska, Trudovskiye / Trudivski (the vowels before them are folded alike anyway)
_RU_ENDING = re.compile(r"(?<=sk)(?:oye|oe|aya|aia|iye|ie)$")
_RU_SHORT = {"oye": "e", "oe": "e", "aya": "a", "aia": "a", "iye": "i", "ie": "i"}


_ARABIC_RE = re.compile(r"[\u0600-\u06ff]")
_CYRILLIC_RE = re.compile(r"[\u0400-\u04ff]")
_APOSTROPHE_TABLE = str.maketrans(dict.fromkeys("\'’‘`´ʿʾʼʹ′\"“”"))


def has_arabic(text: str) -> bool:
    """True if the text holds Arabic-script letters."""
    return _ARABIC_RE.search(text) is not None


_MYANMAR_RE = re.compile(r"[\u1000-\u109f]")


def has_myanmar(text: str) -> bool:
    """True if the text holds Myanmar-script letters."""
    return _MYANMAR_RE.search(text) is not None


def _fold_myanmar(text: str) -> str:
    # the letters and signs, nothing else: spaces and the "(၁)" of a ward's number vary
    letters = "".join(_MYANMAR_RE.findall(unicodedata.normalize("NFC", text)))
    return "my:" + letters if letters else ""


def has_cyrillic(text: str) -> bool:
    """True if the text holds Cyrillic letters."""
    return _CYRILLIC_RE.search(text) is not None


def cyrillic_to_latin(text: str) -> str:
    """Cyrillic → Latin; Ukrainian rules (г=h, и=y) when Ukrainian letters are present."""
    lower = text.lower()
    ukrainian = any(ch in _UK_LETTERS for ch in lower)
    table = dict(_CYR_COMMON)
    table["г"] = "h" if ukrainian else "g"
    table["и"] = "y" if ukrainian else "i"
    return "".join(table.get(ch, ch) for ch in lower)


def ascii_fold(text: str) -> str:
    """Lower case, accents and apostrophes removed, punctuation turned into spaces."""
    if text.isascii():  # the common case, ten times faster
        return " ".join(_NON_WORD.sub(" ", text.lower().translate(_APOSTROPHE_TABLE)).split())
    if has_cyrillic(text):
        text = cyrillic_to_latin(text)
    text = unicodedata.normalize("NFKD", text.lower().translate(_SPECIAL))
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.translate(_APOSTROPHE_TABLE)
    return " ".join(_NON_WORD.sub(" ", text).split())


def words(text: str) -> list[str]:
    """The ASCII-folded words of a name, Arabic articles removed (kept if alone), also where a
    report glues one to the word after the first ("Um Elmayathen" = "Umm al-Mayadhin")."""
    tokens = ascii_fold(text).split()
    tokens = [t[2:] if i and len(t) >= 7 and t[:2] in ("al", "el") and t[2] not in "aeiouly" else t
              for i, t in enumerate(tokens)]
    kept = [t for i, t in enumerate(tokens) if not (t in ARTICLES and i < len(tokens) - 1)]
    return kept or tokens


def _y_consonant(token: str, i: int) -> bool:
    before_vowel = i + 1 < len(token) and token[i + 1] in "aeiou"
    return before_vowel and (i == 0 or token[i - 1] in "aeiouy")


@lru_cache(maxsize=262144)
def _fold_token(token: str) -> str:
    if token in ("kafr", "kfar", "kafar", "kafer", "kefr", "kefer", "kfr", "kufr", "kfer"):
        return "kfr"
    token = _RU_ENDING.sub(lambda m: _RU_SHORT[m.group(0)], token)
    token = _UK_ENDING.sub("i", token)  # Kryvyi / Kryvyy / Kryvyj / Krivoi
    token = _UK_YI.sub("i", token)  # Ukrainian ї inside a word: Heorhiyivka / Heorhiivka
    for src, dst in _DIGRAPHS:
        token = token.replace(src, dst)
    out: list[str] = []
    for i, ch in enumerate(token):
        # "y" before a vowel after a vowel or at the start is a consonant (Yabrud, Dahiriyah,
        # Mayadin); elsewhere a vowel (Zaytah = Zita, Slavyansk = Sloviansk)
        if ch in _VOWEL_A and not (ch == "y" and _y_consonant(token, i)):
            cls = "a"
        elif ch in _VOWEL_U:
            cls = "u"
        else:
            cls = ch
        if out and out[-1] == cls:
            continue  # doubled letters and vowel runs of one class
        out.append(cls)
    folded = "".join(out)
    if len(folded) > 3:
        folded = re.sub(r"(?<=[au])h$", "", folded)  # final -ah / -eh
        # final -a / -e / -i / -iy / -yi, but not a Slavic adjective's: "Luhanske" (a village)
        # is not "Luhansk" (the city), "Novoazovske" not "Novoazovsk"
        if folded[-1] in "au" and len(folded) > 3 and not folded.endswith(("ska", "sku")):
            folded = folded[:-1]
    return folded


def _fold_arabic(text: str) -> str:
    text = _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", text)).translate(_ARABIC_MAP)
    out = []
    for word in re.findall(r"[\u0621-\u064a\u0660-\u06ff]+", text):
        if word.startswith("ال") and len(word) > 3:
            word = word[2:]
        out.append(word)
    return "".join(out)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """The phonetic key of a name; '' if nothing is left."""
    if has_arabic(text):
        return _fold_arabic(text)
    if has_myanmar(text):
        return _fold_myanmar(text)
    return "".join(_fold_token(t) for t in words(text))


# Arabic letters as the consonant classes of fold(): ث/ذ/ظ are "th"/"dh"/"z" → z, خ kh → X,
# ش sh → S, غ gh → G, ق q → k; the letters transliterations drop or write as vowels (alef,
# waw, ya, ha, ayn, hamza, ta marbuta) are dropped, as "h", "y" and "w" are on the Latin side
_ARABIC_CONSONANTS = str.maketrans({
    "ب": "b", "ت": "t", "ث": "z", "ج": "j", "خ": "X", "د": "d", "ذ": "z", "ر": "r", "ز": "z",
    "س": "s", "ش": "S", "ص": "s", "ض": "d", "ط": "t", "ظ": "z", "غ": "G", "ف": "f", "ق": "k",
    "ك": "k", "ل": "l", "م": "m", "ن": "n",
})
_LATIN_DROP = re.compile(r"[auhyw]")
CONSONANT_PREFIX = "c:"


def consonant_key(text: str) -> str:
    """The consonants of a name as Arabic script writes them ("c:" key), from Arabic letters or
    from a Latin spelling: "حارة الطبري" and "Harat al-Tabari" both give "c:rtbr". Loose (no
    vowels, doubled letters merged): the index keeps it for names that have no Latin spelling,
    and a match needs four consonants and the story's country."""
    if has_arabic(text):
        key = "".join(ch for ch in _fold_arabic(text).translate(_ARABIC_CONSONANTS) if ch.isascii())
    elif has_myanmar(text):
        return ""
    else:
        key = _LATIN_DROP.sub("", fold(text))
    key = _DOUBLE.sub(r"\1", key)
    return CONSONANT_PREFIX + key if key else ""


_BURMESE_WORD = [
    (re.compile(r"oke$"), "ok"),  # Koke = Kok
    (re.compile(r"(?<=[aeiou])r$"), ""),  # Ngar = Nga, Kyar = Kya, Pyar = Pya
]
_BURMESE = [
    (re.compile(r"h(?=[tspkmnl])|(?<=[tspk])h(?!$)"), ""),  # Htaung = Taung, Hpa = Pa, Kyaukhtu = Kyauktu
    (re.compile(r"ay|ei|ai"), "e"),  # Pyay = Pye, Tein = Ten
    (re.compile(r"oe|aw"), "o"),  # Moe = Mo, Taw = To
    (re.compile(r"b"), "p"), (re.compile(r"d"), "t"), (re.compile(r"g"), "k"), (re.compile(r"z"), "s"),
]


def burmese_key(text: str) -> str:
    """A second key for Myanmar names, whose romanisations split syllables ("Taung Pyin Nge",
    "Taungbyinnge"), voice consonants inside compounds (p/b, t/d, k/g, s/z) and spell vowels
    many ways (Pyay/Pye, Moe/Mo, Ngar/Nga). Matched only for places in Myanmar."""
    if has_arabic(text):
        return ""
    tokens = [t for t in ascii_fold(text).split() if t not in ("village", "tract")]
    for rx, rep in _BURMESE_WORD:
        tokens = [rx.sub(rep, t) if len(t) > 2 else t for t in tokens]
    joined = "".join(tokens)
    for rx, rep in _BURMESE:
        joined = rx.sub(rep, joined)
    return "mm:" + _fold_token(joined) if joined else ""


def name_keys(text: str) -> tuple[str, list[str]]:
    """The fold key of a gazetteer name and its weaker variants (index building).

    The variant drops a generic head word: "Tall Salhab" is reported as "Salhab".
    """
    if has_arabic(text):
        return _fold_arabic(text), []
    if has_myanmar(text):
        return _fold_myanmar(text), []
    tokens = words(text)
    key = "".join(_fold_token(t) for t in tokens)
    if len(tokens) >= 2 and tokens[0] in GENERIC_HEADS:
        rest = [t for i, t in enumerate(tokens[1:]) if not (t in ARTICLES and i < len(tokens) - 2)]
        variant = "".join(_fold_token(t) for t in rest)
        if len(variant) >= 4:
            return key, [variant]
    return key, []


def skeleton(key: str) -> str:
    """The consonants of a fold key (Arabic keys are their own skeleton)."""
    if key and has_arabic(key):
        return key
    return _DOUBLE.sub(r"\1", _SKEL_DROP.sub("", key))


