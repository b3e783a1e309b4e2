"""Demo content for ``manage.py load_demo``.

Every fact here comes from IMDi's and Asker's public documents about the prize,
retold in our own words. Where the sources give no date, the schedule uses a
stand-in, marked as such beside it.
"""

from datetime import datetime
from typing import TypedDict
from zoneinfo import ZoneInfo

# The prize is Norwegian and so are its dates, whatever TIME_ZONE says.
OSLO = ZoneInfo("Europe/Oslo")


def oslo(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=OSLO)


class Texts(TypedDict):
    """One text in each language of the site: bokmål, nynorsk and English."""

    nb: str
    nn: str
    en: str


class KeyFigureSpec(TypedDict):
    value: str  # a number, the same in every language (KeyFigure.clean)
    label: Texts  # what the number shows


class NomineeSpec(TypedDict):
    municipality: str  # municipality number
    summary: Texts
    justification: Texts
    key_figures: tuple[KeyFigureSpec, ...]  # the first is the headline; may be none


class WinnerSpec(TypedDict):
    municipality: str  # municipality number
    justification: Texts


class RoundSpec(TypedDict):
    year: int
    title: Texts
    intro: Texts
    # Run before this app: its votes, if any, were not counted here (PrizeRound.imported).
    imported: bool
    schedule: dict[str, datetime]  # PrizeRound schedule fields; the ones left out stay empty
    nominees: tuple[NomineeSpec, ...]
    winner: WinnerSpec | None


LANGUAGES = ("nb", "nn", "en")


def prize_title(year: int, suffix: Texts | None = None) -> Texts:
    """The prize's name with the year, as the site's catalogue names it in each language."""
    title: Texts = {
        "nb": f"Bosettings- og integreringsprisen {year}",
        "nn": f"Busetjings- og integreringsprisen {year}",
        "en": f"Settlement and Integration Prize {year}",
    }
    if suffix is not None:
        for language in LANGUAGES:
            title[language] = f"{title[language]} ({suffix[language]})"
    return title


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


# 2018: the sources name the six nominees, but describe only Asker's work.
def _nominated_2018(name: str, number: str) -> NomineeSpec:
    return {
        "municipality": number,
        "summary": {
            "nb": "Én av seks kommuner nominert til prisen for 2018.",
            "nn": "Ein av seks kommunar nominerte til prisen for 2018.",
            "en": "One of six municipalities nominated for the 2018 prize.",
        },
        "justification": {
            "nb": (
                f"{name} var blant de seks kommunene IMDi nominerte til Bosettings- og "
                "integreringsprisen 2018. IMDi plukker ut de nominerte blant kommunene som tar "
                "imot flyktninger, og ser på hvilke resultater de oppnår og hvor godt "
                "integreringsarbeidet deres holder mål."
            ),
            "nn": (
                f"{name} var mellom dei seks kommunane IMDi nominerte til Busetjings- og "
                "integreringsprisen 2018. IMDi vel ut dei nominerte mellom kommunane som tek "
                "imot flyktningar, og ser på kva resultat dei oppnår og kor godt "
                "integreringsarbeidet deira held mål."
            ),
            "en": (
                f"{name} was one of the six municipalities IMDi nominated for the Settlement "
                "and Integration Prize 2018. IMDi chooses the nominees among the municipalities "
                "that settle refugees, looking at the results they achieve and at the quality "
                "of their integration work."
            ),
        },
        "key_figures": (),
    }


