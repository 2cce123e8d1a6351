"""The mentor's cheap Polish detector (tools/mentor/language.py), calibrated on short answers."""

from __future__ import annotations

import pytest

from tools.mentor.language import MIN_SCORE, polish_score

POLISH = [
    "Ta persona ma niski NPS, ponieważ cena wydaje się jej zbyt wysoka w porównaniu z konkurencją.",
    "Z grupy fokusowej wynika, że cena 49 zł jest akceptowalna dla większości uczestników.",
    "Sprzedaż zakończyła się w trzech sesjach z pięciu, głównie dzięki szybkiej odpowiedzi.",
    "Nie mam danych o tej kampanii, więc nie mogę ocenić jej skuteczności.",
    "Największy wpływ na decyzję miała długość gwarancji, a nie sama cena.",
    "Warto sprawdzić, czy klienci z mniejszych miast reagują podobnie.",
    "Wskaźnik konwersji wzrósł o 12,5% w porównaniu z poprzednim miesiącem.",
    "Tak, ta grupa jest bardziej wrażliwa na cenę niż pozostałe segmenty.",
    "Persona Anna to księgowa z Kielc, która ceni prostotę i niskie koszty.",
    "W trzech z pięciu odpowiedzi pojawia się obawa o bezpieczeństwo danych.",
    "Rynek w tym regionie liczy około 38 mln zł rocznie.",
    "Dlaczego? Bo uczestnicy nie rozumieli, za co właściwie płacą.",
    "Moim zdaniem warto obniżyć próg wejścia i pokazać korzyści na przykładach.",
    "Sesja z klientem zakończyła się sprzedażą po drugim spotkaniu.",
    "Najczęściej powtarzanym zarzutem była zbyt skomplikowana oferta.",
    "Tej persony nie przekonuje rabat, tylko rekomendacja znajomych.",
    "Wynik **NPS = 32** jest niższy od średniej dla branży (41).",
    'Wskaźnik "CAC/LTV" wynosi 0,4, co oznacza zdrową ekonomię klienta.',
    'Porównaj to z danymi z `kpi_snapshot` dla marca:\n```json\n{"nps": 32, "churn": 0.08}\n```'
    "\nSpadek wynika głównie z opóźnionych dostaw.",
    "- Cena: za wysoka dla 60% osób\n- Jakość: dobrze oceniana\n- Obsługa: mieszane opinie",
    "Klienci mówią o „price anchoring”, ale w praktyce chodzi o porównanie z ofertą sieciówek.",
    "Grupa fokusowa o cenie pokazała, że próg bólu leży między 39 a 45 zł.",
    "Ostatnie trzy sesje sprzedażowe zakończyły się bez zamówienia.",
    # Without diacritics (typed on an English keyboard, or a model that drops them).
    "to jest dobry wynik dla tej persony",
    "Ta persona ma niski NPS, bo cena jest dla niej za wysoka.",
    "Nie wiem, czy to wystarczy, ale warto sprobowac.",
    "Z grupy fokusowej wynika, ze klienci chca prostszej oferty.",
    "Sprzedaz zakonczyla sie po drugim spotkaniu, bo klient dostal rabat.",
    "Ktory segment jest najbardziej oplacalny? Ten z duzych miast.",
    "Wynik jest lepszy niz w zeszlym miesiacu o 5 punktow.",
    "Moze warto zapytac klientow, co sadza o nowej cenie.",
    "Cena 49 zl jest akceptowalna dla wiekszosci osob w tej grupie.",
    "Persona jest bardzo aktywna w mediach spolecznosciowych i czesto kupuje online.",
    "Tak, ale tylko w przypadku klientow z sektora MSP.",
    "Juz teraz widac, ze rabat nie dziala tak, jak zakladalismy.",
]

