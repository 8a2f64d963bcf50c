"""Word lists the generator draws names from.

Every list is cp1252-safe, because Woonstichting Zaanoever delivers Windows-1252 files, and free of
double quotes and backslashes, because the JSON writer quotes values without an escape pass.
Surnames are drawn independently of every latent variable, so no name can act as a proxy for risk.
"""

# (tussenvoegsel, achternaam); a mix of common Dutch surnames and surnames common in the Zaanstreek.
SURNAMES: tuple[tuple[str, str], ...] = (
    ("de", "Jong"), ("", "Jansen"), ("de", "Vries"), ("van den", "Berg"), ("van", "Dijk"),
    ("", "Bakker"), ("", "Janssen"), ("", "Visser"), ("", "Smit"), ("", "Meijer"),
    ("de", "Boer"), ("", "Mulder"), ("de", "Groot"), ("", "Bos"), ("", "Vos"),
    ("", "Peters"), ("", "Hendriks"), ("van", "Leeuwen"), ("", "Dekker"), ("", "Brouwer"),
    ("de", "Wit"), ("", "Dijkstra"), ("", "Smits"), ("de", "Graaf"), ("van der", "Meer"),
    ("van der", "Linden"), ("", "Kok"), ("", "Jacobs"), ("de", "Haan"), ("", "Vermeulen"),
    ("van den", "Heuvel"), ("van der", "Veen"), ("van den", "Broek"), ("de", "Bruijn"),
    ("van der", "Heijden"), ("", "Schouten"), ("van", "Beek"), ("", "Willems"),
    ("van", "Vliet"), ("van de", "Ven"), ("", "Hoekstra"), ("", "Maas"), ("", "Verhoeven"),
    ("", "Koster"), ("van", "Dam"), ("van der", "Wal"), ("", "Prins"), ("", "Blom"),
    ("", "Huisman"), ("de", "Jonge"), ("", "Kuipers"), ("van", "Veen"), ("", "Post"),
    ("", "Kuiper"), ("", "Veenstra"), ("", "Kramer"), ("van den", "Brink"), ("", "Scholten"),
    ("van", "Wijk"), ("", "Postma"), ("", "Martens"), ("", "Vink"), ("de", "Ruiter"),
    ("", "Timmermans"), ("", "Groen"), ("", "Gerritsen"), ("", "Jonker"), ("van", "Loon"),
    ("", "Boersma"), ("van der", "Velde"), ("", "Willemsen"), ("de", "Lange"), ("", "Bosch"),
    ("van", "Dongen"), ("", "Schipper"), ("de", "Koning"), ("van der", "Laan"),
    ("", "Driessen"), ("van", "Doorn"), ("", "Hermans"), ("", "Evers"), ("van der", "Meulen"),
    ("", "Hofman"), ("", "Bosman"), ("", "Wolters"), ("", "Sanders"), ("van der", "Horst"),
    ("", "Mol"), ("", "Molenaar"), ("van de", "Pol"), ("de", "Leeuw"), ("", "Verbeek"),
    ("", "Kaaij"), ("", "Stuurman"), ("", "Zwart"), ("", "Oud"), ("", "Sluijter"),
    ("", "Yilmaz"), ("", "Kaya"), ("", "Demir"), ("", "Çelik"), ("", "Öztürk"),
    ("", "Aydin"), ("", "Yildiz"), ("", "El Amrani"), ("", "Bouzid"), ("", "Benali"),
    ("", "El Idrissi"), ("", "Ait Taleb"), ("", "Tahiri"), ("", "Haddou"), ("", "Ramdin"),
    ("", "Sewdien"), ("", "Pinas"), ("", "Doekhie"), ("", "Wijngaarde"), ("", "Mahabier"),
    ("", "Kowalski"), ("", "Nowak"), ("", "Silva"), ("", "Santos"), ("", "Nguyen"),
    ("", "Ahmadi"), ("", "Mohamed"), ("", "Hassan"), ("", "Müller"), ("", "Gönül"),
)

INITIALS = "JAMHPCWGRESKLNTDFBIY"
INITIAL_WEIGHTS = (
    14, 12, 10, 8, 8, 6, 6, 5, 5, 5, 5, 4, 4, 3, 3, 3, 2, 2, 1, 1,
)

# Street names are composites; combined with the impossible postcode letters no address is real.
STREET_STEMS: tuple[str, ...] = (
    "Molen", "Zaan", "Vlier", "Kool", "Boter", "Meeuwen", "Zuring", "Vlas", "Kaas", "Roggen",
    "Kalk", "Zeil", "Touw", "Hout", "Olie", "Mosterd", "Pelder", "Snuif", "Cacao", "Verf",
    "Sluis", "Veer", "Weide", "Riet", "Lis", "Eiken", "Linden", "Beuken", "Wilgen", "Iepen",
    "Elzen", "Berken", "Kastanje", "Meidoorn", "Vlinder", "Zwaluw", "Reiger", "Kievit",
    "Grutto", "Tureluur", "Merel", "Lijster", "Spreeuw", "Wulp", "Kemphaan", "Schol",
    "Bokking", "Haring", "Ketting", "Schuit", "Praam", "Roeier", "Zeeman", "Kuiper", "Smids",
    "Wevers", "Kolk", "Brink", "Kerk", "Schans", "Haven", "Polder", "Gras", "Klaver",
    "Boterbloem", "Zonnebloem", "Tulp", "Narcis", "Krokus", "Dahlia", "Iris", "Anjer",
    "Lupine", "Ganzen", "Eenden", "Zwanen", "Hennep", "Lijnbaan", "Zaag", "Wind", "Wieken",
    "Stellingen", "Paltrok", "Spinnekop", "Koren", "Tarwe", "Gerst", "Haver", "Vlot", "Jol",
)
STREET_SUFFIXES: tuple[str, ...] = (
    "straat", "weg", "laan", "pad", "singel", "dreef", "hof", "plein", "kade", "gracht",
    "erf", "dijk", "wal", "steeg", "park", "veld",
)

BUURT_SUFFIXES: tuple[str, ...] = (
    "buurt", "hoek", "kwartier", "veld", "park", "eiland", "akker", "kamp", "wijk", "zoom",
)

# Woonplaats names for the replicated regions (region 2 and up).
PLACE_PREFIXES: tuple[str, ...] = (
    "Ooster", "Wester", "Noorder", "Zuider", "Nieuw", "Oud", "Groot", "Klein", "Hoog", "Laag",
    "Broek", "Mid", "Bree", "Hazel", "Rijp", "Schel", "Dorre", "Wit", "Zwart", "Rood",
)
PLACE_STEMS: tuple[str, ...] = (
    "vliet", "dam", "woude", "meer", "broek", "horst", "veen", "dijk", "sloot", "wijk",
    "zijl", "gouw", "kerk", "voort", "hoven", "haven", "wold", "rade", "loo", "zande",
)

OPMERKINGEN: tuple[str, ...] = (
    "klant belt terug", "regeling aangeboden", "brief retour", "huurder onbereikbaar",
    "dossier bij incasso", "zie eerdere melding", "na overleg met consulent", "",
)
