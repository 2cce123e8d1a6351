"""Checks of a persona's narrative against its profile (tools/persona/narrative.py)."""

from __future__ import annotations

import pytest

from tools.persona.issues import PENALTIES
from tools.persona.narrative import (
    SCHWARTZ_VALUES,
    cities_in,
    narrative_issues,
    value_phrases,
)
from tools.persona.scoring import score

STORY = (
    "Anna Kowalska ma 34 lata i od urodzenia mieszka w Krakowie. Skończyła ekonomię na "
    "Uniwersytecie Ekonomicznym, a potem przez kilka lat pracowała w biurze rachunkowym na "
    "Podgórzu. Dziś prowadzi księgowość kilku małych firm. Jej mąż Piotr był kierowcą, a szkoła "
    "ich córki jest tuż za rogiem. Ceni spokój, stabilną pracę i zdrowie rodziny; w weekendy "
    "jeździ na rowerze nad Wisłą i piecze chleb na zakwasie."
)
PROFILE = {
    "age": 34,
    "gender": "kobieta",
    "education": "wyższe",
    "income_bracket": "5000-7500 PLN",
    "location": "Kraków",
    "birth_year": 1991,
    "top_values": ["security", "benevolence", "achievement"],
}


def _narrative(**changes) -> dict:
    base = {
        "first_name": "Anna",
        "last_name": "Kowalska",
        "occupation": "księgowa",
        "background_story": STORY,
        "values": ["bezpieczeństwo finansowe", "rodzina", "uczciwość"],
        "interests": ["jazda na rowerze", "pieczenie chleba", "kryminały"],
    }
    return base | changes


def _codes(narrative: dict, **profile) -> list[str]:
    return [i.code for i in narrative_issues(narrative, PROFILE | profile)]


def test_narrative_issues_when_good_story_of_woman_in_krakow_then_none():
    assert narrative_issues(_narrative(), PROFILE) == []


def test_narrative_issues_when_names_and_occupation_wrong_then_their_issues_included():
    codes = _codes(
        _narrative(
            first_name="Piotr",
            last_name="Kowalski",
            background_story=STORY.replace("Anna Kowalska", "Ona"),
        ),
        education="podstawowe",
    )
    assert "name_gender_mismatch" in codes and "surname_gender_mismatch" in codes
    codes = _codes(_narrative(occupation="lekarka"), education="średnie")
    assert codes == ["occupation_education_mismatch"]


def test_narrative_issues_when_story_in_english_then_not_polish():
    story = (
        "Anna is 34 and has lived in Krakow all her life. She studied economics, worked "
        "for a few years in an accounting office and now keeps the books of several small "
        "companies. She values calm, a steady job and her family's health."
    )
    codes = _codes(_narrative(background_story=story))
    assert codes == ["story_not_polish"]


def test_narrative_issues_when_story_in_german_then_not_polish():
    story = (
        "Anna ist 34 Jahre alt und wohnt seit ihrer Geburt in Krakau. Sie hat Wirtschaft "
        "studiert und arbeitet heute als Buchhalterin für mehrere kleine Firmen. Am "
        "Wochenende fährt sie gern Fahrrad und backt Brot mit Sauerteig."
    )
    assert "story_not_polish" in _codes(_narrative(background_story=story))


def test_narrative_issues_when_story_short_then_too_short():
    issues = narrative_issues(_narrative(background_story="Anna mieszka w Krakowie."), PROFILE)
    assert [i.code for i in issues] == ["story_too_short"]
    assert issues[0].penalty == PENALTIES["story_too_short"] == 10


@pytest.mark.parametrize(
    "wrong",
    [
        STORY.replace("pracowała", "pracował").replace("Skończyła", "Skończył"),
        "Mam 34 lata i mieszkam w Krakowie. Skończyłem ekonomię, potem pracowałem w biurze "
        "rachunkowym. Zawsze chciałem mieć własny dom z ogrodem, a szkoła moich dzieci jest blisko. "
        "Ważna jest dla mnie rodzina i spokój.",
    ],
)
def test_narrative_issues_when_woman_story_has_masculine_verbs_then_gender_mismatch(wrong):
    issues = [
        i
        for i in narrative_issues(_narrative(background_story=wrong), PROFILE)
        if i.code == "story_gender_mismatch"
    ]
    assert len(issues) == 1
    assert "'" in issues[0].message


