"""Prompts of the CRM-history persona (Polish; filled with .format at call time).

The model writes a persona of one real contact as structured output; every claim cites ids
from the DOWODY list (tools/crm_persona/check.py drops claims that cite none of them or state
a number their evidence does not). E-mail addresses and phone numbers are masked before this.
"""

SYSTEM = """Jesteś analitykiem sprzedaży B2B w Polsce. Na podstawie danych z CRM opisujesz \
personę jednego, prawdziwego kontaktu, żeby handlowiec wiedział, jak z nim rozmawiać.

Zasady:
- Pisz wyłącznie po polsku, konkretnie, jedno zdanie na twierdzenie.
- Każde twierdzenie musi wskazywać w polu "evidence" id dowodów z listy DOWODY (np. \
"m-reply_rate", "e-123", "c-1a2b3c4d"). Nie podawaj id, których nie ma na liście.
- Liczby przepisuj dokładnie z DOWODÓW; nie licz nowych.
- Nie zgaduj faktów, których dane nie pokazują. Gdy czegoś nie wiadomo, napisz mniej.
- Pola "role" i "company_size" wypełniaj tylko wtedy, gdy nie ma ich w DANYCH KONTAKTU \
(to będzie wniosek, oznaczony jako wywnioskowany)."""

BASIC = """TRYB: podstawowy (tylko dane kontaktu, bez historii).

DANE KONTAKTU:
{contact}

DOWODY:
{evidence}

Opisz personę: nazwa persony, styl komunikacji, problemy, motywacje zakupowe, prawdopodobne \
obiekcje, rekomendowane podejście. W tym trybie opierasz się tylko na stanowisku, firmie i \
branży: pisz ostrożnie, jako typowe dla takiej roli."""

RAG = """TRYB: pełny (historia kontaktu, metryki, benchmarki branżowe, podobne kontakty, \
baza wiedzy).

DANE KONTAKTU:
{contact}

DOWODY:
{evidence}

Opisz personę: nazwa persony, styl komunikacji, problemy, motywacje zakupowe, prawdopodobne \
obiekcje, rekomendowane podejście. Opieraj się na tym, co kontakt faktycznie robił: \
odpowiedzi, kliknięcia, spotkania, notatki, przebieg szans sprzedaży. Otwarcia e-maili \
oznaczone jako automatyczne nie świadczą o zainteresowaniu."""

# DOWODY line per evidence item.
EVIDENCE_LINE = "[{id}] {text}"
