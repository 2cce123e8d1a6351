"""Polish texts for Semantic Similarity Rating: anchor statements and graded check statements.

Anchor sets give one statement per scale point in a generic wording (purchase intent,
agreement, evaluation), so one SSR fits most likert questions; the pmf is averaged over sets,
as Maier et al. (2025) average over theirs. The graded statements are answers with a known
point, written like a persona's one-sentence reason; ``ssr.check_ssr`` rates them to see
whether an embedder can tell the points apart at all.
"""

from __future__ import annotations

ANCHOR_SETS: dict[int, tuple[tuple[str, ...], ...]] = {
    5: (
        (
            "Zdecydowanie bym tego nie kupił, w ogóle mnie to nie interesuje.",
            "Raczej bym tego nie kupił, mam sporo zastrzeżeń.",
            "Trudno powiedzieć, może bym to kupił, a może nie.",
            "Raczej bym to kupił, wygląda to zachęcająco.",
            "Zdecydowanie bym to kupił, bardzo mi się to podoba.",
        ),
        (
            "Zdecydowanie się z tym nie zgadzam.",
            "Raczej się z tym nie zgadzam.",
            "Ani się z tym zgadzam, ani nie zgadzam.",
            "Raczej się z tym zgadzam.",
            "Zdecydowanie się z tym zgadzam.",
        ),
        (
            "To jest bardzo złe, zupełnie mi się nie podoba.",
            "To jest raczej słabe, niezbyt mi się podoba.",
            "To jest przeciętne, ani dobre, ani złe.",
            "To jest całkiem dobre, podoba mi się.",
            "To jest świetne, jestem zachwycony.",
        ),
    ),
    7: (
        (
            "Na pewno bym tego nie kupił, w ogóle mnie to nie interesuje.",
            "Raczej bym tego nie kupił, mam poważne zastrzeżenia.",
            "Chyba bym tego nie kupił, choć nie wykluczam.",
            "Nie wiem, czy bym to kupił, jestem niezdecydowany.",
            "Może bym to kupił, jestem lekko na tak.",
            "Raczej bym to kupił, wygląda to zachęcająco.",
            "Na pewno bym to kupił, bardzo mi się to podoba.",
        ),
        (
            "Całkowicie się z tym nie zgadzam.",
            "Nie zgadzam się z tym.",
            "Raczej się z tym nie zgadzam.",
            "Ani się z tym zgadzam, ani nie zgadzam.",
            "Raczej się z tym zgadzam.",
            "Zgadzam się z tym.",
            "Całkowicie się z tym zgadzam.",
        ),
        (
            "To jest fatalne, zupełnie mi się nie podoba.",
            "To jest złe, nie podoba mi się.",
            "To jest raczej słabe, niezbyt mi się podoba.",
            "To jest przeciętne, ani dobre, ani złe.",
            "To jest niezłe, raczej mi się podoba.",
            "To jest dobre, podoba mi się.",
            "To jest świetne, jestem zachwycony.",
        ),
    ),
}

_GRADED_5: tuple[tuple[int, str], ...] = (
    (1, "Nie kupię tego, to zupełnie nie dla mnie i szkoda na to pieniędzy."),
    (1, "Absolutnie nie, ten produkt w ogóle mnie nie przekonuje."),
    (1, "W żadnym wypadku, to mi się do niczego nie przyda."),
    (2, "Raczej nie, mam zbyt wiele wątpliwości co do jakości."),
    (2, "Chyba się nie skuszę, cena wydaje mi się trochę za wysoka."),
    (2, "Mało prawdopodobne, wolę to, czego używam teraz."),
    (3, "Trudno powiedzieć, musiałbym to najpierw zobaczyć na żywo."),
    (3, "Może tak, może nie, wszystko zależy od ceny."),
    (3, "Nie mam wyrobionego zdania, widzę i zalety, i wady."),
    (4, "Raczej tak, brzmi to całkiem ciekawie."),
    (4, "Pewnie się skuszę, jeśli cena będzie rozsądna."),
    (4, "Podoba mi się to, chyba to kupię."),
    (5, "Na pewno kupię, to dokładnie to, czego potrzebuję."),
    (5, "Zdecydowanie tak, jestem zachwycony tym produktem."),
    (5, "Kupię bez wahania, to świetna oferta."),
)

_GRADED_7: tuple[tuple[int, str], ...] = (
    (1, "Nie kupię tego, to zupełnie nie dla mnie i szkoda na to pieniędzy."),
    (1, "Absolutnie nie, ten produkt w ogóle mnie nie przekonuje."),
    (1, "W żadnym wypadku, to mi się do niczego nie przyda."),
    (2, "Nie, to mi się nie podoba i raczej się nie przyda."),
    (2, "Nie sądzę, żebym to kupił, za dużo tu minusów."),
    (2, "Nie kupiłbym, bo jest drogo, a korzyści są małe."),
    (3, "Raczej nie, mam sporo wątpliwości co do jakości."),
    (3, "Chyba się nie skuszę, choć coś w tym jest."),
    (3, "Wątpię, ale nie wykluczam, jeśli cena spadnie."),
    (4, "Trudno powiedzieć, musiałbym to najpierw zobaczyć na żywo."),
    (4, "Może tak, może nie, wszystko zależy od ceny."),
    (4, "Nie mam wyrobionego zdania, widzę i zalety, i wady."),
    (5, "Może się skuszę, wygląda to nieźle."),
    (5, "Jestem lekko na tak, choć mam drobne wątpliwości."),
    (5, "Całkiem możliwe, że to kupię, jeśli znajdę promocję."),
    (6, "Raczej tak, podoba mi się i pewnie to kupię."),
    (6, "Pewnie się skuszę, to dobra propozycja."),
    (6, "Chętnie bym to kupił, to rozsądny wybór."),
    (7, "Na pewno kupię, to dokładnie to, czego potrzebuję."),
    (7, "Zdecydowanie tak, jestem zachwycony tym produktem."),
    (7, "Kupię bez wahania, to świetna oferta."),
)

GRADED_STATEMENTS: dict[int, tuple[tuple[int, str], ...]] = {5: _GRADED_5, 7: _GRADED_7}
