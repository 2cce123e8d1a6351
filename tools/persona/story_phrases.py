"""Polish sentence patterns of the template writer (tools/persona/story.py).

Markers fill in the grammatical gender: ``{ł}`` past tense (pracował / pracowała), ``{y}`` and
``{i}`` adjective endings (sumienny / sumienna, towarzyski / towarzyska), ``{on}`` the pronoun
(on / ona), ``{niego}`` after a preposition (dla niego / dla niej), ``{go}`` the accusative (go / ją), ``{nia}`` the accusative after a preposition (na niego / na nią), ``{jego}`` the possessive
(jego / jej), ``{mu}`` the dative (mu / jej). A pattern with no marker suits everyone; non-binary personas get only those.
``{name}`` is the first name, ``{loc}`` the place with its preposition ("w Kielcach").
"""

from __future__ import annotations

INTRO = (
    "{name} {surname} ma {age} {years} i mieszka {loc}.",
    "{name} {surname}, rocznik {birth_year}, mieszka {loc}.",
    "{name} {surname} urodzi{ł} się w {birth_year} roku, dziś mieszka {loc}.",
    "{name} {surname} od lat mieszka {loc}; w tym roku kończy {age} {years}.",
    "{name} {surname} ({age} {years}) na co dzień mieszka {loc}.",
)
INTRO_FROM = (
    "{name} {surname} pochodzi {from_place} i tam mieszka; ma {age} {years}.",
    "{name} {surname} ma {age} {years}. Całe życie związa{ł} z rodzinnym miejscem: mieszka {loc}.",
)

WORK = (
    "Pracuje jako {occupation}.",
    "Zawodowo: {occupation}.",
    "Na życie zarabia jako {occupation}.",
    "Od kilku lat pracuje jako {occupation}.",
    "Utrzymuje się z pracy jako {occupation}.",
)
# Occupations that are a status rather than a job (masculine table form -> sentences).
STATUS = {
    "uczeń szkoły średniej": ("Uczy się w szkole średniej.", "Chodzi do szkoły średniej."),
    "student": ("Studiuje.", "Jest na studiach i dorabia dorywczo."),
    "emeryt": ("Jest na emeryturze.", "Od kilku lat jest na emeryturze."),
    "rencista": ("Utrzymuje się z renty.", "Pobiera rentę."),
    "bezrobotny": ("Obecnie szuka pracy.", "Od jakiegoś czasu szuka pracy."),
    "zajmuje się domem": ("Zajmuje się domem.", "Prowadzi dom i nie pracuje zawodowo."),
    "rolnik": ("Prowadzi gospodarstwo rolne.", "Pracuje we własnym gospodarstwie."),
    "właściciel firmy (JDG)": (
        "Prowadzi jednoosobową działalność gospodarczą.",
        "Pracuje na swoim, w jednoosobowej firmie.",
    ),
}

EDUCATION = {
    "wyższe": (
        "Ma wykształcenie wyższe.",
        "Ukończy{ł} studia.",
        "Skończy{ł} studia i zdoby{ł} dyplom.",
    ),
    "średnie": (
        "Ma wykształcenie średnie.",
        "Zda{ł} maturę.",
        "Skończy{ł} szkołę średnią z maturą.",
    ),
    "zasadnicze zawodowe": (
        "Ma wykształcenie zasadnicze zawodowe.",
        "Skończy{ł} szkołę zawodową.",
        "Fach zdoby{ł} w szkole zawodowej.",
    ),
    "podstawowe": (
        "Ma wykształcenie podstawowe.",
        "Edukację zakończy{ł} na szkole podstawowej.",
    ),
}