ASKER_2018: NomineeSpec = {
    "municipality": ASKER,
    "summary": {
        "nb": (
            "Familiehjem for enslige mindreårige, Systua på IKEA Slependen og tett samarbeid "
            "mellom kommunen, NAV og arbeidslivet."
        ),
        "nn": (
            "Familieheimar for einslege mindreårige, Systua på IKEA Slependen og tett samarbeid "
            "mellom kommunen, NAV og arbeidslivet."
        ),
        "en": (
            "Family homes for unaccompanied minors, Systua at IKEA Slependen and close "
            "cooperation between the municipality, NAV and employers."
        ),
    },
    "justification": {
        "nb": (
            "Asker er en av kommunene med lengst erfaring i å bosette enslige mindreårige "
            "flyktninger. Sammen med SOS-barnebyer har kommunen laget familiehjem der barna blir "
            "boende om fosterforeldrene slutter: det er de voksne som flytter ut, så barna "
            "beholder skolen, vennene og nærmiljøet sitt. Flyktningetjenesten, NAV og "
            "Folkeuniversitetet samarbeider om et introduksjonsprogram med tidlig kartlegging, "
            "tidlig praksis og norskopplæring på ulike spor og nivåer, og alle barnefamilier får "
            "tilbud om veiledningsprogrammet ICDP. På Systua ved IKEA Slependen, et "
            "samarbeidsprosjekt mellom kommunen, NAV Asker, IKEA og den sosiale entreprenøren "
            "Sisters in Business, får innvandrerkvinner som står langt fra arbeidslivet, "
            "opplæring i søm, salg og service og norsk; fem av dem fikk fast jobb der det første "
            "driftsåret. Gjennom Jobbsjansen får kvinner med innvandrerbakgrunn kvalifisering, og "
            "deltakere som trenger et lengre løp, får et fjerde år i introduksjonsprogrammet. "
            "Voksne uten grunnskole kan ta fagbrev som helsefagarbeider eller barne- og "
            "ungdomsarbeider gjennom egne løp. Asker Velferdslab samordner tjenestene til "
            "familier og unge i en vanskelig livssituasjon og behandler velferd som en "
            "investering heller enn en kostnad; den var en av grunnene til at Asker vant "
            "Kommunal- og moderniseringsdepartementets innovasjonspris i 2017. Høsten 2017 "
            "vedtok kommunen en ny temaplan for mangfold og inkludering."
        ),
        "nn": (
            "Asker er ein av kommunane med lengst røynsle med å busetje einslege mindreårige "
            "flyktningar. Saman med SOS-barnebyar har kommunen laga familieheimar der barna blir "
            "buande om fosterforeldra sluttar: det er dei vaksne som flyttar ut, så barna held "
            "på skulen, venene og nærmiljøet sitt. Flyktningtenesta, NAV og Folkeuniversitetet "
            "samarbeider om eit introduksjonsprogram med tidleg kartlegging, tidleg praksis og "
            "norskopplæring på ulike spor og nivå, og alle barnefamiliar får tilbod om "
            "rettleiingsprogrammet ICDP. På Systua ved IKEA Slependen, eit samarbeidsprosjekt "
            "mellom kommunen, NAV Asker, IKEA og den sosiale entreprenøren Sisters in Business, "
            "får innvandrarkvinner som står langt frå arbeidslivet, opplæring i søm, sal og "
            "service og norsk; fem av dei fekk fast jobb der det første driftsåret. Gjennom "
            "Jobbsjansen får kvinner med innvandrarbakgrunn kvalifisering, og deltakarar som "
            "treng eit lengre løp, får eit fjerde år i introduksjonsprogrammet. Vaksne utan "
            "grunnskule kan ta fagbrev som helsefagarbeidar eller barne- og ungdomsarbeidar "
            "gjennom eigne løp. Asker Velferdslab samordnar tenestene til familiar og unge i ein "
            "vanskeleg livssituasjon og ser på velferd som ei investering heller enn ein "
            "kostnad; han var ein av grunnane til at Asker vann innovasjonsprisen til Kommunal- "
            "og moderniseringsdepartementet i 2017. Hausten 2017 vedtok kommunen ein ny "
            "temaplan for mangfald og inkludering."
        ),
        "en": (
            "Asker is one of the municipalities with the longest experience of settling "
            "unaccompanied refugee minors. Together with SOS Children's Villages it has created "
            "family homes where the children stay if the foster parents leave: it is the adults "
            "who move out, so the children keep their school, their friends and their "
            "neighbourhood. The refugee service, NAV and Folkeuniversitetet work together on an "
            "introduction programme with early assessment, early work placements and Norwegian "
            "lessons on different tracks and levels, and every family with children is offered "
            "the ICDP parenting programme. At Systua, at IKEA Slependen, a joint project of the "
            "municipality, NAV Asker, IKEA and the social enterprise Sisters in Business, "
            "immigrant women far from the labour market learn sewing, sales and service, and "
            "Norwegian; five of them got permanent jobs there in its first year. Through "
            "Jobbsjansen, women with an immigrant background are trained for work, and "
            "participants who need a longer path get a fourth year in the introduction "
            "programme. Adults who never finished primary and lower secondary school can "
            "qualify as health workers or childcare and youth workers on courses of their own. "
            "Asker Velferdslab coordinates the services for families and young people in a "
            "difficult situation and treats welfare as an investment rather than a cost; it was "
            "one of the reasons Asker won the innovation prize of the Ministry of Local "
            "Government and Modernisation in 2017. In the autumn of 2017 the municipality "
            "adopted a new plan for diversity and inclusion."
        ),
    },
    "key_figures": (
        {
            "value": "80 %",
            "label": {
                "nb": (
                    "i arbeid eller utdanning ett år etter introduksjonsprogrammet "
                    "(2015, landet: 58\u00a0%)"
                ),
                "nn": (
                    "i arbeid eller utdanning eitt år etter introduksjonsprogrammet "
                    "(2015, landet: 58\u00a0%)"
                ),
                "en": "in work or education a year after the introduction programme "
                "(2015; nationally 58%)",
            },
        },
        {
            "value": "79 %",
            "label": {
                "nb": (
                    "i arbeid eller utdanning ett år etter introduksjonsprogrammet "
                    "(2016, landet: 61\u00a0%)"
                ),
                "nn": (
                    "i arbeid eller utdanning eitt år etter introduksjonsprogrammet "
                    "(2016, landet: 61\u00a0%)"
                ),
                "en": "in work or education a year after the introduction programme "
                "(2016; nationally 61%)",
            },
        },
        {
            "value": "444",
            "label": {
                "nb": "flyktninger bosatt 2015–2018, enslige mindreårige medregnet",
                "nn": "flyktningar busette 2015–2018, einslege mindreårige medrekna",
                "en": "refugees settled 2015–2018, unaccompanied minors included",
            },
        },
        {
            "value": "131",
            "label": {
                "nb": (
                    "land som innvandrerne og barna deres i Asker kommer fra; de er én av fem "
                    "innbyggere"
                ),
                "nn": (
                    "land som innvandrarane og barna deira i Asker kjem frå; dei er ein av fem "
                    "innbyggjarar"
                ),
                "en": (
                    "countries that Asker's immigrants and their children come from; they are "
                    "one in five residents"
                ),
            },
        },
    ),
}

