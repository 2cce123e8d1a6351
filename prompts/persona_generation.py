"""Prompts of the persona generation workflow (Polish; filled with .format at call time)."""

SYSTEM = (
    "Jesteś badaczem rynku, który tworzy realistyczne, syntetyczne persony mieszkańców Polski. "
    "Piszesz po polsku, konkretnie i bez stereotypów. Nie zmieniasz podanych danych "
    "demograficznych ani profilu psychologicznego: opisujesz osobę, która do nich pasuje."
)

PERSONA = """Stwórz personę z segmentu „{segment_name}”.

Dane demograficzne (niezmienne):
- płeć: {gender}
- wiek: {age} lat (rocznik {birth_year})
- wykształcenie: {education}
- dochód netto miesięcznie: {income_bracket}
- miejsce zamieszkania: {location}

Profil psychologiczny:
- Wielka Piątka (0-1): {big_five}
- najważniejsze wartości (Schwartz): {top_values}
- wymiary kulturowe Hofstede (0-100): {hofstede}

Podpowiedzi (możesz z nich skorzystać):
- imiona: {first_names}; nazwiska: {last_names}
- zawody pasujące do wieku, wykształcenia i dochodu: {occupations}
- zainteresowania pasujące do profilu: {interests}

Kontekst segmentu z bazy wiedzy:
{context}

Napisz: imię i nazwisko (polskie, zgodne z płcią i wiekiem), zawód, historię życia w 3-5
zdaniach (w trzeciej osobie, z wiekiem i miejscem zamieszkania zgodnymi z danymi), 3-5
wartości zgodnych z najważniejszymi wartościami i 3-6 zainteresowań.{feedback}"""

FEEDBACK = "\n\nPoprzednia wersja tej persony została odrzucona. Popraw te problemy:\n{problems}"

NO_CONTEXT = "(brak kontekstu w bazie wiedzy)"

# How a segment is described to the knowledge base when looking for its context.
CONTEXT_QUERY = "{segment_name}: {description}. Styl życia, wartości, finanse i zakupy."