def test_narrative_issues_when_man_story_has_feminine_verbs_then_gender_mismatch():
    story = (
        "Marek Nowak ma 52 lata i mieszka w Poznaniu. Pracowała jako elektryk przez "
        "trzydzieści lat, a teraz prowadziła własną firmę instalacyjną. Skończyła technikum "
        "elektryczne. Ceni porządek i stabilność."
    )
    narrative = _narrative(
        first_name="Marek", last_name="Nowak", occupation="elektryk", background_story=story
    )
    codes = _codes(
        narrative,
        gender="mężczyzna",
        age=52,
        birth_year=1973,
        location="Poznań",
        education="zasadnicze zawodowe",
    )
    assert codes == ["story_gender_mismatch"]


def test_narrative_issues_when_nouns_end_like_verbs_then_no_gender_mismatch():
    # szkoła, siła, stołem, kołem, kościół, zespołem, cała, mała: nouns and adjectives only.
    story = STORY + (
        " Cała rodzina spotyka się przy stole; nad stołem zastawionym jedzeniem "
        "siła zespołu i mała szkoła obok kościoła, kościół i anioł z kołem."
    )
    assert "story_gender_mismatch" not in _codes(_narrative(background_story=story))


def test_narrative_issues_when_husband_mentioned_in_third_person_then_no_gender_mismatch():
    story = STORY + " Mąż pracował w kopalni, potem był taksówkarzem i wrócił do Polski."
    assert "story_gender_mismatch" not in _codes(_narrative(background_story=story))


def test_narrative_issues_when_nonbinary_then_no_gender_check():
    story = STORY.replace("pracowała", "pracował").replace("Skończyła", "Skończył")
    codes = _codes(_narrative(first_name="Alex", background_story=story), gender="osoba niebinarna")
    assert "story_gender_mismatch" not in codes


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("ma 34 lata", "ma 45 lat"),
        ("Anna Kowalska ma 34 lata", "45-letnia Anna Kowalska"),
        ("ma 34 lata", "urodziła się w 1980 roku i"),
    ],
)
def test_narrative_issues_when_story_states_other_age_then_age_mismatch(old, new):
    issues = narrative_issues(_narrative(background_story=STORY.replace(old, new)), PROFILE)
    mismatches = [i for i in issues if i.code == "story_age_mismatch"]
    assert len(mismatches) == 1 and mismatches[0].penalty == 15
    assert "34" in mismatches[0].message or "1991" in mismatches[0].message


@pytest.mark.parametrize(
    "story",
    [
        STORY.replace("ma 34 lata", "ma 35 lat"),
        STORY.replace("ma 34 lata", "urodziła się w 1990 roku"),
        STORY + " Jej córka ma 6 lat, a 10-letni syn gra w piłkę. Ma 15-letni staż w zawodzie.",
    ],
)
def test_narrative_issues_when_age_within_a_year_or_about_others_then_no_age_mismatch(story):
    assert "story_age_mismatch" not in _codes(_narrative(background_story=story))


def test_narrative_issues_when_story_places_persona_elsewhere_then_location_mismatch():
    story = STORY.replace("w Krakowie", "we Wrocławiu")
    issues = [
        i
        for i in narrative_issues(_narrative(background_story=story), PROFILE)
        if i.code == "story_location_mismatch"
    ]
    assert len(issues) == 1 and "Wrocław" in issues[0].message


def test_narrative_issues_when_other_cities_besides_home_then_no_location_mismatch():
    story = STORY + " Studiowała w Poznaniu, a rodzice mieszkają pod Gdańskiem."
    assert "story_location_mismatch" not in _codes(_narrative(background_story=story))


def test_narrative_issues_when_persona_lives_in_village_then_no_location_check():
    story = STORY.replace("w Krakowie", "w Łodzi")
    codes = _codes(_narrative(background_story=story), location="mniejsza miejscowość lub wieś")
    assert "story_location_mismatch" not in codes