ROUND_2018: RoundSpec = {
    "year": 2018,
    "title": prize_title(2018),
    "intro": {
        "nb": (
            "IMDi nominerte seks kommuner som bosetter flyktninger: Bærum, Steinkjer, "
            "Lørenskog, Stange, Tromsø og Asker. Prisen ble delt ut på IMDis "
            "integreringskonferanse på Gardermoen 13. februar 2019."
        ),
        "nn": (
            "IMDi nominerte seks kommunar som buset flyktningar: Bærum, Steinkjer, Lørenskog, "
            "Stange, Tromsø og Asker. Prisen vart delt ut på integreringskonferansen til IMDi "
            "på Gardermoen 13. februar 2019."
        ),
        "en": (
            "IMDi nominated six municipalities that settle refugees: Bærum, Steinkjer, "
            "Lørenskog, Stange, Tromsø and Asker. The prize was presented at IMDi's "
            "integration conference at Gardermoen on 13 February 2019."
        ),
    },
    "imported": True,
    "schedule": {
        # Only the award date is in the sources. The rest are stand-ins that fit them: Asker's
        # nominee page still asked for votes when it was updated on 17 December 2018. The
        # public pages of an imported round do not show them (PrizeRound.phase_in_words).
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
        "justification": {
            "nb": (
                "Bærum vant Bosettings- og integreringsprisen 2018. Kunnskaps- og "
                "integreringsminister Jan Tore Sanner overrakte prisen på IMDis "
                "integreringskonferanse på Gardermoen 13. februar 2019. Juryens begrunnelse er "
                "ikke registrert i arkivet."
            ),
            "nn": (
                "Bærum vann Busetjings- og integreringsprisen 2018. Kunnskaps- og "
                "integreringsminister Jan Tore Sanner delte ut prisen på integreringskonferansen "
                "til IMDi på Gardermoen 13. februar 2019. Grunngjevinga til juryen er ikkje "
                "registrert i arkivet."
            ),
            "en": (
                "Bærum won the Settlement and Integration Prize 2018. The Minister of Education "
                "and Integration, Jan Tore Sanner, presented the prize at IMDi's integration "
                "conference at Gardermoen on 13 February 2019. The jury's reasons are not "
                "recorded in the archive."
            ),
        },
    },
}

