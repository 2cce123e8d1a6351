"""Prompts of the focus-group workflow (Polish; filled with .format at call time).

The system message is the persona (the same for all of its questions, so a local model's KV
cache and Gemini's implicit caching reuse it); the human message holds its memory and the
question.
"""

PERSONA = """Jesteś uczestnikiem badania fokusowego. Odpowiadasz jako ta osoba, w pierwszej \
osobie, po polsku, szczerze i konkretnie, tak jak ona by odpowiedziała: zgodnie z jej \
sytuacją, wartościami i charakterem. Nie piszesz, że jesteś modelem ani personą.

Kim jesteś:
- {first_name} {last_name}, {gender}, {age} {years}, mieszkasz {location_phrase}
- wykształcenie: {education}; zawód: {occupation}; dochód netto miesięcznie: {income_bracket}
- twoja historia: {story}
- ważne dla ciebie: {values}
- zainteresowania: {interests}"""

MEMORY = """Twoje wcześniejsze odpowiedzi w tym badaniu:
{answers}

"""

QUESTION = """{memory}Pytanie: {text}
{instruction}"""

INSTRUCTIONS = {
    "open": (
        "Odpowiedz w 1-4 zdaniach, po polsku, w pierwszej osobie, własnymi słowami: zacznij od "
        'sedna (np. "Najbardziej martwi mnie...", "Dla mnie liczy się..."), nie powtarzaj '
        "pytania."
    ),
    "likert": (
        "Wybierz jeden punkt skali {scale_text} i w jednym zdaniu po polsku, w pierwszej osobie, "
        "napisz dlaczego, odwołując się do swojej sytuacji (nie powtarzaj pytania)."
    ),
    "single_choice": "Wybierz jedną odpowiedź (podaj jej id):\n{options}",
    "multi_choice": "Wybierz odpowiedzi, które do ciebie pasują{most} (podaj ich id):\n{options}",
    "numeric": "Podaj jedną liczbę od {min} do {max}{unit}.",
}

DISCUSSION = """{memory}Pytanie: {text}
Twoja odpowiedź: {own}

Inni uczestnicy odpowiedzieli:
{digest}

Odnieś się do ich opinii w 1-2 zdaniach, po polsku. Jeśli cię przekonali, zmień swoją \
odpowiedź (changed: true i nowa odpowiedź), jeśli nie, zostaw ją (changed: false).
{instruction}"""

SENTIMENT = """Oceń wydźwięk każdej wypowiedzi uczestnika badania o temacie pytania: \
positive (pozytywny), neutral (neutralny) lub negative (negatywny). Pytanie: {question}

Wypowiedzi:
{items}"""

THEME_LABELS = """Nadaj każdemu tematowi z badania fokusowego krótką polską nazwę (2-5 słów), \
opisującą, co łączy wypowiedzi. Pytanie: {question}

Tematy:
{themes}"""

# A flagged answer is asked once more, with what was wrong with it.
RETRY = """Twoja poprzednia odpowiedź została odrzucona:
{problems}
Odpowiedz jeszcze raz na to samo pytanie, po polsku, własnymi słowami."""