@pytest.mark.parametrize(
    ("text", "city"),
    [
        ("Mieszka we Wrocławiu.", "Wrocław"),
        ("Wyjechał z Poznania.", "Poznań"),
        ("Pracuje w Białymstoku.", "Białystok"),
        ("Mieszka w Zielonej Górze.", "Zielona Góra"),
        ("Dojeżdża do Bielska-Białej.", "Bielsko-Biała"),
        ("Uczy się w Łodzi.", "Łódź"),
        ("Kocha Warszawę.", "Warszawa"),
        ("Urodził się w Sosnowcu.", "Sosnowiec"),
        ("Mieszka w Tychach.", "Tychy"),
        ("Przyjechała z Katowic.", "Katowice"),
    ],
)
def test_cities_in_when_inflected_then_recognised(text, city):
    assert cities_in(text) == {city}


def test_cities_in_when_common_words_look_like_cities_then_ignored():
    assert cities_in("Tych ludzi nie zna; łódź stoi na brzegu, a opole to pole.") == set()


def test_narrative_issues_when_values_express_none_of_top_values_then_misaligned():
    narrative = _narrative(values=["władza", "prestiż", "przygoda"])
    issues = [i for i in narrative_issues(narrative, PROFILE) if i.code == "values_misaligned"]
    assert len(issues) == 1 and "władza" in issues[0].message


def test_narrative_issues_when_value_is_inflected_form_then_aligned():
    narrative = _narrative(values=["stabilne życie", "zdrowy tryb życia", "przyjaciele"])
    assert "values_misaligned" not in _codes(narrative)


def test_narrative_issues_when_items_repeat_then_the_persona_fails():
    narrative = _narrative(interests=["Rower", "rower", "kryminały"])
    assert _codes(narrative) == ["items_repeat", "too_few_items"]
    assert score([i.as_dict() for i in narrative_issues(narrative, PROFILE)]) == 0


@pytest.mark.parametrize(
    "story",
    [
        STORY.replace("Anna Kowalska ma", "Anna Nowak ma"),
        "Nazywam się Joanna i " + STORY[0].lower() + STORY[1:],
    ],
)
def test_narrative_issues_when_story_names_someone_else_then_name_mismatch(story):
    assert "story_name_mismatch" in _codes(_narrative(background_story=story))


def test_narrative_issues_when_husband_named_then_no_name_mismatch():
    story = STORY + " Jej mąż nazywa się Piotr, a córka ma na imię Zosia."
    assert "story_name_mismatch" not in _codes(_narrative(background_story=story))


def test_value_phrases_when_keys_given_then_polish_labels():
    assert value_phrases(["security", "tradition"]) == [
        "bezpieczeństwo (stabilność, porządek i zdrowie bliskich)",
        "tradycja (szacunek dla zwyczajów, religii i kultury)",
    ]
    assert len(SCHWARTZ_VALUES) == 10
    assert all(5 <= len(v.keywords) <= 10 for v in SCHWARTZ_VALUES.values())


def test_narrative_issues_when_story_gives_a_job_the_profile_rules_out_then_mismatch():
    story = (
        "Anna Nowak ma 34 lata i mieszka w Kielcach. Od lat pracuje jako lekarka w szpitalu "
        "wojewódzkim i lubi swoją pracę. W weekendy jeździ na rowerze po okolicznych lasach."
    )
    profile = {**PROFILE, "education": "średnie"}
    narrative = _narrative(occupation="kasjerka", background_story=story)
    codes = [i.code for i in narrative_issues(narrative, profile)]
    assert "story_occupation_mismatch" in codes


def test_narrative_issues_when_someone_else_has_the_job_then_no_mismatch():
    story = (
        "Anna Nowak ma 34 lata i mieszka w Kielcach. Pracuje jako kasjerka, a jej mąż jest "
        "lekarzem w szpitalu wojewódzkim. W weekendy jeździ na rowerze po okolicznych lasach."
    )
    profile = {**PROFILE, "education": "średnie"}
    narrative = _narrative(occupation="kasjerka", background_story=story)
    codes = [i.code for i in narrative_issues(narrative, profile)]
    assert "story_occupation_mismatch" not in codes


def test_narrative_issues_when_story_talks_to_the_reader_then_person_mismatch():
    story = (
        STORY + " Jeśli masz dobro bliskich, możesz im pomóc, nawet gdy potrzebujesz odpoczynku."
    )
    codes = [i.code for i in narrative_issues(_narrative(background_story=story), PROFILE)]
    assert "story_person_mismatch" in codes
    assert "story_person_mismatch" not in [i.code for i in narrative_issues(_narrative(), PROFILE)]