NOMINEES_2020: tuple[NomineeSpec, ...] = (
    {
        "municipality": ASKER,
        "summary": {
            "nb": (
                "Stor innsats i bosettingen over tid, og en foregangskommune for enslige "
                "mindreårige."
            ),
            "nn": (
                "Stor innsats i busetjinga over tid, og ein føregangskommune for einslege "
                "mindreårige."
            ),
            "en": (
                "A long-standing effort to settle refugees, and a pioneer in its work with "
                "unaccompanied minors."
            ),
        },
        "justification": {
            "nb": (
                "Asker har i mange år lagt ned en stor innsats for å bosette flyktninger, og "
                "kommunen har vært et forbilde i arbeidet med enslige mindreårige. Asker prøver "
                "ut nye modeller og metoder for å kvalifisere flyktninger som mangler formell "
                "kompetanse. Systua på IKEA Slependen, som åpnet høsten 2017, viser hvordan et "
                "samarbeid med lokale bedrifter kan gi nye arbeidsplasser. Sammen med NAV og "
                "Folkeuniversitetet i Asker gir kommunen flyktninger uten grunnskole en annen "
                "vei fram til fagbrev. I 2019 bosatte Asker 44 personer, fem av dem enslige "
                "mindreårige, og rundt 78 prosent av deltakerne gikk over i arbeid eller "
                "utdanning etter introduksjonsprogrammet. Fra 1. januar 2020 er tjenestene for "
                "innvandrere og flyktninger samlet i en egen virksomhet, Inkludering og mangfold."
            ),
            "nn": (
                "Asker har i mange år gjort ein stor innsats for å busetje flyktningar, og "
                "kommunen har vore eit førebilete i arbeidet med einslege mindreårige. Asker "
                "prøver ut nye modellar og metodar for å kvalifisere flyktningar som manglar "
                "formell kompetanse. Systua på IKEA Slependen, som opna hausten 2017, viser "
                "korleis eit samarbeid med lokale bedrifter kan gi nye arbeidsplassar. Saman med "
                "NAV og Folkeuniversitetet i Asker gir kommunen flyktningar utan grunnskule ein "
                "annan veg fram til fagbrev. I 2019 busette Asker 44 personar, fem av dei "
                "einslege mindreårige, og rundt 78 prosent av deltakarane gjekk over i arbeid "
                "eller utdanning etter introduksjonsprogrammet. Frå 1. januar 2020 er tenestene "
                "for innvandrarar og flyktningar samla i ei eiga verksemd, Inkludering og "
                "mangfold."
            ),
            "en": (
                "For many years Asker has worked hard to settle refugees, and it has been a "
                "model in its work with unaccompanied minors. Asker tries out new models and "
                "methods for qualifying refugees who lack formal qualifications. Systua at IKEA "
                "Slependen, opened in the autumn of 2017, shows how cooperation with local "
                "businesses can create new jobs. Together with NAV and Folkeuniversitetet in "
                "Asker, the municipality offers refugees who never finished primary and lower "
                "secondary school another route to a trade certificate. In 2019 Asker settled 44 "
                "people, five of them unaccompanied minors, and about 78 per cent of the "
                "participants went on to work or education after the introduction programme. "
                "Since 1 January 2020 the services for immigrants and refugees have been "
                "gathered in a unit of their own, Inkludering og mangfold (Inclusion and "
                "Diversity)."
            ),
        },
        "key_figures": (
            {
                "value": "78 %",
                "label": {
                    "nb": (
                        "gikk over i arbeid eller utdanning etter fullført "
                        "introduksjonsprogram i 2019 (omtrent)"
                    ),
                    "nn": (
                        "gjekk over i arbeid eller utdanning etter fullført "
                        "introduksjonsprogram i 2019 (omtrent)"
                    ),
                    "en": (
                        "went on to work or education after completing the introduction "
                        "programme in 2019 (approximately)"
                    ),
                },
            },
            {
                "value": "44",
                "label": {
                    "nb": "personer bosatt i 2019, av dem 5 enslige mindreårige flyktninger",
                    "nn": "personar busette i 2019, av dei 5 einslege mindreårige flyktningar",
                    "en": "people settled in 2019, 5 of them unaccompanied refugee minors",
                },
            },
        ),
    },
    {
        "municipality": GJOVIK,
        "summary": {
            "nb": "Fleksibel i bosettingen, med Globus kafé og en flerkulturell barnehage.",
            "nn": "Fleksibel i busetjinga, med Globus kafé og ein fleirkulturell barnehage.",
            "en": (
                "Flexible in settling refugees, with the Globus café and a multicultural "
                "kindergarten."
            ),
        },
        "justification": {
            "nb": (
                "Gjøvik har vært svært fleksibel når flyktninger skal bosettes, og har blant "
                "annet tatt imot mange med helseutfordringer. Kommunen setter i gang nye "
                "prosjekter for å styrke bosettings- og integreringsarbeidet. Ett av dem er "
                "Globus kafé, en internasjonal kafé som drives av innvandrerkvinner fra mange "
                "land, og som i flere år har gitt gode resultater når deltakerne skal over i "
                "arbeid. Gjøvik har også en flerkulturell barnehage som legger vekt på god "
                "kontakt med familiene og prioriterer å besøke dem hjemme før barnet begynner."
            ),
            "nn": (
                "Gjøvik har vore svært fleksibel når flyktningar skal busetjast, og har mellom "
                "anna teke imot mange med helseutfordringar. Kommunen set i gang nye prosjekt "
                "for å styrkje busetjings- og integreringsarbeidet. Eitt av dei er Globus kafé, "
                "ein internasjonal kafé som blir driven av innvandrarkvinner frå mange land, og "
                "som i fleire år har gitt gode resultat når deltakarane skal over i arbeid. "
                "Gjøvik har òg ein fleirkulturell barnehage som legg vekt på god kontakt med "
                "familiane og prioriterer å besøkje dei heime før barnet byrjar."
            ),
            "en": (
                "Gjøvik has been very flexible in settling refugees and has, among other "
                "things, taken in many people with health problems. The municipality starts new "
                "projects to strengthen its settlement and integration work. One of them is "
                "Globus kafé, an international café run by immigrant women from many countries, "
                "which for several years has helped its participants into work. Gjøvik also has "
                "a multicultural kindergarten that puts weight on good contact with the "
                "families and makes a point of visiting them at home before the child starts."
            ),
        },
        # The sources give no numbers for Gjøvik.
        "key_figures": (),
    },
    {
        "municipality": RANDABERG,
        "summary": {
            "nb": "Arbeidsrettet introduksjonsprogram der norsk og arbeidstrening går sammen.",
            "nn": "Arbeidsretta introduksjonsprogram der norsk og arbeidstrening går saman.",
            "en": (
                "A work-oriented introduction programme that combines Norwegian lessons with "
                "work training."
            ),
        },
        "justification": {
            "nb": (
                "Randaberg har bosatt flyktninger i mange år og fornyer stadig måten "
                "innvandrere kvalifiseres på. Kommunen ser bosetting og integrering i "
                "sammenheng, og introduksjonsprogrammet er rettet mot arbeid, slik at "
                "deltakerne får prøve seg i arbeidslivet. De kan kombinere norskopplæring og "
                "arbeidstrening, med tett oppfølging og praksisplass hos bedrifter kommunen "
                "samarbeider med. Høsten 2019 startet Randaberg et prosjekt med IKEA og Scandic "
                "Hotel som bygger videre på kompetansen deltakerne allerede har, ut fra hva "
                "arbeidsgiverne og arbeidsmarkedet trenger."
            ),
            "nn": (
                "Randaberg har busett flyktningar i mange år og fornyar stadig måten "
                "innvandrarar blir kvalifiserte på. Kommunen ser busetjing og integrering i "
                "samanheng, og introduksjonsprogrammet er retta mot arbeid, slik at deltakarane "
                "får prøve seg i arbeidslivet. Dei kan kombinere norskopplæring og "
                "arbeidstrening, med tett oppfølging og praksisplass hos bedrifter kommunen "
                "samarbeider med. Hausten 2019 starta Randaberg eit prosjekt med IKEA og Scandic "
                "Hotel som byggjer vidare på kompetansen deltakarane alt har, ut frå kva "
                "arbeidsgjevarane og arbeidsmarknaden treng."
            ),
            "en": (
                "Randaberg has settled refugees for many years and keeps renewing the way "
                "immigrants are qualified for work. The municipality treats settlement and "
                "integration as one, and its introduction programme is aimed at work, so that "
                "participants get to try themselves in working life. They can combine Norwegian "
                "lessons with work training, with close follow-up and work placements at "
                "businesses the municipality cooperates with. In the autumn of 2019 Randaberg "
                "started a project with IKEA and Scandic Hotel that builds on the skills "
                "participants already have, guided by what employers and the labour market need."
            ),
        },
        # The sources give no numbers for Randaberg.
        "key_figures": (),
    },
    {
        "municipality": SUNNDAL,
        "summary": {
            "nb": "Bevisst bruk av startlån og to spor i kvalifiseringen: arbeid og utdanning.",
            "nn": "Medviten bruk av startlån og to spor i kvalifiseringa: arbeid og utdanning.",
            "en": (
                "Deliberate use of start-up loans for homes, and two tracks in qualification: "
                "work and education."
            ),
        },
        "justification": {
            "nb": (
                "Sunndal har i mange år engasjert seg sterkt i bosettingen av flyktninger. "
                "Kommunen innvilger bevisst startlån, og det gir god gjennomstrømning og gjør "
                "bosettingen enklere. Kvalifiseringen følger to hovedspor, ett rettet mot arbeid "
                "og ett mot utdanning, og har gitt gode resultater. Blant tiltakene er "
                "praksisplasser for dem som ikke går utdanningsveien, og et formalisert tilbud "
                "til kvinner i permisjonstiden. Arbeidet med bosetting, mottak og kvalifisering "
                "har alltid hatt god støtte i både den politiske og den administrative "
                "ledelsen, og det har gjort arbeidet mer effektivt og gitt rom for faglig "
                "utvikling."
            ),
            "nn": (
                "Sunndal har i mange år engasjert seg sterkt i busetjinga av flyktningar. "
                "Kommunen innvilgar medvite startlån, og det gir god gjennomstrøyming og gjer "
                "busetjinga enklare. Kvalifiseringa følgjer to hovudspor, eitt retta mot arbeid "
                "og eitt mot utdanning, og har gitt gode resultat. Mellom tiltaka er "
                "praksisplassar for dei som ikkje går utdanningsvegen, og eit formalisert tilbod "
                "til kvinner i permisjonstida. Arbeidet med busetjing, mottak og kvalifisering "
                "har alltid hatt god støtte i både den politiske og den administrative leiinga, "
                "og det har gjort arbeidet meir effektivt og gitt rom for fagleg utvikling."
            ),
            "en": (
                "Sunndal has been strongly committed to settling refugees for many years. The "
                "municipality deliberately grants start-up loans for buying a home, which keeps "
                "people moving on and makes settlement easier. Its qualification follows two "
                "main tracks, one aimed at work and one at education, with good results. Among "
                "its measures are work placements for those who do not take the education "
                "track, and a formal offer for women on parental leave. The work on settlement, "
                "reception and qualification has always had firm support from both the "
                "political and the administrative leadership, which has made it more efficient "
                "and given room for professional development."
            ),
        },
        "key_figures": (
            {
                "value": "2",
                "label": {
                    "nb": "hovedspor i kvalifiseringen: ett mot arbeid og ett mot utdanning",
                    "nn": "hovudspor i kvalifiseringa: eitt mot arbeid og eitt mot utdanning",
                    "en": "main tracks in qualification: one towards work, one towards education",
                },
            },
        ),
    },
    {
        "municipality": TROMSO,
        "summary": {
            "nb": (
                "Bosetter flyktninger med store oppfølgingsbehov gjennom samarbeid på tvers av "
                "etatene."
            ),
            "nn": (
                "Buset flyktningar med store oppfølgingsbehov gjennom samarbeid på tvers av "
                "etatane."
            ),
            "en": (
                "Settles refugees who need a great deal of follow-up, through cooperation "
                "across the municipal services."
            ),
        },
        "justification": {
            "nb": (
                "Fordi etatene i kommunen samarbeider tett, har Tromsø kunnet bosette mange "
                "flyktninger som trenger omfattende oppfølging. De ansatte går ut fra at det "
                "alltid finnes en god løsning for å ta imot og integrere flyktninger og "
                "innvandrere, uansett hvor store behov den enkelte har. Kommunen arbeider for at "
                "innvandrerorganisasjoner og andre frivillige organisasjoner skal gjennomføre "
                "tiltak sammen, og vil bygge sterke bånd mellom frivilligheten, næringslivet, "
                "lokalsamfunnet og de nye borgerne i Tromsø."
            ),
            "nn": (
                "Fordi etatane i kommunen samarbeider tett, har Tromsø kunna busetje mange "
                "flyktningar som treng omfattande oppfølging. Dei tilsette går ut frå at det "
                "alltid finst ei god løysing for å ta imot og integrere flyktningar og "
                "innvandrarar, same kor store behov den enkelte har. Kommunen arbeider for at "
                "innvandrarorganisasjonar og andre frivillige organisasjonar skal gjennomføre "
                "tiltak saman, og vil byggje sterke band mellom frivilligheita, næringslivet, "
                "lokalsamfunnet og dei nye innbyggjarane i Tromsø."
            ),
            "en": (
                "Because its services work closely together, Tromsø has been able to settle "
                "many refugees who need extensive follow-up. Its staff start from the view that "
                "there is always a good way to receive and integrate refugees and immigrants, "
                "however great the needs of each person. The municipality works for immigrant "
                "organisations and other voluntary organisations to carry out activities "
                "together, and wants to build strong ties between volunteers, businesses, the "
                "local community and Tromsø's new residents."
            ),
        },
        # The sources give no numbers for Tromsø.
        "key_figures": (),
    },
    {
        "municipality": VOSS,
        "summary": {
            "nb": "Egen modell for deltakere med lite skolegang, med praksis hos Scandic Voss.",
            "nn": "Eigen modell for deltakarar med lite skulegang, med praksis hos Scandic Voss.",
            "en": (
                "A model of its own for participants with little schooling, with work "
                "placements at Scandic Voss."
            ),
        },
        "justification": {
            "nb": (
                "Voss har over tid gjort en stor innsats for å bosette flyktninger. Kommunen har "
                "laget en egen modell for deltakere i introduksjonsprogrammet som har lite eller "
                "ingen skolegang. En av samarbeidspartnerne er Scandic Voss, et hotell som åpnet "
                "tidlig i 2020. Samarbeidet skal både dekke kommunens behov for arbeidskraft og "
                "gi flyktningene fagopplæring i praksis, med støtte på morsmålet. For deltakere "
                "med lite skolebakgrunn kan slik undervisning styrke læringen, motivasjonen og "
                "miljøet i klassen."
            ),
            "nn": (
                "Voss har over tid gjort ein stor innsats for å busetje flyktningar. Kommunen "
                "har laga ein eigen modell for deltakarar i introduksjonsprogrammet som har lite "
                "eller inga skulegang. Ein av samarbeidspartnarane er Scandic Voss, eit hotell "
                "som opna tidleg i 2020. Samarbeidet skal både dekkje behovet kommunen har for "
                "arbeidskraft, og gi flyktningane fagopplæring i praksis, med støtte på "
                "morsmålet. For deltakarar med lite skulebakgrunn kan slik undervisning styrkje "
                "læringa, motivasjonen og miljøet i klassen."
            ),
            "en": (
                "Voss has made a great effort to settle refugees over many years. The "
                "municipality has developed a model of its own for participants in the "
                "introduction programme who have little or no schooling. One of its partners is "
                "Scandic Voss, a hotel that opened early in 2020. The partnership is meant both "
                "to meet the municipality's need for workers and to give refugees vocational "
                "training in practice, with support in their mother tongue. For participants "
                "with little schooling, such teaching can strengthen learning, motivation and "
                "the atmosphere in class."
            ),
        },
        # The sources give no numbers for Voss.
        "key_figures": (),
    },
)

