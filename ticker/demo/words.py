"""Word lists and templates of the demo newsroom: every word it prints comes from here.

Places, people and companies are invented. Templates use `{slot}` fields; a slot name ending in
a digit (`city2`) draws another value of the same pool. Pools are tuples of strings or callables
taking a `random.Random`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from random import Random

SITE_NAME = "Meridian Wire"
SITE_TAGLINE = "News from the places that are not on your map"

CITIES: tuple[str, ...] = (
    "Varnsk",
    "Port Sarrow",
    "Miravel",
    "Threnholm",
    "Castamir",
    "Brenn",
    "Halvik",
    "Orsana",
    "Quellin",
    "Vedra",
    "Lusk",
    "Kaltenbrück",
    "Doravia",
    "Selmarsh",
    "Ostenfeld",
    "Ravensk",
    "Talvas",
    "Novy Brask",
    "San Orello",
    "Edrin",
    "Mossgate",
    "Vallo",
    "Khemet",
    "Ardross",
    "Pellucida",
    "Tirnavo",
    "Skellburg",
    "Amaranth Bay",
    "Juvelo",
    "Korrin",
    "Belaqua",
    "Stravik",
    "Maru",
    "Lindhavn",
    "Cress",
    "Zamorin",
    "Ulgate",
    "Perivale",
    "Ostra Vela",
    "Dunmarrow",
)

COUNTRIES: tuple[str, ...] = (
    "Oltavia",
    "Keldmark",
    "Velloria",
    "Duskara",
    "Marenland",
    "Ostrevia",
    "Sunderra",
    "Kaltania",
    "Pelagia",
    "Arvenia",
    "Bresnia",
    "Norvale",
    "Tessaly",
    "Qarash",
    "Lunmark",
    "Esterra",
    "Vosgaard",
    "the Halcyon Republic",
    "Carvath",
    "Melisande",
)

UNION_MEMBERS: tuple[str, ...] = (
    "Keldmark",
    "Velloria",
    "Marenland",
    "Ostrevia",
    "Arvenia",
    "Bresnia",
    "Norvale",
    "Vosgaard",
    "Lunmark",
    "Tessaly",
)

REGIONS: tuple[str, ...] = (
    "the northern Kessel valley",
    "the coastal provinces",
    "the Ardent highlands",
    "the southern delta",
    "the Varn river basin",
    "the eastern steppe",
    "the Orsan lakes",
    "the border districts",
    "the Sable coast",
    "the central plateau",
    "the island chain",
    "the mining belt",
)

INSTITUTIONS: tuple[str, ...] = (
    "Parliament",
    "The Senate",
    "The National Assembly",
    "The Constitutional Court",
    "The cabinet",
    "The city council",
    "The upper house",
    "The Supreme Court",
    "The regional assembly",
    "The electoral commission",
)

ROLES: tuple[str, ...] = (
    "President",
    "Prime Minister",
    "Foreign Minister",
    "Finance Minister",
    "Interior Minister",
    "Defence Minister",
    "Health Minister",
    "opposition leader",
    "regional governor",
    "central bank governor",
    "Agriculture Minister",
    "Energy Minister",
    "mayor",
    "Trade Minister",
    "chief justice",
)

LEADERS: tuple[str, ...] = (
    "President",
    "Prime Minister",
    "Foreign Minister",
    "opposition leader",
    "Chancellor",
)

GROUPS: tuple[str, ...] = (
    "farmers",
    "dock workers",
    "rail unions",
    "teachers",
    "students",
    "taxi drivers",
    "nurses",
    "fishing crews",
    "miners",
    "truck drivers",
    "pensioners",
    "junior doctors",
    "airport staff",
    "tenants' groups",
)

WORKERS: tuple[str, ...] = (
    "nurses",
    "dock workers",
    "rail workers",
    "teachers",
    "air traffic controllers",
    "junior doctors",
    "miners",
    "bus drivers",
    "postal workers",
    "refuse collectors",
)

MEASURES: tuple[str, ...] = (
    "emergency grain corridor",
    "pension reform bill",
    "water-sharing treaty",
    "new border checks",
    "anti-corruption package",
    "fuel subsidy cuts",
    "coastal defence plan",
    "digital ID law",
    "rent freeze",
    "fishing ban",
    "press freedom bill",
    "minimum wage rise",
    "drought relief fund",
    "rail nationalisation plan",
    "new electoral map",
    "emergency powers extension",
    "tobacco tax increase",
    "land reform law",
)

DISASTER_NOUNS: tuple[str, ...] = (
    "floods",
    "wildfires",
    "landslides",
    "storms",
    "flash floods",
    "mudslides",
    "heavy rains",
)

TALKS: tuple[str, ...] = (
    "ceasefire talks",
    "border talks",
    "trade negotiations",
    "prisoner-exchange talks",
    "climate negotiations",
    "peace talks",
    "debt talks",
    "water negotiations",
)

FORCES: tuple[str, ...] = (
    "rebel forces",
    "the coast guard",
    "army units",
    "border police",
    "militia fighters",
    "peacekeepers",
    "navy patrols",
)

UNION_BODIES: tuple[str, ...] = (
    "Union Council",
    "Continental Parliament",
    "Continental Commission",
    "Council of Ministers",
)

UNION_POLICIES: tuple[str, ...] = (
    "fishing quotas",
    "rail liberalisation",
    "the asylum pact",
    "roaming charges",
    "farm subsidies",
    "the carbon border levy",
    "the common defence fund",
    "battery recycling rules",
    "the single power market",
    "packaging rules",
    "visa-free travel",
    "the budget rebate",
    "data-sharing rules",
    "rules on short-term rentals",
)

COMPANIES: tuple[str, ...] = (
    "Halvorsen Maritime",
    "Brightwell Foods",
    "Oltavian Rail",
    "Kestrel Aero",
    "Norvale Energy",
    "Quillstone Bank",
    "Vexa Telecom",
    "Marrow & Finch",
    "Sunderra Mining",
    "Castamir Steel",
    "Lumen Pharma",
    "Greyhaven Insurance",
    "Ostra Motors",
    "Pellucid Semiconductors",
    "Juniper Grid",
    "Threnholm Breweries",
    "Aldane Shipping",
    "Corvid Logistics",
    "Saffron Retail",
    "Tidewater Chemicals",
)

SECTORS: tuple[str, ...] = (
    "shipping",
    "steel",
    "banking",
    "telecoms",
    "retail",
    "mining",
    "chipmaking",
    "insurance",
    "airline",
    "renewable energy",
    "car-making",
    "pharmaceutical",
)

INDICATORS: tuple[str, ...] = (
    "Inflation",
    "Unemployment",
    "Factory output",
    "Retail sales",
    "Consumer confidence",
    "Housing starts",
    "Export growth",
    "Wage growth",
)

INDICATORS_LOWER: tuple[str, ...] = tuple(i.lower() for i in INDICATORS)

CURRENCIES: tuple[str, ...] = (
    "crown",
    "mark",
    "dinar",
    "florin",
    "thaler",
    "lira",
    "rand",
    "ducat",
)

AGENCIES: tuple[str, ...] = (
    "the Oltavian Space Agency",
    "the Continental Space Office",
    "the Keldmark Polar Institute",
    "the Velloria Institute of Oceanography",
    "the National Health Laboratory",
    "the Threnholm Observatory",
    "the Sunderra Climate Centre",
)

INSTITUTES: tuple[str, ...] = (
    "the University of Threnholm",
    "Castamir Polytechnic",
    "the Miravel Medical School",
    "the Brenn Institute for Advanced Study",
    "Port Sarrow University",
    "the Quellin Academy",
    "the Halvik Marine Station",
    "Varnsk State University",
)

PROBES: tuple[str, ...] = (
    "Lantern-2",
    "Heron",
    "Kestrel IV",
    "Aurelia",
    "Tern",
    "Wayfarer",
    "Sextant",
    "Lodestar",
)

BODIES: tuple[str, ...] = (
    "the comet Harrow-Venn",
    "the asteroid 4417 Osric",
    "Jupiter's moon Callisto",
    "the dwarf planet Ceres",
    "Saturn's rings",
    "a near-Earth asteroid",
    "the far side of the Moon",
)

SPECIES: tuple[str, ...] = (
    "blind salamander",
    "tree-dwelling crab",
    "glowing mushroom",
    "burrowing frog",
    "freshwater shrimp",
    "flightless beetle",
    "cliff-nesting owl",
    "orchid",
    "cave spider",
)

FINDINGS: tuple[str, ...] = (
    "poor sleep",
    "air pollution",
    "ultra-processed food",
    "long commutes",
    "noise at night",
    "loneliness",
    "shift work",
    "screen time before bed",
)

CONDITIONS: tuple[str, ...] = (
    "heart disease",
    "memory decline",
    "type 2 diabetes",
    "migraines",
    "high blood pressure",
    "childhood asthma",
    "depression",
)

DISEASES: tuple[str, ...] = (
    "measles",
    "cholera",
    "dengue fever",
    "a new strain of flu",
    "whooping cough",
    "a mystery respiratory illness",
)

FIRST_NAMES: tuple[str, ...] = (
    "Ilse",
    "Tomas",
    "Anouk",
    "Marek",
    "Sana",
    "Oren",
    "Liesl",
    "Davor",
    "Yara",
    "Emil",
    "Petra",
    "Joaquin",
    "Noor",
    "Kasimir",
    "Ines",
    "Bastien",
    "Mila",
    "Radu",
    "Helga",
    "Ayo",
    "Teodor",
    "Livia",
    "Arvid",
    "Selin",
    "Corin",
    "Maren",
    "Nikolai",
    "Esme",
    "Farid",
    "Odile",
)

LAST_NAMES: tuple[str, ...] = (
    "Marrovic",
    "Brenner",
    "Selvi",
    "Okafor",
    "Lindqvist",
    "Varga",
    "Castellane",
    "Doru",
    "Haddad",
    "Kowal",
    "Ferreira",
    "Aaltonen",
    "Mbeki",
    "Strand",
    "Novak",
    "Quist",
    "Ravel",
    "Sorensen",
    "Tamura",
    "Vlasic",
    "Ekwueme",
    "Fontaine",
    "Halloran",
    "Iversen",
    "Jurado",
)

MONTHS: tuple[str, ...] = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)

WEEKDAYS: tuple[str, ...] = (
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
)

WHEN: tuple[str, ...] = (
    "next week",
    "later this month",
    "before the summer recess",
    "by the end of the year",
    "within days",
    "after the holiday",
    "early next year",
    "on Thursday",
)


def _pct(rng: Random) -> str:
    """A percentage with one decimal: '3.4%'."""
    return f"{rng.uniform(0.3, 9.9):.1f}%"


def _count(rng: Random) -> str:
    """A small count of people or things: '34'."""
    return str(rng.randint(3, 95))


def _big(rng: Random) -> str:
    """A large round number with thousands separators: '1,200'."""
    return f"{rng.randint(2, 180) * 100:,}"


def _money(rng: Random) -> str:
    """An amount of money: '4.2 billion crowns'."""
    return f"{rng.uniform(1.1, 48.0):.1f} billion {rng.choice(CURRENCIES)}s"


def full_name(rng: Random) -> str:
    """An invented full name."""
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _years(rng: Random) -> str:
    """A prison term in years."""
    return str(rng.randint(2, 15))


def _temp(rng: Random) -> str:
    """A heatwave temperature in Celsius."""
    return str(rng.randint(40, 47))


def _year(rng: Random) -> str:
    """A recent year."""
    return str(rng.randint(2009, 2022))


def _vote(rng: Random) -> str:
    """A vote tally: '212 to 97'."""
    yes = rng.randint(120, 320)
    return f"{yes} to {rng.randint(20, yes - 40)}"


Pool = tuple[str, ...] | Callable[[Random], str]

POOLS: dict[str, Pool] = {
    "city": CITIES,
    "country": COUNTRIES,
    "member": UNION_MEMBERS,
    "region": REGIONS,
    "inst": INSTITUTIONS,
    "role": ROLES,
    "leader": LEADERS,
    "group": GROUPS,
    "measure": MEASURES,
    "workers": WORKERS,
    "disaster_noun": DISASTER_NOUNS,
    "talks": TALKS,
    "force": FORCES,
    "body_eu": UNION_BODIES,
    "policy": UNION_POLICIES,
    "company": COMPANIES,
    "sector": SECTORS,
    "indicator": INDICATORS,
    "indicator_l": INDICATORS_LOWER,
    "currency": CURRENCIES,
    "agency": AGENCIES,
    "institute": INSTITUTES,
    "probe": PROBES,
    "astro": BODIES,
    "species": SPECIES,
    "finding": FINDINGS,
    "condition": CONDITIONS,
    "disease": DISEASES,
    "month": MONTHS,
    "weekday": WEEKDAYS,
    "when": WHEN,
    "pct": _pct,
    "count": _count,
    "big": _big,
    "money": _money,
    "name": full_name,
    "year": _year,
    "years": _years,
    "temp": _temp,
    "vote": _vote,
}


@dataclass(frozen=True, slots=True)
class Family:
    """A kind of story: headline variants about one subject, and the tags it carries."""

    variants: tuple[str, ...]
    subject: str
    tags: tuple[str, ...]


# Desk name -> families. Variants of one family describe the same event, so an update of a
# story can switch to another variant and still read as the same story, developed.
FAMILIES: dict[str, tuple[Family, ...]] = {
    "world": (
        Family(
            (
                "{inst} in {city} approves {measure}",
                "{inst} in {city} delays vote on {measure}",
                "Lawmakers in {country} pass {measure} by {vote}",
                "{measure} clears first hurdle in {country}",
                "{leader} of {country} vows to sign {measure} despite protests",
            ),
            "the {measure}",
            ("Politics",),
        ),
        Family(
            (
                "{disaster_noun} displace thousands in {region} of {country}",
                "Death toll from {disaster_noun} in {region} rises to {count}",
                "Rescuers search for survivors after {disaster_noun} hit {city}",
                "{country} declares state of emergency as {disaster_noun} sweep {region}",
            ),
            "the {disaster_noun}",
            ("Disasters", "Climate"),
        ),
        Family(
            (
                "{talks} between {country} and {country2} resume in {city}",
                "{talks} in {city} stall as delegations trade accusations",
                "{country} walks out of {talks} with {country2}",
                "Breakthrough reported in {talks} hosted by {city}",
            ),
            "the {talks}",
            ("Diplomacy",),
        ),
        Family(
            (
                "{country} heads to the polls in tight presidential race",
                "Early results point to runoff in {country} election",
                "{leader} {name} concedes defeat in {country} election",
                "Observers question vote count in {city} after {country} election",
            ),
            "the election",
            ("Elections", "Politics"),
        ),
        Family(
            (
                "Thousands of {group} march through {city} over {measure}",
                "{group} block roads into {city} in protest at {measure}",
                "Police clear protest camp of {group} in central {city}",
                "Strike by {workers} enters second week in {country}",
            ),
            "the protests",
            ("Protests", "Labour"),
        ),
        Family(
            (
                "{force} seize border crossing near {city}",
                "{force} withdraw from {city} under truce deal",
                "Fighting flares near {city} as {force} push south",
                "Shelling cuts power to {city}, officials say",
            ),
            "the fighting",
            ("Conflict", "Security"),
        ),
        Family(
            (
                "{leader} {name} arrives in {city} for first foreign trip",
                "{country} and {country2} sign defence pact in {city}",
                "{country} recalls ambassador from {country2} over spying row",
                "{country} expels diplomats from {country2} after embassy raid",
            ),
            "the diplomatic row",
            ("Diplomacy", "Politics"),
        ),
        Family(
            (
                "Outbreak of {disease} spreads to {city}, health officials warn",
                "{country} launches vaccination drive as {disease} cases climb",
                "Schools close in {city} amid {disease} outbreak",
            ),
            "the outbreak",
            ("Health",),
        ),
        Family(
            (
                "Ferry carrying {count} passengers runs aground off {city}",
                "Ferry operator in {city} grounded after weekend accident",
                "Survivors of {city} ferry accident describe night at sea",
            ),
            "the accident",
            ("Transport",),
        ),
        Family(
            (
                "Court in {city} jails former {role} for {years} years over graft",
                "Former {role} of {country} goes on trial in {city}",
                "{role} {name} resigns as corruption inquiry widens",
            ),
            "the corruption case",
            ("Justice", "Politics"),
        ),
    ),
    "europe": (
        Family(
            (
                "{body_eu} agrees overhaul of {policy}",
                "{member} blocks deal on {policy} in {city}",
                "Ministers meet in {city} to break deadlock over {policy}",
                "{body_eu} postpones vote on {policy} after late objections",
            ),
            "the reform of {policy}",
            ("Union", "Politics"),
        ),
        Family(
            (
                "{member} and {member2} reopen border crossing at {city}",
                "Night trains return between {city} and {city2} after 20 years",
                "High-speed line from {city} to {city2} delayed again",
                "{member} to fund new bridge linking {city} and {city2}",
            ),
            "the link between {city} and {city2}",
            ("Transport",),
        ),
        Family(
            (
                "{member} prime minister survives confidence vote",
                "Coalition in {member} collapses over {policy}",
                "{member} calls snap election for {month}",
                "New government sworn in in {member} after {count} days of talks",
            ),
            "the government crisis",
            ("Politics",),
        ),
        Family(
            (
                "{workers} in {member} strike over pay as talks fail",
                "Airports in {member} disrupted as {workers} walk out",
                "{member} reaches deal with {workers} to end walkout",
            ),
            "the strike",
            ("Labour",),
        ),
        Family(
            (
                "{city} bans cars from historic centre",
                "{city} votes to cap tourist numbers in old town",
                "Residents of {city} split over plan to limit cruise ships",
            ),
            "the plan for {city}",
            ("Cities",),
        ),
        Family(
            (
                "{body_eu} fines {member} over air quality in {city}",
                "{body_eu} opens case against {member} over {policy}",
                "{member} wins court appeal over {policy}",
            ),
            "the case against {member}",
            ("Justice", "Union"),
        ),
        Family(
            (
                "Heatwave in {member} brings record {temp}C in {city}",
                "{member} rations water as reservoirs near {city} run dry",
                "Wildfire near {city} forces evacuation of villages",
            ),
            "the heatwave",
            ("Climate", "Weather"),
        ),
        Family(
            (
                "Energy ministers agree emergency gas storage targets",
                "{member} switches off last coal plant near {city}",
                "Offshore wind farm off {city} starts supplying power",
            ),
            "the energy plan",
            ("Energy", "Climate"),
        ),
    ),
    "business": (
        Family(
            (
                "{company} shares jump {pct} after surprise profit",
                "{company} shares slide {pct} as profit warning spooks investors",
                "{company} raises full-year outlook on strong demand",
                "{company} misses forecasts as costs bite",
            ),
            "the results at {company}",
            ("Companies", "Markets"),
        ),
        Family(
            (
                "{company} to cut {big} jobs at {city} plant",
                "{company} to close {city} plant, unions say",
                "Unions at {company} call strike over {city} closure plan",
            ),
            "the job cuts at {company}",
            ("Companies", "Labour"),
        ),
        Family(
            (
                "{company} agrees {money} takeover of {company2}",
                "{company2} rejects {money} bid from {company}",
                "Regulators in {country} to probe {company} deal for {company2}",
                "{company} walks away from bid for {company2}",
            ),
            "the takeover of {company2}",
            ("Deals", "Companies"),
        ),
        Family(
            (
                "{indicator} in {country} eases to {pct} in {month}",
                "{indicator} in {country} unexpectedly rises to {pct}",
                "{indicator} in {country} hits two-year high",
            ),
            "the latest figures",
            ("Economy",),
        ),
        Family(
            (
                "Central bank of {country} raises rates to {pct}",
                "Central bank of {country} holds rates, signals cut",
                "{country}'s {currency} falls to record low against the dollar",
                "Central bank of {country} intervenes to prop up the {currency}",
            ),
            "the central bank's decision",
            ("Economy", "Markets"),
        ),
        Family(
            (
                "Port of {city} reopens after week-long shutdown",
                "Shipping rates climb as {city} port congestion worsens",
                "{company} reroutes ships away from {city} as delays mount",
            ),
            "the disruption at {city}",
            ("Trade", "Transport"),
        ),
        Family(
            (
                "{country} unveils {money} plan to lure {sector} investment",
                "{country} to sell stake in state {sector} group",
                "{sector} stocks rally after {country} cuts taxes",
            ),
            "the government plan",
            ("Economy", "Policy"),
        ),
        Family(
            (
                "{company} chief executive {name} steps down",
                "{company} names {name} as new chief executive",
                "Investors in {company} revolt over executive pay",
            ),
            "the leadership change at {company}",
            ("Companies",),
        ),
    ),
    "science": (
        Family(
            (
                "{probe} probe sends first images of {astro}",
                "{probe} probe enters orbit around {astro}",
                "Contact lost with {probe} probe near {astro}",
                "{agency} delays launch of {probe} mission",
            ),
            "the {probe} mission",
            ("Space",),
        ),
        Family(
            (
                "New species of {species} discovered near {city}",
                "{species} found in {region} is new to science",
                "Researchers find rare {species} in forests near {city}",
            ),
            "the discovery",
            ("Nature", "Biology"),
        ),
        Family(
            (
                "Study links {finding} to higher risk of {condition}",
                "Large study finds no link between {finding} and {condition}",
                "Researchers at {institute} tie {finding} to {condition}",
            ),
            "the study",
            ("Health", "Research"),
        ),
        Family(
            (
                "Glaciers in {country} retreating faster than expected",
                "Sea ice around {country} at lowest level on record",
                "Scientists warn {region} faces more frequent {disaster_noun}",
            ),
            "the findings",
            ("Climate",),
        ),
        Family(
            (
                "Fossil found near {city} rewrites story of early birds",
                "Ancient shipwreck off {city} yields bronze-age cargo",
                "Archaeologists uncover Roman-era road under {city}",
            ),
            "the find",
            ("Archaeology",),
        ),
        Family(
            (
                "Trial of new {condition} drug shows promise, {institute} says",
                "Regulator in {country} approves first {condition} gene therapy",
                "{institute} halts {condition} trial after side effects",
            ),
            "the trial",
            ("Health", "Medicine"),
        ),
        Family(
            (
                "Fusion experiment at {institute} sets energy record",
                "Physicists at {institute} report new quantum memory milestone",
                "{institute} unveils battery that charges in {count} minutes",
            ),
            "the experiment",
            ("Physics", "Technology"),
        ),
    ),
}

# Added after a headline that is too short for a load-test feed.
TAILS: tuple[str, ...] = (
    ", officials say",
    ", sources say",
    " as pressure mounts",
    " amid protests in {city}",
    " after all-night talks",
    ", reports say",
    " despite warnings",
    " in blow to government",
    ", ministry confirms",
    " as critics cry foul",
    " after weeks of uncertainty",
    ", state media reports",
)

SUMMARIES: tuple[str, ...] = (
    "The decision follows weeks of pressure from {group} and could reshape politics in {country}.",
    "{role} {name} called it a turning point, but critics said the details remain unclear.",
    "Officials in {city} said more information would be released {when}.",
    "It is the latest twist in a saga that has dominated headlines in {country} since {month}.",
    "Analysts said {subject} would test the government's fragile majority.",
    "Reporters in {city} describe crowds gathering outside government buildings.",
    "The move drew immediate criticism from {group}, who promised to fight on.",
    "Markets were calm after the announcement, with the {currency} little changed.",
    "Here is what we know so far about {subject}, and what happens next.",
    "{name}, who has followed {subject} for years, explains why it matters.",
    "Figures published on {weekday} show the scale of the challenge facing {country}.",
    "The announcement came hours after {role} {name} met officials in {city}.",
)

SCIENCE_SUMMARIES: tuple[str, ...] = (
    "Researchers say {subject} could change how scientists think about the problem.",
    "{name} of {institute} explains what the results do, and do not, show.",
    "The work took {count} months and involved teams in {country} and {country2}.",
    "Here is what we know so far about {subject}, and what happens next.",
    "Independent experts called the results intriguing but preliminary.",
    "Data released by {agency} on {weekday} adds to a growing body of evidence.",
    "It is the first result of its kind since {year}, scientists said.",
)

SENTENCES: tuple[str, ...] = (
    "{subject} has dominated debate in {city} for weeks.",
    'Officials said the situation was "under control", though few details were given.',
    '"We have never seen anything like this," said {name}, who has lived in {city} for '
    "{count} years.",
    "The {role} is expected to address the nation {when}.",
    "Critics, including several {group}, argue that the plan goes too far.",
    "Others say it does not go nearly far enough.",
    "The numbers tell only part of the story.",
    "According to figures published in {month}, {indicator_l} in {country} stood at {pct}.",
    "In {city}, the mood was tense but calm on {weekday} evening.",
    "{name}, an analyst at {institute}, said the decision had been months in the making.",
    '"This is a test for all of us," the {role} told reporters.',
    "It was not immediately clear what {subject} would mean for {city}.",
    "A spokesperson declined to comment on the reports.",
    "Similar plans were abandoned in {year} after a public outcry.",
    "The government has promised a full review of {subject} {when}.",
    "Neighbouring {country2} said it was following developments closely.",
    "Local media reported that at least {count} people had been questioned.",
    "Many residents of {city} say they first heard the news on social media.",
    "For {group}, the stakes could hardly be higher.",
    "Talks are expected to continue {when}, though no date has been set.",
    "Some {big} people are thought to be directly affected.",
    "The last time {country} faced a comparable situation was in {year}.",
    "Opposition parties have called for an independent inquiry.",
    "The cost has been estimated at {money}, a figure some economists dispute.",
    "Few expect a quick resolution.",
    '"People are tired, and they want answers," said {name}, a local councillor.',
    'The {role} {name} described the outcome as "a fair compromise".',
    "Diplomats in {city} said privately that the timing was no accident.",
    "Much will depend on what happens in {city2} over the coming days.",
    "Independent observers have been invited to monitor the process.",
    "Shops and offices in the centre of {city} stayed open.",
    "The plan would be phased in over {count} months, officials said.",
    "That estimate was revised sharply upwards on {weekday}.",
    "Supporters of {subject} insist the benefits will outweigh the costs.",
    "Behind the scenes, however, the mood is said to be far less confident.",
    "A poll published on {weekday} suggested public opinion was evenly split.",
    "The sums involved are large even by regional standards.",
    "Questions remain about who knew what, and when.",
)

# Sentences that only suit one desk; an article draws from its desk's and the general ones.
DESK_SENTENCES: dict[str, tuple[str, ...]] = {
    "world": (
        "Aid agencies said access to parts of {region} remained difficult.",
        "The {role} cut short a visit to {city2} to return to the capital.",
        "Satellite images reviewed by analysts showed damage across {region}.",
        "The United Nations envoy for the region called for calm on all sides.",
        "Roads out of {city} were jammed for much of the night.",
        "{country2} and several other neighbours have offered assistance.",
        "Humanitarian groups estimate that {big} people need urgent help.",
        "The foreign ministry summoned the ambassador of {country2} on {weekday}.",
    ),
    "europe": (
        "Diplomats in {city2} said a compromise text was circulating among member states.",
        "The proposal needs the backing of a qualified majority of the Union's members.",
        "Ministers from {member} and {member2} are said to be leading the opposition.",
        "The Continental Commission is due to present its own figures {when}.",
        "Lawmakers in the Continental Parliament have already tabled {count} amendments.",
        "Business groups in {member} welcomed the move but asked for a longer transition.",
        "Trains between {city} and {city2} were running normally on {weekday}.",
        "The rules would apply in all member states from {year} onwards, under the plan.",
    ),
    "business": (
        "Shares in {company} closed {pct} higher in {city}.",
        "The {currency} was little changed against the dollar after the news.",
        "Analysts at {company2} said the figures were better than feared.",
        "The company employs about {big} people, most of them in {country}.",
        "Bond yields edged up as investors priced in further rate rises.",
        "Quarterly revenue rose to {money}, in line with forecasts.",
        "Trading volumes were thin ahead of a holiday in {country2}.",
        "{company} said it would give more detail at its investor day {when}.",
        "The {sector} sector has been under pressure since {month}.",
        "Regulators in {country} declined to comment.",
    ),
    "science": (
        "The findings were published on {weekday} in a peer-reviewed journal.",
        "The team, led by {name} of {institute}, spent {count} months on the work.",
        "Independent experts said the results needed to be replicated.",
        '"It is a small step, but it opens a door," said {name}, who was not involved.',
        "Data from {agency} will be made public {when}.",
        "The sample included more than {big} participants across {country}.",
        "Similar results were reported by a smaller study in {year}.",
        "Funding came partly from {agency} and partly from private donors.",
        "The researchers cautioned that the effect, while measurable, was modest.",
        "Further observations are planned {when}, weather permitting.",
        "Instruments on board were switched on one at a time to save power.",
        "The work relied on measurements taken near {city} over several seasons.",
    ),
}

# General sentences that read well in a science story too.
NEUTRAL_SENTENCES: tuple[str, ...] = (
    "The numbers tell only part of the story.",
    "A spokesperson declined to comment on the reports.",
    "Few expect a quick resolution.",
    "Questions remain about who knew what, and when.",
    "{name}, an analyst at {institute}, said the decision had been months in the making.",
    "A poll published on {weekday} suggested public opinion was evenly split.",
    "That estimate was revised sharply upwards on {weekday}.",
    "Supporters of {subject} insist the benefits will outweigh the costs.",
)


SUBHEADINGS: tuple[str, ...] = (
    "What happens next",
    "A long road to {city}",
    "Reaction in {country}",
    "The numbers",
    "Why it matters",
    "Background",
    "Voices from {city}",
    "A divided {country}",
    "What the critics say",
    "The view from {city2}",
)

LIST_ITEMS: tuple[str, ...] = (
    "{count} people have been affected so far",
    "The cost is estimated at {money}",
    "Talks resume {when}",
    "{group} have threatened further action",
    "A first vote was held in {month}",
    "{country2} has offered to mediate",
    "Officials in {city} will publish a report {when}",
    "The {role} has yet to comment",
    "Similar measures were dropped in {year}",
)

QUOTES: tuple[str, ...] = (
    "We did not choose this fight, but we will not walk away from it.",
    "Everybody in {city} knows someone who has been affected.",
    "The world is watching what happens here, and it should be.",
    "There is no easy answer, and anyone who says otherwise is not being honest.",
    "We were promised change years ago. We are still waiting.",
    "This is not the end of the story. It is barely the beginning.",
)

CAPTIONS: tuple[str, ...] = (
    "A view of central {city} on {weekday}.",
    "People gather outside the regional government building in {city}.",
    "Officials arrive for talks in {city2}.",
    "The harbour at {city}, where much of the activity is concentrated.",
    "Residents of {city} queue for supplies.",
)

PHOTO_AGENCIES: tuple[str, ...] = (
    "Meridian Wire",
    "Northlight Photo",
    "Harbour Images",
    "Pool",
    "Agence Varn",
)

SECTIONS: tuple[str, ...] = (
    "World",
    "Europe",
    "Business",
    "Science",
    "Politics",
    "Climate",
    "Health",
    "Technology",
    "Culture",
    "Sport",
    "Opinion",
    "Video",
    "Podcasts",
    "Newsletters",
    "Weather",
    "Archive",
)

FOOTER_LINKS: tuple[str, ...] = (
    "About us",
    "Contact",
    "Careers",
    "Advertise",
    "Corrections",
    "Terms of use",
    "Privacy policy",
    "Cookie settings",
    "Accessibility",
    "RSS feeds",
    "Help",
    "Sitemap",
)

SHARE_NETWORKS: tuple[str, ...] = (
    "Facebook",
    "Telegram",
    "WhatsApp",
    "X",
    "LinkedIn",
    "Email",
    "Copy link",
)
