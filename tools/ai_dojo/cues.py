"""Word cues of a mentor's message: the archetype it names, its kind of knowledge, its topic tags.

Archetype names are matched on folded word stems, not lemmas: the dictionary lemmatises
"Analityka" to "analityka" and "Łowcami" to "łowiec", so stems of both words of a name ("U
Pragmatycznego Analityka", "z Łowcami Okazji", "techniczni sceptycy") are what holds.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from functools import cache

import simplemma

from tools.ai_dojo.schemas import slugify
from tools.knowledge.pack import load_pack
from tools.polish_text import UNKNOWN_PREFIX, fold, is_known, term_of, terms, token_spans

MAX_TAGS = 5
_TAG = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")

# slug -> (first word, second word, shorthand or None), regexes on folded tokens.
_NAMES: dict[str, tuple[str, str, str | None]] = {
    "zdobywca_statusu": (r"zdobywc\w*", r"status\w*", r"zdobywc\w*"),
    "straznik_rodziny": (r"straznik\w*", r"rodzin\w*", r"straznik\w*"),
    "pragmatyczny_analityk": (
        r"pragmatyczn\w*",
        r"anality[kc]\w*",
        r"analityk(?:a|iem|owi|ami|ow|om|ach)?|analitycy",
    ),
    "eko_entuzjasta": (r"eko", r"entuzjas\w*", r"ekoentuzjas\w*"),
    "pionier_technologii": (r"pionier\w*", r"technologi\w*", r"pionier\w*"),
    "techniczny_sceptyk": (r"techniczn\w*", r"scepty[kc]\w*", r"sceptyk\w*|sceptycy"),
    "lojalista_premium": (r"lojali\w*", r"premium", r"lojalis\w*"),
    "lowca_okazji": (r"lowc\w*", r"okazj\w*", None),
    "niezdecydowany_odkrywca": (r"niezdecydowan\w*", r"odkryw\w*", r"odkrywc\w*"),
    "entuzjasta_osiagow": (r"entuzjas\w*", r"osiag\w*", None),
}
_COMPILED = {
    slug: tuple(re.compile(p) if p else None for p in words) for slug, words in _NAMES.items()
}

# Kind cues, on the folded text. A doubt verb means a customer's doubt whoever the subject is;
# a saying verb only with the customer (or an archetype) as its subject.
_OBJECTION = re.compile(
    r"\b(?:obiekcj\w*|zastrzezeni\w*|watpliwos\w*|obaw[aey]|obawami|obawach|"
    r"obawia\w*|boi\s+sie|boja\s+sie|sie\s+boi|sie\s+boja|martwi\w*\s+sie|sie\s+martwi\w*|"
    r"narzeka\w*|watpi\w*|nie\s+wierz\w*|nie\s+ufa\w*)\b"
)
_SAYING = frozenset(
    "mowi mowia twierdzi twierdza uwaza uwazaja sadzi sadza mysli mysla pyta pytaja powie "
    "powiedza slyszal slyszala slyszeli zarzuca zarzucaja".split()
)
_CUSTOMER = re.compile(r"klien\w*|kupujac\w*|rozmowc\w*")
_SUBJECT_WINDOW = 4
_QUESTION = re.compile(
    r"(?<!nie )\b(?:zapytaj|dopytaj|spytaj|pytaj|dopytuj|zapytac|dopytac|spytac|pytac)\b|"
    r"\bzada(?:j|waj|c|wac)\b(?:\s+\w+)?\s+pytani|\bpytani\w*\s+kwalifikuj"
)
_RULE = re.compile(
    r"\b(?:zacznij|zawsze|nigdy|nie\s+mow|pokaz|zaproponuj|proponuj|unikaj|warto|nalezy|trzeba|"
    r"lepiej|najlepiej|nie\s+wolno|powinien\w*|musisz|skup\s+sie|sprawdza\s+sie)\b"
)
# Imperatives the dictionary misses ("przedstaw" -> "przedstawa") or reads as nouns ("skup").
_IMPERATIVES = frozenset("przedstaw zrob skup kladz stawiaj zostaw".split())
# Words of instruction, not topic: never tags.
_NOT_TAGS = frozenset(
    "klient klientka sprzedawca handlowiec mentor warto trzeba nalezy lepiej zawsze nigdy zeby "
    "rzecz sprawa raz czas raczej chetnie czesto zwykle zazwyczaj najpierw potem pozniej wtedy "
    "bardzo dosc troche duzo malo czasem rzadko naprawde jednak tylko takze rowniez zwlaszcza "
    "szczegolnie glownie".split()
)
_NOT_IMPERATIVE_END = ("a", "ą", "e", "ę", "i", "o", "ó", "u", "y", "ł", "m", "sz", "ąc", "ch")


def detect_archetype(folded: Sequence[str]) -> tuple[list[str], set[int]]:
    """Archetypes named in the folded tokens, in order of mention, and the tokens naming them.

    Full names ("Pragmatyczny Analityk", either word order) win; shorthands ("analityk",
    "sceptyk") count only when no full name occurs.
    """
    found: list[str] = []
    used: set[int] = set()
    for i in range(len(folded) - 1):
        a, b = folded[i], folded[i + 1]
        for slug, (first, second, _) in _COMPILED.items():
            assert first is not None and second is not None
            pair = (first.fullmatch(a) and second.fullmatch(b)) or (
                second.fullmatch(a) and first.fullmatch(b)
            )
            if pair:
                used |= {i, i + 1}
                if slug not in found:
                    found.append(slug)
    if found:
        return found, used
    for i, token in enumerate(folded):
        for slug, (_, _, short) in _COMPILED.items():
            if short is not None and short.fullmatch(token):
                used.add(i)
                if slug not in found:
                    found.append(slug)
    return found, used


def imperative(token: str) -> bool:
    """Whether a lower-cased word reads as a 2nd-person imperative ("pokaż", "zacznij")."""
    folded = fold(token)
    if folded in _IMPERATIVES:
        return True
    if token.endswith(_NOT_IMPERATIVE_END) or not is_known(token):
        return False
    lemma = term_of(token)
    return lemma != folded and lemma.endswith("c")  # an infinitive: zacząć, pokazać


def detect_kind(text: str, tokens: Sequence[str], archetype_tokens: set[int]) -> str:
    """``objection``, ``question``, ``rule`` or ``note``, in that order of precedence.

    ``tokens`` are the lower-cased tokens of ``text`` with stop words kept (what
    tools.polish_text.token_spans gives) and ``archetype_tokens`` the indices of those naming
    an archetype, which count as the customer when a saying verb follows them.
    """
    folded_text = fold(text)
    folded = [fold(t) for t in tokens]
    if _OBJECTION.search(folded_text) or _customer_says(folded, archetype_tokens):
        return "objection"
    if _QUESTION.search(folded_text):
        return "question"
    if _RULE.search(folded_text) or any(imperative(t) for t in tokens):
        return "rule"
    return "note"


def _customer_says(folded: Sequence[str], archetype_tokens: set[int]) -> bool:
    for i, token in enumerate(folded):
        if token in _SAYING:
            window = range(max(0, i - _SUBJECT_WINDOW), i)
            if any(_CUSTOMER.fullmatch(folded[j]) or j in archetype_tokens for j in window):
                return True
    return False


def content_tags(text: str, skip: frozenset[str] | set[str] = frozenset()) -> list[str]:
    """Up to five topic lemmas of ``text`` (folded ascii), rarest in the knowledge pack first.

    Verbs (their lemma is an infinitive), numbers and the words in ``skip`` are left out.
    """
    df, n_docs = _pack_df()
    seen: dict[str, tuple[float, int]] = {}
    for position, (token, _, _) in enumerate(token_spans(text)):
        if token in skip or token.isdigit() or len(token) < 3 or imperative(token):
            continue
        if simplemma.lemmatize(token, lang="pl").endswith("ć"):
            continue
        tag, term = _tag_term(token), term_of(token)
        if tag in _NOT_TAGS or not _TAG.fullmatch(tag) or tag in seen:
            continue
        seen[tag] = (-math.log(1.0 + (n_docs - df[term] + 0.5) / (df[term] + 0.5)), position)
    return sorted(seen, key=lambda t: seen[t])[:MAX_TAGS]


def _tag_term(token: str) -> str:
    """A token's tag: its lemma; for a word the dictionary does not know, the module trigger
    it is a form of ("fotowoltaice" -> "fotowoltaika"), else the word itself, folded."""
    if is_known(token):
        return term_of(token)
    folded = fold(token)
    return _trigger_words().get(folded[:UNKNOWN_PREFIX], folded)


@cache
def _trigger_words() -> dict[str, str]:
    """Folded prefix -> one-word module trigger, folded (the tag of the trigger's forms)."""
    triggers = sorted({t for m in load_pack().modules for t in m.triggers if " " not in t})
    return {fold(t)[:UNKNOWN_PREFIX]: slugify(t) for t in reversed(triggers)}


@cache
def _pack_df() -> tuple[Counter[str], int]:
    """Document frequency of each term over the bundled pack (what makes a tag informative)."""
    entries = load_pack().entries
    df: Counter[str] = Counter()
    for entry in entries:
        df.update(set(terms(entry.searchable_text())))
    return df, len(entries)