INCOME = {
    "<3000 PLN": (
        "Ma do dyspozycji mniej niż 3000 zł netto miesięcznie, więc pilnuje każdego wydatku.",
        "Miesięcznie ma na rękę poniżej 3000 zł i musi dokładnie liczyć pieniądze.",
    ),
    "3000-5000 PLN": (
        "Miesięcznie ma na rękę od 3000 do 5000 zł i starannie planuje wydatki.",
        "Zarabia 3000-5000 zł netto; na większe zakupy odkłada przez kilka miesięcy.",
    ),
    "5000-7500 PLN": (
        "Zarabia 5000-7500 zł netto miesięcznie, co pozwala na spokojne życie bez zbytków.",
        "Ma na rękę od 5000 do 7500 zł miesięcznie i co miesiąc trochę odkłada.",
    ),
    "7500-10000 PLN": (
        "Zarabia 7500-10000 zł netto miesięcznie i może sobie pozwolić na wygodne życie.",
        "Miesięcznie ma na rękę od 7500 do 10000 zł; stać {go} na większe zakupy.",
    ),
    ">10000 PLN": (
        "Zarabia ponad 10000 zł netto miesięcznie.",
        "Ma na rękę ponad 10000 zł miesięcznie i nie musi oglądać każdej złotówki.",
    ),
}

# Big Five: (trait, high?) -> sentences.
TRAITS = {
    ("openness", True): (
        "Jest ciekaw{y} świata i chętnie próbuje nowych rzeczy.",
        "Lubi nowe pomysły, książki i miejsca, których jeszcze nie zna.",
    ),
    ("openness", False): (
        "Ceni sprawdzone rozwiązania i nie przepada za nowinkami.",
        "Woli to, co zna, od eksperymentów.",
    ),
    ("conscientiousness", True): (
        "Jest sumienn{y} i dobrze zorganizowan{y}.",
        "Lubi porządek i zawsze dotrzymuje terminów.",
    ),
    ("conscientiousness", False): (
        "Działa spontanicznie, a plany traktuje luźno.",
        "Nie lubi sztywnych planów i często działa pod wpływem chwili.",
    ),
    ("extraversion", True): (
        "Jest towarzysk{i} i dobrze czuje się wśród ludzi.",
        "Lubi spotkania w większym gronie i łatwo nawiązuje znajomości.",
    ),
    ("extraversion", False): (
        "Jest raczej cich{y} i najlepiej odpoczywa w spokoju.",
        "Woli spokojne wieczory w domu niż hałaśliwe imprezy.",
    ),
    ("agreeableness", True): (
        "Jest życzliw{y} i chętnie pomaga innym.",
        "Znajomi cenią {go} za cierpliwość i dobre serce.",
    ),
    ("agreeableness", False): (
        "Mówi wprost, co myśli, i nie unika sporów.",
        "Twardo negocjuje i nie daje się łatwo przekonać.",
    ),
    ("neuroticism", True): (
        "Łatwo się martwi, zwłaszcza o pieniądze i zdrowie bliskich.",
        "Stres odczuwa mocno i potrzebuje czasu, by się wyciszyć.",
    ),
    ("neuroticism", False): (
        "Zachowuje spokój nawet w trudnych sytuacjach.",
        "Rzadko daje się wyprowadzić z równowagi.",
    ),
}

