"""Polish place names declined for sentences (tools/polish_places.py)."""

from __future__ import annotations

import pytest

from tools.persona.places import places
from tools.polish_places import cases, from_place, in_place


@pytest.mark.parametrize(
    ("name", "locative", "genitive"),
    [
        ("Kielce", "Kielcach", "Kielc"),
        ("Radom", "Radomiu", "Radomia"),
        ("Kraków", "Krakowie", "Krakowa"),
        ("Warszawa", "Warszawie", "Warszawy"),
        ("Gdynia", "Gdyni", "Gdyni"),
        ("Poznań", "Poznaniu", "Poznania"),
        ("Katowice", "Katowicach", "Katowic"),
        ("Ostrołęka", "Ostrołęce", "Ostrołęki"),
        ("Krosno", "Krośnie", "Krosna"),
        ("Gniezno", "Gnieźnie", "Gniezna"),
        ("Legionowo", "Legionowie", "Legionowa"),
        ("Trzebnica", "Trzebnicy", "Trzebnicy"),
        ("Kolbuszowa", "Kolbuszowej", "Kolbuszowej"),
        ("Zielona Góra", "Zielonej Górze", "Zielonej Góry"),
        ("Bielsko-Biała", "Bielsku-Białej", "Bielska-Białej"),
        ("Białystok", "Białymstoku", "Białegostoku"),
    ],
)
def test_cases_when_known_place_then_locative_and_genitive(name, locative, genitive):
    found = cases(name)
    assert (found.locative, found.genitive) == (locative, genitive)


def test_cases_when_unknown_multi_word_name_then_none():
    assert cases("Nowa Wieś Mała").locative is None


def test_cases_when_every_place_of_the_tables_then_declined():
    names = {
        p.label.split(",")[0].removeprefix("wieś ") for cell in places().values() for p in cell
    }
    missing = sorted(n for n in names if cases(n).locative is None)
    assert missing == []


@pytest.mark.parametrize(
    ("word", "in_", "from_"),
    [
        ("Wrocławiu", "we", "z"),
        ("Warszawie", "w", "z"),
        ("Szczecina", "w", "ze"),
        ("Sopotu", "w", "z"),
        ("Wschowy", "we", "ze"),
        ("Żagania", "w", "z"),
    ],
)
def test_prepositions_when_consonant_cluster_then_we_or_ze(word, in_, from_):
    assert (in_place(word), from_place(word)) == (in_, from_)
