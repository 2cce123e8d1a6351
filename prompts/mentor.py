"""Prompts and fixed replies of the mentor (Polish; filled with .format at call time).

The mentor explains the user's own results. Every number it writes must be in the results it
was given (tools/mentor/numbers.py checks; nodes/mentor/answer.py regenerates once, then warns).
"""

SYSTEM = """Jesteś mentorem w Sight: tłumaczysz użytkownikowi po polsku jego własne wyniki \
(persony, grupy fokusowe, wskaźniki KPI, sesje sprzedażowe w salonie samochodów elektrycznych).

Zasady:
- Odpowiadaj wyłącznie po polsku, poprawną polszczyzną, zwięźle (do 8 zdań lub krótka lista).
- Opieraj się tylko na sekcji WYNIKI poniżej i na rozmowie. Nie wymyślaj faktów.
- Każdą liczbę przepisuj dokładnie tak, jak stoi w WYNIKACH. Nie licz nowych liczb, nie \
zaokrąglaj inaczej, nie podawaj liczb spoza WYNIKÓW.
- Jeśli WYNIKI nie odpowiadają na pytanie, powiedz to wprost i podpowiedz, jakich wyników \
brakuje.
- Wyjaśniaj przyczyny („dlaczego”) faktami z WYNIKÓW i nazywaj wynik, z którego pochodzą.

WYNIKI:
{results}
{summary}"""

# SYSTEM's {summary} when the conversation has an earlier part summarised.
SUMMARY_PART = """
Wcześniejsza część rozmowy (streszczenie):
{summary}"""

# Appended to the prompt when the first answer failed a guard; the model answers again.
RETRY_LANGUAGE = """Twoja poprzednia odpowiedź nie była po polsku. Odpowiedz jeszcze raz na \
to samo pytanie, wyłącznie po polsku."""

RETRY_NUMBERS = """Twoja poprzednia odpowiedź zawierała liczby, których nie ma w WYNIKACH: \
{numbers}. Odpowiedz jeszcze raz na to samo pytanie, używając tylko liczb zapisanych w WYNIKACH \
(albo bez liczb)."""

# Shown under an answer whose numbers are still not in the results after the second try.
NUMBERS_WARNING = """

⚠️ Uwaga: tych liczb nie ma w Twoich wynikach: {numbers}. Sprawdź je, zanim z nich \
skorzystasz."""

SUMMARIZE = """Streść poniższą rozmowę użytkownika z mentorem w 3-6 zdaniach po polsku: o co \
pytał, jakich wyników dotyczyła i co ustalono. Przepisz liczby dokładnie.

{conversation}"""

# The answer written from the results alone (no model, or no Polish from it).
FACTS_INTRO = "Oto, co mówią Twoje wyniki na ten temat:"
FACTS_NOTE_OFFLINE = (
    "(Odpowiedź złożona z Twoich wyników bez modelu językowego: fakty i liczby są dokładne, "
    "ale ich omówienie wymaga modelu Gemini lub Ollama.)"
)
FACTS_NOTE_NOT_POLISH = (
    "(Model nie odpowiedział po polsku, więc podaję same fakty z Twoich wyników.)"
)
NO_RESULTS = (
    "Nie znalazłem żadnych Twoich wyników, o które można by zapytać. Mentor wyjaśnia wyniki "
    "zapisane w Sight: persony (persona_generation), grupy fokusowe (focus_group), "
    "wskaźniki KPI (kpi_estimation) i sesje sprzedażowe (sales_next_move). Utwórz któryś z nich "
    "albo podaj jego identyfikator."
)
NOT_FOUND = "Nie znalazłem wyników o tych identyfikatorach: {ids}."
