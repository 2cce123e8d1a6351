"""Harder planted theme sets, measured by the focus-group eval and reported (not gated).

Written for the eval: three and four families of Polish complaints whose vocabulary overlaps
(subscription price and cancellation, for one); the embedded embedder separates them poorly.
"""

THEME_SETS = {
    "bank": {
        "fees": [
            "Opłaty za konto są za wysokie.",
            "Bank pobiera prowizję za wszystko, nawet za przelew.",
            "Płacę za kartę, choć jej prawie nie używam.",
            "Ukryte opłaty w regulaminie mnie denerwują.",
            "Za prowadzenie rachunku płacę więcej niż w innych bankach.",
            "Każda wypłata z bankomatu kosztuje mnie kilka złotych.",
        ],
        "app": [
            "Aplikacja mobilna ciągle się zawiesza.",
            "Logowanie w aplikacji trwa wieki.",
            "Nie mogę znaleźć w aplikacji historii przelewów.",
            "Po aktualizacji aplikacja przestała działać na moim telefonie.",
            "Interfejs aplikacji jest nieczytelny i chaotyczny.",
            "Powiadomienia z aplikacji przychodzą z opóźnieniem.",
        ],
        "service": [
            "Konsultant na infolinii był niemiły.",
            "Czekałem godzinę na połączenie z doradcą.",
            "W oddziale nikt nie potrafił mi pomóc.",
            "Obsługa klienta odpisuje po tygodniu.",
            "Doradca nie znał oferty własnego banku.",
            "Reklamację rozpatrywano trzy miesiące.",
        ],
    },
    "coffee": {
        "taste": [
            "Kawa jest za kwaśna jak na mój gust.",
            "Smak jest płaski, bez aromatu.",
            "Lubię intensywny smak, a ta kawa jest słaba.",
            "Ziarna są przepalone i gorzkie.",
            "Aromat ulatnia się po kilku dniach.",
            "Mieszanka ma ciekawy, owocowy posmak.",
        ],
        "delivery": [
            "Paczka przyszła z tygodniowym opóźnieniem.",
            "Kurier zostawił kawę pod drzwiami na deszczu.",
            "Dostawa jest za rzadko, kończy mi się kawa.",
            "Nie mogę zmienić terminu wysyłki.",
            "Przesyłka przyszła uszkodzona.",
            "Chciałbym odbierać kawę w paczkomacie.",
        ],
        "price": [
            "Subskrypcja jest za droga.",
            "W sklepie kupię kawę taniej.",
            "Za miesiąc płacę więcej niż za abonament telefonu.",
            "Cena wzrosła bez uprzedzenia.",
            "Nie opłaca mi się to przy mojej pensji.",
            "Rabat dla stałych klientów jest za mały.",
        ],
        "cancel": [
            "Nie da się łatwo zrezygnować z subskrypcji.",
            "Anulowanie wymaga telefonu na infolinię.",
            "Chciałem zawiesić dostawy na wakacje i nie mogłem.",
            "Rezygnacja trwała miesiąc.",
            "Regulamin utrudnia wypowiedzenie umowy.",
            "Nie ma przycisku do anulowania w panelu.",
        ],
    },
}
