"""Polish consumer-opinion sentiment lexicon: lemma -> polarity in [-1, 1], plus modifiers.

Strong words score +-1, ordinary ones about +-0.6, mild or context-dependent ones +-0.3.
Words whose polarity depends on the thing judged ("wysoki", "niski", "wolny") are left out.
Adjectives are listed by their dictionary form; ``adjective_forms`` spells out their inflected
forms, because the lemmatiser reads some of them as nouns ("drogi" -> "droga", a road).
"""

from __future__ import annotations

_STRONG_POSITIVE = """
świetny doskonały znakomity wspaniały rewelacyjny fantastyczny genialny idealny cudowny
zachwycony zachwycić zachwycać zachwyt polecać polecić uwielbiać kochać rewelacja
bezkonkurencyjny perfekcyjny najlepszy wyśmienity niesamowity rekomendować brawo
świetnie doskonale znakomicie wspaniale idealnie fantastycznie genialnie rewelacyjnie
cudownie perfekcyjnie niesamowicie ekstra super sukces wymarzony bezbłędny mistrzowski
"""
_POSITIVE = """
dobry dobrze fajny fajnie wygodny wygodnie wygoda tani tanio opłacalny przystępny atrakcyjny
korzystny korzystnie bezpieczny bezpiecznie bezpieczeństwo niezawodny solidny trwały wydajny
oszczędny ekonomiczny ekologiczny nowoczesny ładny piękny estetyczny elegancki przyjemny
przyjemnie komfortowy komfort cichy szybki szybko sprawny sprawnie praktyczny funkcjonalny
intuicyjny łatwy łatwo zadowolony zadowolenie satysfakcja zadowalający satysfakcjonujący
przydatny pożyteczny użyteczny pomocny wartościowy warto wart opłacać podobać lubić cieszyć
zaleta korzyść oszczędność okazja profesjonalny rzetelny uczciwy zaufanie ufać pewny
spokojny zdrowy czysty świeży smaczny pyszny pomysłowy innowacyjny ciekawy interesujący
zainteresowany zainteresowanie chętnie chętny entuzjazm radość stabilny elastyczny
przejrzysty czytelny zrozumiały dostępny sensowny rozsądny ulga ułatwiać ułatwienie
oszczędzać skuteczny efektywny udany przyjazny miły uprzejmy życzliwy punktualny wytrzymały
przestronny zachęcać zachęcający kuszący pozytywny pozytywnie zalecać wdzięczny niezły
nieźle lepszy lepiej tańszy taniej wygodniejszy bezpieczniejszy przekonany przekonujący
zadowalać cenić doceniać imponujący imponować olśniewający gustowny modny zgrabny
dopracowany przemyślany dopasowany sprawdzony renomowany prestiżowy luksusowy komfortowo
ekonomicznie ekologicznie nowocześnie praktycznie wydajnie solidnie
"""
_MILD_POSITIVE = """
ok okej spoko poprawny przyzwoity akceptowalny wystarczający plus zaleta promocja rabat
zniżka gwarancja pomagać zyskać zysk przewaga nadzieja optymistyczny dziękować działać
sens spełniać lekki pojemny mocny spokój jasny bogaty wystarczająco przystępnie
"""
_STRONG_NEGATIVE = """
fatalny okropny beznadziejny tragiczny koszmarny żałosny rozczarowanie rozczarowany
rozczarować rozczarowujący zawód zawieść zawodzić zawiedziony oszustwo oszust oszukać
oszukiwać naciągać naciąganie skandal skandaliczny katastrofa porażka dramat nienawidzić
najgorszy bubel badziewie szajs złom zdzierstwo horrendalny żenujący żenada masakra
chamski odradzać odradzić wadliwy fatalnie okropnie beznadziejnie tragicznie koszmarnie
"""
_NEGATIVE = """
zły źle kiepski kiepsko słaby słabo drożyzna przepłacać przepłacić niewygodny niewygodnie
uciążliwy uciążliwość męczący irytujący irytować denerwować denerwujący wkurzać frustrujący
frustracja awaria awaryjny psuć zepsuty zepsuć usterka wada defekt problematyczny
kłopotliwy niebezpieczny strata marnować marnowanie bezużyteczny nieprzydatny tandetny
tandeta nietrwały zawodny nieuczciwy niezadowolony niezadowolenie niemiły niegrzeczny
bezczelny absurd absurdalny bezsensowny bezsens nonsens przereklamowany nieopłacalny stres
stresujący uszkodzony uszkodzić chaos bałagan brudny śmierdzieć zniechęcać zniechęcony
odstraszać lipa kicha nieprzyjemny zawyżony zagrożenie pożar kradzież nieskuteczny
nieefektywny gorszy gorzej droższy drożej straszny strasznie smutny przykry niepotrzebny
zbędny skomplikowany mankament minus szkoda żal niestety narzekać skarga reklamacja
problem kłopot obawa obawiać bać strach niepokój niepokoić martwić ryzykowny powolny
nudny brzydki hałaśliwy opóźnienie zagmatwany nieprzejrzysty przestarzały wyciek
podwyżka niewystarczający negatywny negatywnie drogi drogo kosztowny stracić
psuje psują psuł psuła psuło psuły
"""
_MILD_NEGATIVE = """
trudny trudno trudność ryzyko wątpliwość wątpić sceptyczny nieufny brakować głośny
kolejka ograniczony ograniczenie niedostępny niejasny niepewny niepewność ciężki
rezygnować zrezygnować inflacja wypadek czekać przesadzony męczyć
"""


