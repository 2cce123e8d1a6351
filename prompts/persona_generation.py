"""Prompts of the persona generation workflow (Polish; filled with .format at call time).

The system message holds what every persona of a segment shares (role, rules, the segment's
retrieved context) and the human message what is this persona's own, so providers that cache
prompt prefixes (llama.cpp's KV cache, Gemini's implicit caching) reuse the shared part.
"""

SYSTEM = """Jesteś badaczem rynku, który tworzy realistyczne, syntetyczne persony mieszkańców \
Polski. Piszesz po polsku, konkretnie i bez stereotypów. Nie zmieniasz podanych danych \
demograficznych ani profilu psychologicznego: opisujesz osobę, która do nich pasuje.

Napisz: imię i nazwisko (polskie, zgodne z płcią i wiekiem), zawód, historię życia w 3-4 \
zdaniach (w trzeciej osobie, z wiekiem i miejscem zamieszkania zgodnymi z danymi), 3-5 \
wartości zgodnych z najważniejszymi wartościami i 3-6 zainteresowań.

Segment: {segment_name}.
Kontekst segmentu z bazy wiedzy:
{context}"""

PERSONA = """Persona:
- płeć: {gender}
- wiek: {age} lat (rocznik {birth_year})
- wykształcenie: {education}
- dochód netto miesięcznie: {income_bracket}
- miejsce zamieszkania: {location}
- Wielka Piątka (0-1): {big_five}
- najważniejsze wartości (Schwartz): {top_values}
- wymiary kulturowe Hofstede (0-100): {hofstede}
- imiona: {first_names}; nazwiska: {last_names}
- pasujące zawody: {occupations}
- pasujące zainteresowania: {interests}{feedback}"""

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
    "name_gender_mismatch": "Wybierz imię zgodne z płcią persony.",
    "surname_gender_mismatch": "Użyj formy nazwiska zgodnej z płcią (np. -ski / -ska).",
    "name_unknown": "Użyj polskiego imienia, np. z podpowiedzi.",
    "occupation_education_mismatch": "Wybierz zawód zgodny z wykształceniem persony.",
    "occupation_age_mismatch": "Wybierz zawód zgodny z wiekiem persony.",
    "story_gender_mismatch": "Użyj form czasowników zgodnych z płcią persony.",
    "story_age_mismatch": "Podaj w historii wiek zgodny z danymi.",
    "story_too_short": "Napisz dłuższą historię (3-4 zdania).",
    "story_location_mismatch": "Osadź historię w miejscu zamieszkania persony.",
    "values_misaligned": "Wartości mają odpowiadać najważniejszym wartościom z profilu.",
    "too_few_items": "Podaj co najmniej 3 różne wartości i 3 różne zainteresowania.",
    "story_name_mismatch": "W historii używaj imienia i nazwiska persony.",
    "structured_output_invalid": "Odpowiedz poprawnym obiektem JSON zgodnym ze schematem.",
}
DUPLICATE_FIX = (
    "Persona jest niemal identyczna z inną personą z tego przebiegu: nadaj jej inną historię "
    "życia, zawód i zainteresowania."
)