ROUND_2020: RoundSpec = {
    "year": 2020,
    "title": prize_title(2020),
    "intro": {
        "nb": (
            "IMDi nominerte seks kommuner som bosetter flyktninger: Asker, Gjøvik, Randaberg, "
            "Sunndal, Tromsø og Voss. Publikum kunne stemme i mars. Etter planen skulle de tre "
            "med flest stemmer bli finalister og kunngjøres i Bosettingsuken (uke 46), og IMDi "
            "skulle kåre vinneren blant dem ved slutten av samme uke."
        ),
        "nn": (
            "IMDi nominerte seks kommunar som buset flyktningar: Asker, Gjøvik, Randaberg, "
            "Sunndal, Tromsø og Voss. Publikum kunne stemme i mars. Etter planen skulle dei tre "
            "med flest stemmer bli finalistar og kunngjerast i busetjingsveka (veke 46), og IMDi "
            "skulle kåre vinnaren mellom dei ved slutten av same veka."
        ),
        "en": (
            "IMDi nominated six municipalities that settle refugees: Asker, Gjøvik, Randaberg, "
            "Sunndal, Tromsø and Voss. The public could vote in March. The plan was for the "
            "three with the most votes to become finalists, announced during Settlement Week "
            "(week 46), and for IMDi to choose the winner among them at the end of that week."
        ),
    },
    "imported": True,
    "schedule": {
        # The sources say voting opened in March and was over by 24 March, finalists came in
        # week 46 and the winner at the end of that week; the exact times are stand-ins,
        # which the public pages of an imported round do not show.
        # Publishing: Asker was already nominated in January.
        "nominees_published_at": oslo(2020, 1, 6, 10),
        "voting_opens_at": oslo(2020, 3, 2, 9),
        "voting_closes_at": oslo(2020, 3, 22, 23, 59),
        "finalists_announced_at": oslo(2020, 11, 9, 10),
        "winner_announced_at": oslo(2020, 11, 13, 12),
    },
    "nominees": NOMINEES_2020,
    # The sources do not say who won in 2020.
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


def _archive_round(year: int, name: str, number: str) -> RoundSpec:
    """A round of which the sources give only the winner. They give no dates, so 31 December
    of the prize year at noon stands in for the announcement (not shown: imported)."""
    first: Texts = (
        {
            "nb": " Det var første gang prisen ble delt ut.",
            "nn": " Det var første gongen prisen vart delt ut.",
            "en": " It was the first time the prize was awarded.",
        }
        if year == 2008
        else {"nb": "", "nn": "", "en": ""}
    )
    return {
        "year": year,
        "title": prize_title(year),
        "intro": {
            "nb": "Fra arkivet: for denne runden er bare vinnerkommunen registrert.",
            "nn": "Frå arkivet: for denne runden er berre vinnarkommunen registrert.",
            "en": "From the archive: only the winning municipality is recorded for this round.",
        },
        "imported": True,
        "schedule": {"winner_announced_at": oslo(year, 12, 31, 12)},
        "nominees": (
            {
                "municipality": number,
                "summary": {
                    "nb": f"Vinner av Bosettings- og integreringsprisen {year}.",
                    "nn": f"Vinnar av Busetjings- og integreringsprisen {year}.",
                    "en": f"Winner of the Settlement and Integration Prize {year}.",
                },
                "justification": {
                    "nb": (
                        f"{name} fikk Bosettings- og integreringsprisen for {year}."
                        f"{first['nb']} Hva kommunen ble nominert for, er ikke registrert i "
                        "arkivet."
                    ),
                    "nn": (
                        f"{name} fekk Busetjings- og integreringsprisen for {year}."
                        f"{first['nn']} Kva kommunen vart nominert for, er ikkje registrert i "
                        "arkivet."
                    ),
                    "en": (
                        f"{name} received the Settlement and Integration Prize for {year}."
                        f"{first['en']} What the municipality was nominated for is not recorded "
                        "in the archive."
                    ),
                },
                "key_figures": (),
            },
        ),
        "winner": {
            "municipality": number,
            "justification": {
                "nb": (
                    f"{name} vant Bosettings- og integreringsprisen {year}. Juryens begrunnelse "
                    "er ikke registrert i arkivet."
                ),
                "nn": (
                    f"{name} vann Busetjings- og integreringsprisen {year}. Grunngjevinga til "
                    "juryen er ikkje registrert i arkivet."
                ),
                "en": (
                    f"{name} won the Settlement and Integration Prize {year}. The jury's reasons "
                    "are not recorded in the archive."
                ),
            },
        },
    }


ARCHIVE_ROUNDS: tuple[RoundSpec, ...] = tuple(
    _archive_round(year, name, number) for year, name, number in EARLIER_WINNERS
)

ROUNDS: tuple[RoundSpec, ...] = (ROUND_2018, ROUND_2020, *ARCHIVE_ROUNDS)

# The demo round reuses the 2020 nominees; its schedule is set from the time of loading.
DEMO_SUFFIX: Texts = {"nb": "demo", "nn": "demo", "en": "demo"}
DEMO_INTRO: Texts = {
    "nb": (
        "Dette er en demonstrasjonsrunde. De nominerte og tekstene er hentet fra runden i 2020, "
        "og stemmene her teller ikke i den virkelige prisen."
    ),
    "nn": (
        "Dette er ein demonstrasjonsrunde. Dei nominerte og tekstane er henta frå runden i "
        "2020, og stemmene her tel ikkje i den verkelege prisen."
    ),
    "en": (
        "This is a demonstration round. The nominees and texts are taken from the 2020 round, "
        "and the votes cast here do not count towards the real prize."
    ),
}

# A closed demo round a newcomer can count and decide in the admin. The votes
# are made up for the demonstration, not taken from any real round.
CLOSED_DEMO_SUFFIX: Texts = {"nb": "demo, avsluttet", "nn": "demo, avslutta", "en": "demo, closed"}
CLOSED_DEMO_INTRO: Texts = {
    "nb": (
        "Dette er en avsluttet demonstrasjonsrunde med oppdiktede stemmer, slik at du kan prøve "
        "opptellingen og juryens avgjørelse i administrasjonen. De nominerte og tekstene er "
        "hentet fra runden i 2020."
    ),
    "nn": (
        "Dette er ein avslutta demonstrasjonsrunde med oppdikta stemmer, slik at du kan prøve "
        "oppteljinga og avgjerda til juryen i administrasjonen. Dei nominerte og tekstane er "
        "henta frå runden i 2020."
    ),
    "en": (
        "This is a closed demonstration round with made-up votes, so that you can try the count "
        "and the jury's decision in the admin. The nominees and texts are taken from the 2020 "
        "round."
    ),
}
# Made-up valid votes per municipality number, in the order of NOMINEES_2020.
CLOSED_DEMO_VOTES = {"3203": 41, "3407": 27, "1127": 33, "1563": 12, "5501": 36, "4621": 19}

# The demo's nominee pictures (scripts/make_demo_images.py draws them into
# demo/demo_images/, load_demo copies them into MEDIA_ROOT): the
# municipality's name and county and a plain shield, not its coat of arms, in
# white on a calm colour of its own. Each colour gives white text a contrast
# of at least 7:1. (colour, its name in each language)
IMAGE_COLOURS: tuple[tuple[str, Texts], ...] = (
    ("#00504b", {"nb": "mørkegrønn", "nn": "mørkegrøn", "en": "dark green"}),
    ("#1f3a68", {"nb": "mørkeblå", "nn": "mørkeblå", "en": "dark blue"}),
    ("#5a2a52", {"nb": "plommefarget", "nn": "plommefarga", "en": "plum-coloured"}),
    ("#7a2626", {"nb": "mørkerød", "nn": "mørkeraud", "en": "dark red"}),
    ("#5c4317", {"nb": "brun", "nn": "brun", "en": "brown"}),
    ("#33414f", {"nb": "skifergrå", "nn": "skifergrå", "en": "slate grey"}),
)


def image_of(number: str) -> tuple[str, str, Texts]:
    """The demo picture of a municipality: (file name, colour, alt text per language)."""
    index, (_, name, county, slug) = next(
        (index, row) for index, row in enumerate(MUNICIPALITIES) if row[0] == number
    )
    colour, colour_name = IMAGE_COLOURS[index % len(IMAGE_COLOURS)]
    alt: Texts = {
        "nb": (
            f"Illustrasjon: navnet {name} og fylket {county} ved siden av et enkelt skjold, "
            f"ikke kommunevåpenet, i hvitt på {colour_name['nb']} bakgrunn."
        ),
        "nn": (
            f"Illustrasjon: namnet {name} og fylket {county} ved sida av eit enkelt skjold, "
            f"ikkje kommunevåpenet, i kvitt på {colour_name['nn']} bakgrunn."
        ),
        "en": (
            f"Illustration: the name {name} and the county {county} beside a plain shield, "
            f"not the municipal coat of arms, in white on a {colour_name['en']} background."
        ),
    }
    return f"{slug}.png", colour, alt