def _scored(*groups: tuple[str, float]) -> dict[str, float]:
    table: dict[str, float] = {}
    for words, score in groups:
        for word in words.split():
            table.setdefault(word, score)  # the first (stronger) group wins a duplicate
    return table


LEXICON: dict[str, float] = _scored(
    (_STRONG_POSITIVE, 1.0),
    (_STRONG_NEGATIVE, -1.0),
    (_POSITIVE, 0.6),
    (_NEGATIVE, -0.6),
    (_MILD_POSITIVE, 0.3),
    (_MILD_NEGATIVE, -0.3),
)

# A negator flips the next sentiment word ("nie jest drogi", "bez problemu").
NEGATORS = frozenset(
    {"nie", "bez", "ani", "brak", "zero", "żaden", "żadna", "żadne", "żadnych", "nigdy"}
)
# Multipliers of the next sentiment word.
INTENSIFIERS: dict[str, float] = {
    "bardzo": 1.5,
    "naprawdę": 1.3,
    "niezwykle": 1.5,
    "wyjątkowo": 1.5,
    "szalenie": 1.5,
    "mega": 1.5,
    "strasznie": 1.5,
    "okropnie": 1.5,
    "zbyt": 1.3,
    "absolutnie": 1.5,
    "totalnie": 1.5,
    "kompletnie": 1.5,
    "zupełnie": 1.3,
    "niesamowicie": 1.5,
    "ogromnie": 1.5,
    "najbardziej": 1.5,
    "całkiem": 0.9,
    "dość": 0.8,
    "dosyć": 0.8,
    "raczej": 0.7,
    "trochę": 0.6,
    "nieco": 0.6,
    "lekko": 0.6,
    "ciut": 0.6,
}
# After a contrast word the clause that follows carries the opinion ("dobry, ale drogi").
CONTRASTS = frozenset({"ale", "lecz", "jednak", "jednakże", "natomiast", "chociaż", "choć"})


def adjective_forms(lemma: str) -> list[str]:
    """Inflected forms of a Polish adjective given as its masculine nominative (-y or -i)."""
    if lemma.endswith("y"):
        stem = lemma[:-1]
        endings = ("a", "e", "ego", "ej", "emu", "ą", "ym", "ych", "ymi")
    elif lemma.endswith(("ki", "gi")):
        stem = lemma[:-1]
        endings = ("a", "ie", "iego", "iej", "iemu", "ą", "im", "ich", "imi")
    elif lemma.endswith("i"):
        stem = lemma
        endings = ("a", "e", "ego", "ej", "emu", "ą", "m", "ch", "mi")
    else:
        return []
    return [stem + e for e in endings]


def surface_table() -> dict[str, float]:
    """Every lexicon word and the inflected forms of its adjectives, with their polarity."""
    table = dict(LEXICON)
    for word, score in LEXICON.items():
        for form in adjective_forms(word):
            table.setdefault(form, score)
    return table
