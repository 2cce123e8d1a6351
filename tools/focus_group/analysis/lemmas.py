"""Readable Polish lemmas of answer text, for theme labels and the sentiment lexicon.

Unlike ``tools.polish_text.terms`` (folded index terms for search), these keep diacritics so a
label reads "ładowarka", not "ladowarka".
"""

from __future__ import annotations

from functools import lru_cache

import simplemma

from tools.polish_text import STOPWORDS, tokens

# Lemmas that say nothing about a theme: auxiliaries, pronouns, opinion verbs every answer uses.
LEMMA_STOPWORDS = frozenset(
    """
    być mieć móc chcieć musieć zostać stać mój twój swój nasz wasz on ona ono oni my wy ja ty
    ten tamten taki jaki który ktoś coś nic nikt się sobie siebie bardzo trochę raczej dosyć
    myśleć uważać sądzić wydawać wydać mówić powiedzieć wiedzieć czuć zdanie
    jeszcze już też także tylko nawet chyba pewnie może no tak nie
    rzecz sprawa coś ktoś cały każdy inny dużo mało wiele kilka
    """.split()
)


@lru_cache(maxsize=100_000)
def lemma_of(token: str) -> str:
    """The Polish lemma of one lower-cased token (the token itself if unknown)."""
    return simplemma.lemmatize(token, lang="pl").lower()


def lemmas(text: str, *, drop_stopwords: bool = True) -> list[str]:
    """Lemmas of ``text`` in order; without stop words, numbers and 1-2 letter words by default."""
    words = tokens(text, drop_stopwords=drop_stopwords)
    found = [(t, lemma_of(t)) for t in words]
    if not drop_stopwords:
        return [lemma for _, lemma in found]
    return [
        lemma
        for token, lemma in found
        if len(lemma) > 2
        and not token.isdigit()
        and lemma not in LEMMA_STOPWORDS
        and lemma not in STOPWORDS
    ]
