"""Demo content for ``manage.py load_demo``.

Every fact here comes from the IMDi and Asker documents in ``/work/shared/seeds``,
retold in our own words. Where the seeds give no date, the schedule uses a stand-in,
marked as such beside it.
"""

from datetime import datetime
from typing import NotRequired, TypedDict
from zoneinfo import ZoneInfo

# The prize is Norwegian and so are its dates, whatever TIME_ZONE says.
OSLO = ZoneInfo("Europe/Oslo")


def oslo(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


class NomineeSpec(TypedDict):
    municipality: str  # municipality number
    summary: str
    justification: str
    key_figures: tuple[tuple[str, str], ...]  # (label, value); the first is the headline
    # The summary in other languages ("nn", "en"); the rest show the bokmål text.
    summary_translations: NotRequired[dict[str, str]]


class WinnerSpec(TypedDict):
    municipality: str  # municipality number
    justification: str


class RoundSpec(TypedDict):
    year: int
    title: str
    intro: str
    schedule: dict[str, datetime]  # PrizeRound schedule fields; the ones left out stay empty
    nominees: tuple[NomineeSpec, ...]
    winner: WinnerSpec | None


# (number, name, county, slug), with the numbers and counties in force from 2024.
MUNICIPALITIES: tuple[tuple[str, str, str, str], ...] = (
    ("3203", "Asker", "Akershus", "asker"),
    ("3201", "Bærum", "Akershus", "baerum"),
    ("3222", "Lørenskog", "Akershus", "lorenskog"),
    ("3407", "Gjøvik", "Innlandet", "gjovik"),
    ("3413", "Stange", "Innlandet", "stange"),
    ("1127", "Randaberg", "Rogaland", "randaberg"),
    ("1563", "Sunndal", "Møre og Romsdal", "sunndal"),
    ("5501", "Tromsø", "Troms", "tromso"),
    ("4621", "Voss", "Vestland", "voss"),
    ("5006", "Steinkjer", "Trøndelag", "steinkjer"),
    ("5607", "Vadsø", "Finnmark", "vadso"),
    ("5037", "Levanger", "Trøndelag", "levanger"),
    ("4204", "Kristiansand", "Agder", "kristiansand"),
    ("4014", "Kragerø", "Telemark", "kragero"),
    ("1506", "Molde", "Møre og Romsdal", "molde"),
    ("5603", "Hammerfest", "Finnmark", "hammerfest"),
    ("3301", "Drammen", "Buskerud", "drammen"),
    ("4202", "Grimstad", "Agder", "grimstad"),
    ("5001", "Trondheim", "Trøndelag", "trondheim"),
)

ASKER, BAERUM, LORENSKOG, GJOVIK, STANGE = "3203", "3201", "3222", "3407", "3413"
RANDABERG, SUNNDAL, TROMSO, VOSS, STEINKJER = "1127", "1563", "5501", "4621", "5006"


# 2018: the seeds name the six nominees, but describe only Asker's work.
def _nominated_2018(name: str, number: str) -> NomineeSpec:
    return {
        "municipality": number,
        "summary": "Én av seks kommuner nominert til prisen for 2018.",
        "justification": (
            f"{name} var blant de seks kommunene IMDi nominerte til Bosettings- og "
            "integreringsprisen 2018. IMDi plukker ut de nominerte blant kommunene som tar "
            "imot flyktninger, og ser på hvilke resultater de oppnår og hvor godt "
            "integreringsarbeidet deres holder mål."
        ),
        "key_figures": (),
    }


ASKER_2018: NomineeSpec = {
    "municipality": ASKER,
    "summary": (
        "Familiehjem for enslige mindreårige, Systua på IKEA Slependen og tett samarbeid "
        "mellom kommunen, NAV og arbeidslivet."
    ),
    "justification": (
        "Asker er en av kommunene med lengst erfaring i å bosette enslige mindreårige "
        "flyktninger. Sammen med SOS-barnebyer har kommunen laget familiehjem der barna blir "
        "boende om fosterforeldrene slutter: det er de voksne som flytter ut, så barna beholder "
        "skolen, vennene og nærmiljøet sitt. Flyktningetjenesten, NAV og Folkeuniversitetet "
        "samarbeider om et introduksjonsprogram med tidlig kartlegging, tidlig praksis og "
        "norskopplæring på ulike spor og nivåer, og alle barnefamilier får tilbud om "
        "veiledningsprogrammet ICDP. På Systua ved IKEA Slependen, et samarbeidsprosjekt mellom "
        "kommunen, NAV Asker, IKEA og den sosiale entreprenøren Sisters in Business, får "
        "innvandrerkvinner som står langt fra arbeidslivet opplæring i søm, salg og service og "
        "norsk; fem av dem fikk fast jobb der det første driftsåret. Gjennom Jobbsjansen får "
        "kvinner med innvandrerbakgrunn kvalifisering, og deltakere som trenger et lengre løp, "
        "får et fjerde år i introduksjonsprogrammet. Voksne uten grunnskole kan ta fagbrev som "
        "helsefagarbeider eller barne- og ungdomsarbeider gjennom egne løp. Asker Velferdslab "
        "samordner tjenestene til familier og unge i en vanskelig livssituasjon og behandler "
        "velferd som en investering heller enn en kostnad; den var en av grunnene til at Asker "
        "vant Kommunal- og moderniseringsdepartementets innovasjonspris i 2017. Høsten 2017 "
        "vedtok kommunen en ny temaplan for mangfold og inkludering."
    ),
    "key_figures": (
        (
            "i arbeid eller utdanning ett år etter introduksjonsprogrammet (2015, landet: 58 %)",
            "80 %",
        ),
        (
            "i arbeid eller utdanning ett år etter introduksjonsprogrammet (2016, landet: 61 %)",
            "79 %",
        ),
        ("flyktninger bosatt 2015–2018, enslige mindreårige medregnet", "444"),
        ("innbyggere er første- eller andregenerasjons innvandrere, fra 131 land", "1 av 5"),
    ),
}

ROUND_2018: RoundSpec = {
    "year": 2018,
    "title": "Bosettings- og integreringsprisen 2018",
    "intro": (
        "IMDi nominerte seks kommuner som bosetter flyktninger: Bærum, Steinkjer, Lørenskog, "
        "Stange, Tromsø og Asker. Prisen ble delt ut på IMDis integreringskonferanse på "
        "Gardermoen 13. februar 2019."
    ),
    "schedule": {
        # Only the award date is in the seeds. The rest are stand-ins that fit them: Asker's
        # nominee page still asked for votes when it was updated on 17 December 2018.
        "nominees_published_at": oslo(2018, 11, 26, 10),
        "voting_opens_at": oslo(2018, 12, 3, 9),
        "voting_closes_at": oslo(2019, 1, 6, 23, 59),
        "finalists_announced_at": oslo(2019, 1, 21, 10),
        "winner_announced_at": oslo(2019, 2, 13, 12),
    },
    "nominees": (
        _nominated_2018("Bærum", BAERUM),
        _nominated_2018("Steinkjer", STEINKJER),
        _nominated_2018("Lørenskog", LORENSKOG),
        _nominated_2018("Stange", STANGE),
        _nominated_2018("Tromsø", TROMSO),
        ASKER_2018,
    ),
    "winner": {
        "municipality": BAERUM,
        "justification": (
            "Bærum vant Bosettings- og integreringsprisen 2018. Kunnskaps- og "
            "integreringsminister Jan Tore Sanner overrakte prisen på IMDis "
            "integreringskonferanse på Gardermoen 13. februar 2019."
        ),
    },
}

NOMINEES_2020: tuple[NomineeSpec, ...] = (
    {
        "municipality": ASKER,
        "summary": (
            "Stor innsats i bosettingen over tid, og en foregangskommune for enslige mindreårige."
        ),
        "summary_translations": {
            "nn": (
                "Stor innsats i busetjinga over tid, og ein føregangskommune for einslege "
                "mindreårige."
            ),
            "en": (
                "A long-standing effort to settle refugees, and a pioneer in its work with "
                "unaccompanied minors."
            ),
        },
        "justification": (
            "Asker har i mange år lagt ned en stor innsats for å bosette flyktninger, og "
            "kommunen har vært et forbilde i arbeidet med enslige mindreårige. Asker prøver ut "
            "nye modeller og metoder for å kvalifisere flyktninger som mangler formell "
            "kompetanse. Systua på IKEA Slependen, som åpnet høsten 2017, viser hvordan et "
            "samarbeid med lokale bedrifter kan gi nye arbeidsplasser. Sammen med NAV og "
            "Folkeuniversitetet i Asker gir kommunen flyktninger uten grunnskole en annen vei "
            "fram til fagbrev. I 2019 bosatte Asker 44 personer, fem av dem enslige "
            "mindreårige, og rundt 78 prosent av deltakerne gikk over i arbeid eller utdanning "
            "etter introduksjonsprogrammet. Fra 1. januar 2020 er tjenestene for innvandrere og "
            "flyktninger samlet i en egen virksomhet, Inkludering og mangfold."
        ),
        "key_figures": (
            ("i arbeid eller utdanning etter fullført introduksjonsprogram (2019)", "ca. 78 %"),
            ("personer bosatt i 2019, av dem 5 enslige mindreårige flyktninger", "44"),
        ),
    },
    {
        "municipality": GJOVIK,
        "summary": "Fleksibel i bosettingen, med Globus kafé og en flerkulturell barnehage.",
        "summary_translations": {
            "nn": "Fleksibel i busetjinga, med Globus kafé og ein fleirkulturell barnehage.",
            "en": "Flexible in settling refugees, with the Globus café and a multicultural "
            "kindergarten.",
        },
        "justification": (
            "Gjøvik har vært svært fleksibel når flyktninger skal bosettes, og har blant annet "
            "tatt imot mange med helseutfordringer. Kommunen setter i gang nye prosjekter for å "
            "styrke bosettings- og integreringsarbeidet. Ett av dem er Globus kafé, en "
            "internasjonal kafé som drives av innvandrerkvinner fra mange land, og som i flere "
            "år har gitt gode resultater når deltakerne skal over i arbeid. Gjøvik har også en "
            "flerkulturell barnehage som legger vekt på god kontakt med familiene og "
            "prioriterer å besøke dem hjemme før barnet begynner."
        ),
        "key_figures": (
            ("internasjonal kafé drevet av innvandrerkvinner", "Globus kafé"),
            ("i den flerkulturelle barnehagen", "hjemmebesøk før oppstart"),
        ),
    },
    {
        "municipality": RANDABERG,
        "summary": "Arbeidsrettet introduksjonsprogram der norsk og arbeidstrening går sammen.",
        "justification": (
            "Randaberg har bosatt flyktninger i mange år og fornyer stadig måten innvandrere "
            "kvalifiseres på. Kommunen ser bosetting og integrering i sammenheng, og "
            "introduksjonsprogrammet er rettet mot arbeid, slik at deltakerne får prøve seg i "
            "arbeidslivet. De kan kombinere norskopplæring og arbeidstrening, med tett "
            "oppfølging og praksisplass hos bedrifter kommunen samarbeider med. Høsten 2019 "
            "startet Randaberg et prosjekt med IKEA og Scandic Hotel som bygger videre på "
            "kompetansen deltakerne allerede har, ut fra hva arbeidsgiverne og "
            "arbeidsmarkedet trenger."
        ),
        "key_figures": (
            ("samarbeid med næringslivet", "IKEA og Scandic (fra høsten 2019)"),
            ("i introduksjonsprogrammet", "norsk og arbeidstrening kombinert"),
        ),
    },
    {
        "municipality": SUNNDAL,
        "summary": "Bevisst bruk av startlån og to spor i kvalifiseringen: arbeid og utdanning.",
        "justification": (
            "Sunndal har i mange år engasjert seg sterkt i bosettingen av flyktninger. "
            "Kommunen innvilger bevisst startlån, og det gir god gjennomstrømning og gjør "
            "bosettingen enklere. Kvalifiseringen følger to hovedspor, ett rettet mot arbeid og "
            "ett mot utdanning, og har gitt gode resultater. Blant tiltakene er praksisplasser "
            "for dem som ikke går utdanningsveien, og et formalisert tilbud til kvinner i "
            "permisjonstiden. Arbeidet med bosetting, mottak og kvalifisering har alltid hatt "
            "god støtte i både den politiske og den administrative ledelsen, og det har gjort "
            "arbeidet mer effektivt og gitt rom for faglig utvikling."
        ),
        "key_figures": (
            ("hovedspor i introduksjonsprogrammet: arbeidsrettet og utdanningsrettet", "2"),
            ("for å gjøre bosettingen enklere", "bevisst bruk av startlån"),
        ),
    },
    {
        "municipality": TROMSO,
        "summary": (
            "Bosetter flyktninger med store oppfølgingsbehov gjennom samarbeid på tvers av etatene."
        ),
        "justification": (
            "Fordi etatene i kommunen samarbeider tett, har Tromsø kunnet bosette mange "
            "flyktninger som trenger omfattende oppfølging. De ansatte går ut fra at det alltid "
            "finnes en god løsning for å ta imot og integrere flyktninger og innvandrere, "
            "uansett hvor store behov den enkelte har. Kommunen arbeider for at "
            "innvandrerorganisasjoner og andre frivillige organisasjoner skal gjennomføre "
            "tiltak sammen, og vil bygge sterke bånd mellom frivilligheten, næringslivet, "
            "lokalsamfunnet og de nye borgerne i Tromsø."
        ),
        "key_figures": (
            ("for flyktninger med omfattende oppfølgingsbehov", "samarbeid på tvers av etater"),
            ("mellom innvandrerorganisasjoner og andre frivillige organisasjoner", "felles tiltak"),
        ),
    },
    {
        "municipality": VOSS,
        "summary": "Egen modell for deltakere med lite skolegang, med praksis hos Scandic Voss.",
        "justification": (
            "Voss har over tid gjort en stor innsats for å bosette flyktninger. Kommunen har "
            "laget en egen modell for deltakere i introduksjonsprogrammet som har lite eller "
            "ingen skolegang. En av samarbeidspartnerne er Scandic Voss, et hotell som åpnet "
            "tidlig i 2020. Samarbeidet skal både dekke kommunens behov for arbeidskraft og gi "
            "flyktningene fagopplæring i praksis, med støtte på morsmålet. For deltakere med "
            "lite skolebakgrunn kan slik undervisning styrke læringen, motivasjonen og miljøet "
            "i klassen."
        ),
        "key_figures": (
            ("samarbeidspartner for praksis og fagopplæring", "Scandic Voss"),
            ("for deltakere med lite skolebakgrunn", "opplæring med morsmålsstøtte"),
        ),
    },
)

ROUND_2020: RoundSpec = {
    "year": 2020,
    "title": "Bosettings- og integreringsprisen 2020",
    "intro": (
        "IMDi nominerte seks kommuner som bosetter flyktninger: Asker, Gjøvik, Randaberg, "
        "Sunndal, Tromsø og Voss. Publikum kunne stemme i mars. Etter planen skulle de tre "
        "med flest stemmer bli finalister og kunngjøres i Bosettingsuken (uke 46), og IMDi "
        "skulle kåre vinneren blant dem ved slutten av samme uke."
    ),
    "schedule": {
        # The seeds say voting opened in March and was over by 24 March, finalists came in
        # week 46 and the winner at the end of that week; the exact times are stand-ins.
        # Publishing: Asker was already nominated in January.
        "nominees_published_at": oslo(2020, 1, 6, 10),
        "voting_opens_at": oslo(2020, 3, 2, 9),
        "voting_closes_at": oslo(2020, 3, 22, 23, 59),
        "finalists_announced_at": oslo(2020, 11, 9, 10),
        "winner_announced_at": oslo(2020, 11, 13, 12),
    },
    "nominees": NOMINEES_2020,
    # The seeds do not say who won in 2020.
    "winner": None,
}

EARLIER_WINNERS: tuple[tuple[int, str, str], ...] = (
    (2008, "Vadsø", "5607"),
    (2009, "Levanger", "5037"),
    (2010, "Kristiansand", "4204"),
    (2011, "Kragerø", "4014"),
    (2012, "Molde", "1506"),
    (2013, "Hammerfest", "5603"),
    (2014, "Drammen", "3301"),
    (2015, "Grimstad", "4202"),
    (2016, "Trondheim", "5001"),
)

# Archive rounds: only the winner is known. The seeds give no dates, so 31 December of
# the prize year at noon stands in for the announcement.
ARCHIVE_ROUNDS: tuple[RoundSpec, ...] = tuple(
    {
        "year": year,
        "title": f"Bosettings- og integreringsprisen {year}",
        "intro": "Fra arkivet: for denne runden er bare vinnerkommunen registrert.",
        "schedule": {"winner_announced_at": oslo(year, 12, 31, 12)},
        "nominees": (
            {
                "municipality": number,
                "summary": f"Vinner av Bosettings- og integreringsprisen {year}.",
                "justification": "",
                "key_figures": (),
            },
        ),
        "winner": {
            "municipality": number,
            "justification": f"{name} vant Bosettings- og integreringsprisen {year}.",
        },
    }
    for year, name, number in EARLIER_WINNERS
)

ROUNDS: tuple[RoundSpec, ...] = (ROUND_2018, ROUND_2020, *ARCHIVE_ROUNDS)

# The demo round reuses the 2020 nominees; its schedule is set from the time of loading.
DEMO_TITLE = "Bosettings- og integreringsprisen {year} (demo)"
DEMO_INTRO = (
    "Dette er en demonstrasjonsrunde. De nominerte og tekstene er hentet fra runden i 2020, "
    "og stemmene her teller ikke i den virkelige prisen."
)

# A closed demo round a newcomer can count and decide in the admin. The votes
# are made up for the demonstration, not taken from any real round.
CLOSED_DEMO_TITLE = "Bosettings- og integreringsprisen {year} (demo, avsluttet)"
CLOSED_DEMO_INTRO = (
    "Dette er en avsluttet demonstrasjonsrunde med oppdiktede stemmer, slik at du kan prøve "
    "opptellingen og juryens avgjørelse i administrasjonen. De nominerte og tekstene er "
    "hentet fra runden i 2020."
)
# Made-up valid votes per municipality number, in the order of NOMINEES_2020.
CLOSED_DEMO_VOTES = {"3203": 41, "3407": 27, "1127": 33, "1563": 12, "5501": 36, "4621": 19}