VALUE_LEAD = (
    "Najważniejsze są dla {niego} {gloss}.",
    "Na pierwszym miejscu stawia {gloss_short}.",
    "Najbardziej ceni {keyword_acc}.",
)
# Schwartz value -> sentences that show it in daily life.
VALUE_LIFE = {
    "self_direction": (
        "Decyzje lubi podejmować samodzielnie i po swojemu.",
        "Ceni swobodę i nie znosi, gdy ktoś narzuca {mu} zdanie.",
    ),
    "stimulation": (
        "Szuka nowych wrażeń i nie lubi rutyny.",
        "Chętnie wyjeżdża tam, gdzie jeszcze nie by{ł}.",
    ),
    "hedonism": (
        "Lubi dobrze zjeść i umie odpoczywać.",
        "Nie odmawia sobie drobnych przyjemności.",
    ),
    "achievement": (
        "Stawia sobie ambitne cele i konsekwentnie do nich dąży.",
        "Chce się rozwijać i być w czymś naprawdę dobr{y}.",
    ),
    "power": (
        "Zależy {mu} na pozycji i na tym, by mieć wpływ na decyzje.",
        "Ceni prestiż i lubi mieć ostatnie słowo.",
    ),
    "security": (
        "Co miesiąc odkłada część pieniędzy na czarną godzinę.",
        "Stabilność i bezpieczeństwo bliskich stawia na pierwszym miejscu.",
    ),
    "conformity": (
        "Przestrzega zasad i nie lubi, gdy inni je łamią.",
        "Dba o to, by nikogo nie urazić.",
    ),
    "tradition": (
        "Święta spędza z rodziną, zgodnie z tradycją.",
        "Przywiązuje wagę do zwyczajów wyniesionych z domu.",
    ),
    "benevolence": (
        "Rodzina i przyjaciele mogą na {nia} zawsze liczyć.",
        "Chętnie pomaga bliskim i sąsiadom.",
    ),
    "universalism": (
        "Segreguje śmieci i zwraca uwagę na to, skąd pochodzą produkty.",
        "Los innych ludzi i przyrody nie jest {mu} obojętny.",
    ),
}
# Hofstede: (dimension, high?) -> a sentence about decisions and money.
HOFSTEDE = {
    ("uncertainty_avoidance", True): (
        "Przed większym zakupem długo porównuje oferty i czyta opinie.",
        "Woli sprawdzone marki niż ryzyko rozczarowania.",
    ),
    ("uncertainty_avoidance", False): ("Nie boi się nowości i chętnie testuje nowe marki.",),
    ("individualism", True): ("Decyzje zakupowe podejmuje samodzielnie.",),
    ("individualism", False): ("Przy ważnych decyzjach radzi się rodziny.",),
    ("indulgence", True): ("Lubi czasem sprawić sobie przyjemność.",),
    ("indulgence", False): ("Rzadko pozwala sobie na zbytki.",),
    ("long_term_orientation", True): ("Planuje wydatki z dużym wyprzedzeniem.",),
    ("long_term_orientation", False): ("Żyje raczej dniem dzisiejszym niż odległymi planami.",),
    ("power_distance", True): ("Szanuje hierarchię i autorytety.",),
    ("power_distance", False): ("Z przełożonymi rozmawia jak z równymi sobie.",),
}
# Settlement class (or "big_city") -> a sentence about where and how the person lives.
PLACE = {
    "village": (
        "Ceni spokój wsi i bliskość natury.",
        "Do sklepów i urzędów dojeżdża samochodem do pobliskiego miasta.",
        "Zna wszystkich sąsiadów i lubi wiejski rytm życia.",
        "Bez samochodu trudno {mu} się obejść, bo autobus jeździ rzadko.",
        "Większe zakupy robi raz w tygodniu w najbliższym mieście.",
    ),
    "town": (
        "Lubi to, że w małym mieście wszędzie jest blisko.",
        "W swoim mieście zna wiele osób i załatwia sprawy bez pośpiechu.",
        "Na większe zakupy i do lekarzy specjalistów jeździ do dużego miasta.",
    ),
    "big_city": (
        "Korzysta z oferty dużego miasta: kin, restauracji i wydarzeń.",
        "Po mieście porusza się głównie komunikacją miejską.",
        "Docenia możliwości dużego miasta, choć męczą {go} korki.",
    ),
}
INTERESTS = (
    "W wolnym czasie stawia na: {interests}.",
    "{jego_cap} pasje to {interests}.",
    "Do {jego} zainteresowań należą {interests}.",
    "Po pracy znajduje czas na to, co lubi: {interests}.",
)
# Interests a place or an age makes likely (added to the trait- and value-based ones).
PLACE_INTERESTS = {
    "village": ("działka i ogród", "wędkarstwo", "grzybobranie", "jazda na rowerze"),
    "town": ("spacery", "jazda na rowerze", "lokalne wydarzenia"),
    "big_city": ("kino", "kawiarnie", "bieganie", "koncerty"),
}
AGE_INTERESTS = (
    (0, 30, ("gry wideo", "media społecznościowe", "siłownia", "muzyka")),
    (30, 50, ("gotowanie", "seriale", "wycieczki rowerowe")),
    (50, 65, ("ogród", "podróże krajowe", "czytanie gazet")),
    (65, 200, ("krzyżówki", "ogród", "spacery", "radio")),
)
# Schwartz value keywords whose accusative the rule (a final -a becomes -ę) gets wrong.
ACCUSATIVE = {"stała praca": "stałą pracę"}
