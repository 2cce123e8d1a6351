"""Prompts of the persona generation workflow (Polish; filled with .format at call time).

The system message holds what every persona of a segment shares (role, rules, the segment's
retrieved context) and the human message what is this persona's own, so providers that cache
prompt prefixes (llama.cpp's KV cache, Gemini's implicit caching) reuse the shared part.
"""

SYSTEM = """Jesteś badaczem rynku, który tworzy realistyczne, syntetyczne persony mieszkańców \
Polski. Piszesz po polsku, konkretnie i bez stereotypów. Nie zmieniasz podanych danych: \
imienia, nazwiska, wieku, miejsca zamieszkania, zawodu ani profilu psychologicznego. \
Opisujesz osobę, która do nich pasuje.

Napisz historię życia tej osoby w 3-4 zdaniach, w trzeciej osobie, po polsku, z jej imieniem, \
wiekiem i miejscem zamieszkania zgodnymi z danymi; do tego 3-5 wartości zgodnych z jej \
najważniejszymi wartościami i 3-6 różnych zainteresowań (krótkie polskie określenia).

Segment: {segment_name}.
Kontekst segmentu z bazy wiedzy:
{context}"""

# The instructions alone (no data, no context): an answer copying a run of them is an echo.
INSTRUCTIONS = SYSTEM.split("\n\nSegment:")[0]

PERSONA = """Persona:
- imię i nazwisko: {first_name} {last_name}
- płeć: {gender}
- wiek: {age} {years} (rocznik {birth_year})
- wykształcenie: {education}
- zawód: {occupation}
- dochód netto miesięcznie: {income_bracket}
- miejsce zamieszkania: {location} (pisz: mieszka {location_phrase})
- osobowość: {personality}
- najważniejsze wartości: {top_values}. {values_in_life}
- decyzje i pieniądze: {decisions}
- hobby (przykłady): {interests}{occupation_choice}{feedback}"""

# Only a capable provider may change the occupation, and only to one of the table's options.
OCCUPATION_CHOICE = "\n- zawód możesz zmienić tylko na jeden z: {options}"

FEEDBACK = "\n\nPoprzednia wersja tej persony została odrzucona. Popraw te problemy:\n{problems}"

NO_CONTEXT = "(brak kontekstu w bazie wiedzy)"

# How a segment is described to the knowledge base when looking for its context.
CONTEXT_QUERY = "{segment_name}: {description}. Styl życia, wartości, finanse i zakupy."

# The eval suite's narrative-consistency judge (a real provider's `deep` role only).
JUDGE = """Oceń, czy opis persony jest spójny z jej danymi. Dane: płeć {gender}, wiek {age}, \
wykształcenie {education}, dochód {income_bracket}, miejsce zamieszkania {location}, \
najważniejsze wartości: {top_values}, Wielka Piątka: {big_five}.

Opis:
Imię i nazwisko: {first_name} {last_name}
Zawód: {occupation}
Historia: {background_story}
Wartości: {values}
Zainteresowania: {interests}

Czy opis jest spójny z danymi (płeć, wiek, wykształcenie i zawód, dochód, miejsce, wartości)? \
Wymień konkretne niespójności."""

# What to fix, per check that failed (the retry prompt stays Polish; the checks' own messages,
# in English, are for users). The checker's message follows in brackets as evidence.
FIX_BY_CODE = {
    "story_not_polish": "Napisz historię po polsku.",
    "occupation_education_mismatch": "Wybierz zawód zgodny z wykształceniem persony.",
    "occupation_age_mismatch": "Wybierz zawód zgodny z wiekiem persony.",
    "occupation_not_offered": "Zawód wybierz tylko spośród podanych.",
    "story_gender_mismatch": "Użyj form czasowników zgodnych z płcią persony.",
    "story_age_mismatch": "Podaj w historii wiek zgodny z danymi.",
    "story_too_short": "Napisz dłuższą historię (3-4 zdania).",
    "story_location_mismatch": "Osadź historię w miejscu zamieszkania persony.",
    "values_misaligned": "Wartości mają odpowiadać najważniejszym wartościom z profilu.",
    "too_few_items": "Podaj co najmniej 3 różne wartości i 3 różne zainteresowania.",
    "story_name_mismatch": "W historii używaj imienia i nazwiska persony.",
    "story_occupation_mismatch": "W historii podaj zawód persony, nie inny.",
    "story_person_mismatch": "Pisz w trzeciej osobie (ona/on), nie zwracaj się do czytelnika.",
    "text_truncated": "Napisz krótszą historię i zakończ ją pełnym zdaniem.",
    "text_repetitive": "Nie powtarzaj słów ani zdań; każde zdanie ma mówić coś nowego.",
    "text_echoes_prompt": "Nie przepisuj poleceń ani opisu danych; opisz osobę własnymi słowami.",
    "text_placeholder": "Zamiast symboli zastępczych wpisz konkretne treści.",
    "text_mixed_language": "Pisz wyłącznie po polsku.",
    "items_repeat": "Wartości i zainteresowania mają się od siebie różnić.",
    "structured_output_invalid": "Odpowiedz poprawnym obiektem JSON zgodnym ze schematem.",
}
DUPLICATE_FIX = (
    "Persona jest niemal identyczna z inną personą z tego przebiegu: nadaj jej inną historię "
    "życia, zawód i zainteresowania."
)
