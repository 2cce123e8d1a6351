"""Polish-aware text analysis for keyword search: tokens, lemmas, folded diacritics.

Plain BM25 over Polish word forms misses most matches ("ładowarki", "ładowarką" and "ładowarek"
are one word to a reader), so every term is the word's lemma (simplemma ships Polish and English
dictionaries). Words the dictionary does not know (brand names, loanwords such as "wallboxem")
are cut to a prefix, a crude stemmer that still joins their inflected forms. Terms are folded to
ASCII so that queries typed without Polish letters ("ladowarka") match.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import simplemma

LANGS = ("pl", "en")
UNKNOWN_PREFIX = 6  # characters kept of a word the dictionary does not know
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
MAX_SENTENCES = 16
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_FOLD = str.maketrans("ąćęłńóśźżĄĆĘŁŃÓŚŹŻ", "acelnoszzACELNOSZZ")

# Function words that carry no topic (Polish first, then the commonest English ones).
STOPWORDS = frozenset(
    """
    a aby ach acz aczkolwiek aj albo ale ależ ani aż bardziej bardzo bez bo bowiem by byli bym
    być był była było były będzie będą cali cała cały chce ci cię ciebie co cokolwiek coś czasami
    czy czyli często daleko dla dlaczego dlatego do dobrze dokąd dość dużo dwa dwaj dwie dwoje
    dziś dzisiaj gdy gdyby gdyż gdzie gdziekolwiek gdzieś go i ich ile im inna inne inny innych
    iż ja jak jakaś jakby jaki jakichś jakie jakiś jakiż jakkolwiek jako jakoś je jeden jedna
    jedno jednak jednakże jego jej jemu jest jestem jeszcze jeśli jeżeli już ją każdy kiedy
    kilka kimś kto ktokolwiek ktoś która które którego której który których którym którzy ku
    lat lecz lub ma mają mam mi mimo między mną mnie mogą moi moim moja moje może możliwe można
    mój mu musi my na nad nam nami nas nasi nasz nasza nasze naszego naszych natomiast
    natychmiast nawet nic nich nie niech niego niej niemu nigdy nim nimi niż no o obok od około
    on ona one oni ono oraz oto owszem pan pana pani po pod podczas pomimo ponad ponieważ
    powinien powinna powinni powinno poza prawie przecież przed przede przedtem przez przy
    roku również sam sama są się skąd sobie sobą sposób swoje ta tak taka taki takie także tam
    te tego tej temu ten teraz też to tobie toteż trzeba tu tutaj twoi twoim twoja twoje twym
    twój ty tych tylko tym u w wam wami was wasz wasza wasze we według wiele wielu więc więcej
    wszyscy wszystkich wszystkie wszystkim wszystko wtedy wy właśnie z za zapewne zawsze ze
    znowu znów został żaden żadna żadne żadnych że żeby
    the of and or to in on at for with by from is are was were be been it its this that these
    those as an what which who how do does can i you we they my your our
    """.split()
)


def fold(word: str) -> str:
    """Lower-case and strip Polish diacritics (and any other combining marks)."""
    word = word.lower().translate(_FOLD)
    if word.isascii():
        return word
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def tokens(text: str, *, drop_stopwords: bool = True) -> list[str]:
    """Lower-cased word tokens of ``text`` without stop words and stray letters.

    Numbers are kept ("11 kw", "vat 26").
    """
    return [t for t, _, _ in token_spans(text, drop_stopwords=drop_stopwords)]


def token_spans(text: str, *, drop_stopwords: bool = True) -> list[tuple[str, int, int]]:
    """The tokens of :func:`tokens` with their character spans, ``text[start:end]``.

    Whoever quotes the words a match was made on (evidence a UI highlights) needs the spans.
    """
    spans = []
    for m in _TOKEN.finditer(text):
        t = m.group().lower()
        if not (drop_stopwords and t in STOPWORDS) and (len(t) > 1 or t.isdigit()):
            spans.append((t, m.start(), m.end()))
    return spans


def language_of(text: str) -> str:
    """``en`` for text that reads as English, else ``pl`` (what the pack is written in)."""
    scores = dict(simplemma.langdetect(text, lang=LANGS))
    return "en" if scores.get("en", 0.0) > scores.get("pl", 0.0) else "pl"


@lru_cache(maxsize=200_000)
def is_known(token: str, language: str = "pl") -> bool:
    """Whether the dictionary of ``language`` knows the lower-cased word form."""
    return simplemma.is_known(token, lang=language)


@lru_cache(maxsize=200_000)
def term_of(token: str, language: str = "pl") -> str:
    """The index term of one lower-cased token: its folded lemma, or a folded prefix if unknown.

    The dictionary of ``language`` is asked first ("handle" is a Polish form of "handel" too).
    """
    if token.isdigit():
        return token
    langs = LANGS if language == LANGS[0] else (language, *(x for x in LANGS if x != language))
    for lang in langs:
        if simplemma.is_known(token, lang=lang):
            return fold(simplemma.lemmatize(token, lang=lang))
    lemma = simplemma.lemmatize(token, lang=langs)
    if lemma != token:  # the rules recognised an inflected form ("superchargerów")
        return fold(lemma)
    return fold(token)[:UNKNOWN_PREFIX]


def analyze(text: str, language: str = "pl") -> list[tuple[str, str]]:
    """Pairs of (folded surface form, term) for each token of ``text``, in order."""
    return [(fold(t), term_of(t, language)) for t in tokens(text)]


def terms(text: str, language: str = "pl", *, drop_stopwords: bool = True) -> list[str]:
    """Index terms of ``text`` in order, with repeats (term frequency matters to BM25)."""
    return [term_of(t, language) for t in tokens(text, drop_stopwords=drop_stopwords)]


def sentences(text: str, min_chars: int = 20) -> list[str]:
    """The sentences of ``text`` worth embedding on their own (the whole text if none)."""
    parts = [p.strip() for p in _SENTENCE_END.split(text) if len(p.strip()) >= min_chars]
    return parts[:MAX_SENTENCES] or [text.strip()]