NOT_POLISH = [
    "This persona has a low NPS because the price seems too high compared to competitors.",
    "The focus group shows that a price of 49 PLN is acceptable for most participants.",
    "Three of the five sessions ended in a sale, mainly thanks to a fast reply.",
    "I don't have data about this campaign, so I can't judge its effectiveness.",
    "The biggest influence on the decision was the length of the warranty.",
    "It is worth checking whether customers from smaller towns react the same way.",
    "The conversion rate grew by 12.5% compared with the previous month.",
    "Yes, this group is more price sensitive than the other segments.",
    "Anna is an accountant from Kielce who values simplicity and low costs.",
    "Customers keep mentioning data security in three of five answers.",
    "The market in this region is worth about 38 million PLN a year.",
    "Why? Because the participants did not understand what they were paying for.",
    "In my opinion it would be good to lower the entry price and show benefits.",
    "The session with the client ended with a sale after the second meeting.",
    "The most frequent objection was that the offer is too complicated.",
    "A discount does not convince this persona; a recommendation from friends does.",
    "NPS = 32 is lower than the industry average (41).",
    "CAC/LTV is 0.4, which means healthy unit economics.",
    "- Price: too high for 60% of people\n- Quality: rated well\n- Support: mixed opinions",
    "Sure! Here is a summary of the focus group about pricing.",
    "To do this, go to the dashboard and open the KPI tab.",
    "I think a lower price would help, but we need more data to be sure.",
    "Na na na, no, I do not know what to do with it.",
    "Persona Anna: good at budgeting, on a tight budget, open to discounts.",
    # German
    "Diese Persona hat einen niedrigen NPS, weil der Preis zu hoch ist.",
    "Die Fokusgruppe zeigt, dass der Preis für die meisten Teilnehmer akzeptabel ist.",
    "Der Kunde hat nach dem zweiten Treffen gekauft.",
    "Es ist sinnvoll zu prüfen, ob Kunden aus kleineren Städten ähnlich reagieren.",
    "Ja, diese Gruppe ist preissensibler als die anderen Segmente.",
    # Czech
    "Tato persona má nízké NPS, protože cena je pro ni příliš vysoká.",
    "Z fokusní skupiny vyplývá, že cena 49 korun je pro většinu účastníků přijatelná.",
    "Prodej skončil ve třech z pěti sezení, hlavně díky rychlé odpovědi.",
    "Nemám data o této kampani, takže nemohu posoudit její účinnost.",
    "Ano, tato skupina je na cenu citlivější než ostatní segmenty.",
    # Slovak
    "Táto persona má nízke NPS, pretože cena je pre ňu príliš vysoká.",
    "Z fokusovej skupiny vyplýva, že cena je prijateľná pre väčšinu účastníkov.",
    "Predaj sa skončil v troch z piatich stretnutí, hlavne vďaka rýchlej odpovedi.",
    "Nemám údaje o tejto kampani, takže neviem posúdiť jej účinnosť.",
    "Áno, táto skupina je na cenu citlivejšia ako ostatné segmenty.",
]


def test_polish_score_when_calibration_texts_then_every_one_is_classified_right():
    wrong = [t for t in POLISH if not polish_score(t).is_polish]
    wrong += [t for t in NOT_POLISH if polish_score(t).is_polish]
    assert len(POLISH) >= 30 and len(NOT_POLISH) >= 30
    assert wrong == []


def test_polish_score_when_calibration_texts_then_classes_are_separated_by_a_margin():
    lowest_polish = min(polish_score(t).score for t in POLISH)
    highest_other = max(polish_score(t).score for t in NOT_POLISH)
    assert lowest_polish >= MIN_SCORE + 0.1
    assert highest_other <= MIN_SCORE - 0.1


def test_polish_score_when_no_diacritics_but_polish_stop_words_then_polish():
    verdict = polish_score("to jest dobry wynik dla tej persony")
    assert verdict.is_polish
    assert "polish diacritics 0.000 of letters" in verdict.reasons


@pytest.mark.parametrize(
    "english_part",
    [
        ' "NPS", "CAC/LTV", "churn rate" i "customer lifetime value"',
        " `SELECT nps FROM kpi WHERE segment = 'the best of them'`",
        "\n```python\nfor item in items:\n    print(item.name, 'is ready')\n```\n",
        " https://example.com/what-is-the-net-promoter-score-and-how-to-use-it",
        " NPS, CAC, LTV, ROI, B2B, KPI, CTR, CPC",
    ],
)
def test_polish_score_when_english_terms_inside_polish_answer_then_still_polish(english_part):
    answer = "Ta persona ocenia ofertę nisko." + english_part + " Warto to sprawdzić w danych."
    assert polish_score(answer).is_polish


def test_polish_score_when_numbers_and_markdown_then_still_polish():
    answer = "## Wyniki\n\n| NPS | CAC |\n|---|---|\n| 32 | 120 zł |\n\n**Wniosek:** cena jest za wysoka."
    assert polish_score(answer).is_polish


def test_polish_score_when_czech_shares_polish_short_words_then_not_polish():
    verdict = polish_score("Je to tak, ale cena na trhu je pro ně příliš vysoká, že?")
    assert not verdict.is_polish
    assert verdict.score < MIN_SCORE


def test_polish_score_when_a_few_polish_words_in_english_then_not_polish():
    assert not polish_score(
        "The persona called it a 'promocja', but the price is what matters."
    ).is_polish


@pytest.mark.parametrize("text", ["", "   ", "12,5% / 38 / 3:5", "NPS CAC LTV", "```x = 1```"])
def test_polish_score_when_no_words_then_not_polish_with_zero_score(text):
    verdict = polish_score(text)
    assert not verdict.is_polish
    assert verdict.score == 0.0
    assert verdict.reasons == ("no words to judge",)


def test_polish_score_when_scored_then_score_is_between_zero_and_one():
    for text in POLISH + NOT_POLISH:
        assert 0.0 <= polish_score(text).score <= 1.0
