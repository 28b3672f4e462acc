"""What a report says that survives translation: the evidence two reports of one event share.

Read once per tip, before the gathering lock, and stored with its triage (`TipTriage.evidence`),
so a candidate is compared without reading its text again:

- `names`: stems of the rare words (place names, nicknames, boat names), transliterated to
  Latin letters, reduced to their consonants and without the last one, so "Tarajal", "الطراخال"
  and "Тарахаль" meet, and so do "Lars" and "на Ларсе"; an Arabic word with a clitic ("فكانغو")
  gives the name with and without it. `everyday_names` marks those that only everyday words of
  the report's language gave (wordfreq): cognates such as "pasaporte" and "passaporte" read
  alike but tie no two reports on their own;
- `day` and `hours`: the day the text says the event happened ("anoche", "вчера ночью",
  "hier soir", relative to the day the tip arrived) and the clock hours it gives ("a las 2",
  "около двух", "vers 2h");
- `details`: vehicles, colours, goods and what happened (shooting, drowning, an arrest ...),
  each one word in every language ("camioneta",
  "фургон" and "van" are all `van`);
- `counts`: how many people or things ("four men", "quatre hommes", "4 hommes");
- `words`: the folded word prefixes, for similarity between reports in one language.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property, lru_cache

from anyascii import anyascii
from wordfreq import zipf_frequency

from ..classify import seed_examples
from ..features import CONCEPT_MARK, base_language, concepts, folded_words
from ..folding import fold

# A word in at least this many seed tips is common language, not a name.
COMMON_IN_SEED_TIPS = 20
# A word at least this frequent in general use (wordfreq's Zipf scale: 3 is once per million
# words) in the report's language, or in English, is an everyday word, not a name: "pasaporte"
# and "passaporte" must not tie two reports of different events.
EVERYDAY_ZIPF = 3.5
MIN_NAME_LETTERS = 4  # shorter rare words are typos and abbreviations more often than names
MIN_SKELETON = 3  # "kt" would meet too many other words
WORD_PREFIX = 5
MAX_WORDS = 60  # stored per tip: enough for a long report's distinctive words

_WORD_RE = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_VOWELS = str.maketrans("", "", "aeiouyw'")  # w and y stand for Arabic و and ي, mostly vowels


STRONG_IDENTIFIERS = frozenset({"phone", "email", "plate", "id_number", "handle", "link"})
NOT_EVENTS = frozenset({"not_a_crime_report", "spam_abuse"})


@dataclass(frozen=True)
class Evidence:
    names: frozenset[str] = frozenset()
    day: int | None = None  # days before the tip arrived (0 today, 1 yesterday), when the text says
    hours: frozenset[int] = frozenset()
    details: frozenset[str] = frozenset()
    counts: frozenset[int] = frozenset()
    words: frozenset[str] = frozenset()
    concepts: frozenset[str] = frozenset()  # the classifier's six-language concepts (bribe, migrant ...)
    # Names that only everyday words gave ("pasaporte" and "passaporte" read alike): weaker ties.
    everyday_names: frozenset[str] = frozenset()

    def as_json(self) -> dict[str, object]:
        return {"names": sorted(self.names), "day": self.day, "hours": sorted(self.hours),
                "details": sorted(self.details), "counts": sorted(self.counts), "words": sorted(self.words),
                "concepts": sorted(self.concepts), "everyday_names": sorted(self.everyday_names)}

    @classmethod
    def from_json(cls, data: dict[str, object] | None) -> Evidence:
        if not data:
            return cls()
        day = data.get("day")
        return cls(frozenset(data.get("names") or ()), int(day) if day is not None else None,  # type: ignore[arg-type]
                   frozenset(data.get("hours") or ()), frozenset(data.get("details") or ()),  # type: ignore[arg-type]
                   frozenset(data.get("counts") or ()), frozenset(data.get("words") or ()),  # type: ignore[arg-type]
                   frozenset(data.get("concepts") or ()),  # type: ignore[arg-type]
                   frozenset(data.get("everyday_names") or ()))  # type: ignore[arg-type]


# --- the lexicon: one entry per meaning, its words in the six languages, folded ----------------
# A trailing * takes any ending ("camion*" is camion, camiones, camioneta is listed apart).

DETAILS: dict[str, str] = {
    # vehicles
    "truck": "truck* lorry lorries trailer* camion camiones trailer trailers rastra* caminhao caminhoes carreta* "
             "грузовик* фура фуры фуру фурой камаз* شاحن* تريلا* كميون* kamion* gruzovik*",
    "van": "van vans minivan* camioneta* furgon* fourgon* fourgonnette* kombi* фургон* микроавтобус* "
           "газел* буханк* فان ميكروباص* furgao furgoes fourgonette*",
    "pickup": "pickup* pick-up* troca* ranchera* hilux* pikap* пикап* بيكاب* هايلوكس*",
    "car": "car cars sedan* auto autos carro carros coche* voiture* bagnole* caisse машин* легков* тачк* "
           "سيار* toyota* тойот* تويوت*",
    "motorbike": "motorbike* motorcycle* moto motos motocicleta* motoneta* mototaxi* zemidjan* okada* "
                 "мотоцикл* мопед* موتو* دراج* موتسيكل*",
    "bus": "bus buses autobus* onibus* ônibus* автобус* маршрутк* باص* حافل* بوسط*",
    "boat": "boat* canoe* dinghy dinghies zodiac* lancha* panga* bote* barco* balsa* bateau* pirogue* canot* barque* "
            "embarca* barqu* canoa* лодк* катер* резинк* шлюпк* قارب* زورق* فلوك* شقف* بوت* patera* cayuco*",
    "taxi": "taxi* cab cabs такси* تاكسي* تكسي*",
    "horse": "horse* donkey* mule* camel* caballo* burro* mula* camello* cheval* chevaux ane anes mulet* chameau* "
             "cavalo* burro* jumento* camelo* лошад* осл* мул* верблюд* حمار* حمير بغل* جمل خيل* حصان*",
    "drone": "drone* dron* dron drones дрон* беспилот* درون* مسير*",
    # colours
    "white": "white blanc* blanca* blanco* branc* белый белая белого белой белую белые белым белом ابيض بيضاء بيضا",
    "black": "black negr* noir* pret* preta* черн* чёрн* اسود سوداء سودا",
    "red": "red roj* roug* vermelh* красн* احمر حمراء حمرا",
    "blue": "blue azul* bleu* син* голуб* ازرق زرقاء زرقا",
    "green": "green verde* vert verte verts зелен* зелён* اخضر خضراء خضرا",
    "grey": "grey gray gris* cinza cinzent* серый серая серого серой серую серые серым رمادي رصاصي",
    "silver": "silver plateado* plateada* prata prateado* серебрист* فضي",
    "yellow": "yellow amarill* jaune* amarel* желт* жёлт* اصفر صفراء",
    # goods and people
    "cigarettes": "cigarette* cigs tobacco cigarro* cigarrillo* tabaco clope* tabac cigarr* сигарет* табак* سجائر سجاير دخان تبغ",
    "fuel": "fuel petrol gasoline diesel gasolina* combustible* diesel* essence carburant* gasoil kpayo бензин* "
            "топлив* дизел* солярк* بنزين* مازوت* وقود* ديزل* سولار*",
    "drugs": "drug* cocaine coke meth heroin* weed cannabis fentanyl* droga* cocaina perico mota cristal "
             "drogue* cocaine shit haschich hashish* maconha* наркот* кокаин* героин* мет метамфетамин* гашиш* трав* "
             "مخدر* حشيش* كوكايين* هيروين* كبتاغون* captagon* حبوب",
    "weapons": "gun* rifle* weapon* arma* fusil* pistol* kalash* ak00 armes arme ammo munici* оруж* автомат* "
               "пистолет* патрон* سلاح* اسلح* بندق* كلاشن* رصاص* ذخير*",
    "cattle": "cattle cow* cows goat* sheep vaca* ganado* bœuf* boeuf* bétail* betail vache* mouton* chevre* "
              "gado boi* ovelha* скот* коров* овц* баран* ماشي* بقر* غنم* خراف*",
    "children": "child* kid* kids minor* boy* girl* niño* nino* nina* niña* menor* chico* chica* enfant* gamin* "
                "mineur* crianc* menin* дет* ребен* ребён* мальчик* девочк* подрост* اطفال طفل* صغار قاصر*",
    "women": "women woman mujer* femme* mulher* женщин* девушк* نساء امراه* بنات",
    "cash": "cash money dollar* peso* dinero* plata billete* argent cfa francs dinheiro reais "
            "деньг* бабк* долл* налич* مصاري فلوس مال دولار* دينار* ليرة",
    "uniform": "uniform* uniforme* soldier* police* policia* militar* gendarm* douan* policier* soldado* "
               "форм* солдат* военн* полиц* полицей* погран* таможн* شرط* جيش* عسكري* جمارك* درك*",
    # what happened: two reports of one place and night that say different things happened are
    # two events
    "shooting": "shot shots shoot* gunfire gunshot* disparo* disparar* balacera* balear* balearon baleado* balazo* "
                "tiroteo* fusillade* tirs tireur* tiroteio* atirar* atiraram стрел* выстрел* пальб* подстрел* "
                "اطلاق طلقات طلق* رشاش*",
    "drowning": "drown* capsiz* flipped sank sunk overturn* ahog* naufrag* volco volcaron noye* noyade chavir* "
                "afog* virou тонул* утонул* утопил* перевернул* غرق* انقلب* تقلب*",
    "fence": "fence* wall valla* alambr* grillage* cloture* barbele* arame* забор* стен* сетк* колюч* "
             "سياج* جدار* سور* شبك*",
    "ladder": "ladder* climb* escalera* trepa* brinc* echelle* escalad* escada* лестниц* перелез* سلم* تسلق*",
    "arrest": "arrest* detain* apprehen* detenid* detuvi* arrestar* capturad* arrete* arretes interpell* "
              "detido* detidos prenderam presos задерж* арест* поймал* схватил* اعتقل* قبض* القبض اوقفو*",
    "kidnapping": "kidnap* abduct* ransom* secuestr* levanton* rapt* enlev* rancon* sequestr* resgate* "
                  "похит* выкуп* خطف* فدي* مخطوف*",
    "robbery": "rob robbed robber* steal* stole* mugg* asalt* robar* robaron atrac* derob* depouill* roub* assalt* "
               "ограб* украл* отобрал* сняли سرق* سلب* نهب*",
    "beating": "beat beaten beating hit golpe* golpear* paliza* frapp* tabass* espanc* agred* избил* избива* бьют "
               "ضرب* يضربو* ضربو*",
    "fire": "fire burn* burning incendi* fuego quem* brul* incendie feu fogo пожар* горит* горел* сгорел* огонь حريق* احترق*",
    "bodies": "body bodies corpse* dead killed murder* cuerpo* cadaver* muerto* asesin* mataron cadavre* corps mort "
              "morts tue tues corpo* morto* mataram тело тела тел трупы труп* убит* погиб* جثث جثه جثة قتل* ميت* مات",
    "swimming": "swim* swam nadand* nadar nadaron nage nager nageur* вплав плыл* плыв* عوم* سباح* يعومو",
    "tunnel": "tunnel* tunel* туннел* тоннел* نفق* انفاق",
}

NUMBER_WORDS: dict[int, str] = {
    2: "two dos deux dois duas два двое двух اثنين اثنان تنين زوج",
    3: "three tres trois três три трое трех трёх ثلاث ثلاثه تلاته تلت",
    4: "four cuatro quatre quatro четыре четверо четырех اربع اربعه اربعة",
    5: "five cinco cinq пять пятеро пяти خمس خمسه خمسة",
    6: "six seis шесть шестеро ست سته ستة",
    7: "seven siete sept sete семь семеро سبع سبعه سبعة",
    8: "eight ocho huit oito восемь ثمان ثمانيه تمن تمانيه",
    9: "nine nueve neuf nove девять تسع تسعه",
    10: "ten diez dix dez десять десяток عشر عشره عشرة",
    12: "twelve doce douze doze двенадцать اثنا عشر",
    15: "fifteen quince quinze пятнадцать",
    20: "twenty veinte vingt vinte двадцать عشرين عشرون",
    30: "thirty treinta trente trinta тридцать ثلاثين",
    50: "fifty cincuenta cinquante cinquenta пятьдесят خمسين",
    100: "hundred cien ciento cent cem сто مية مئة ميه",
}

# Days before arrival the text places the event. Phrases are matched on folded words.
DAYS_BEFORE: dict[int, str] = {
    2: "day before yesterday|anteayer|antier|antes de ayer|avant-hier|avant hier|anteontem|antes de ontem|"
       "позавчера|اول امس|امس الاول|اول مبارح",
    1: "yesterday|last night|last evening|ayer|anoche|hier|la nuit derniere|ontem|onti|"
       "вчера|прошлой ночью|امس|البارحه|البارح|مبارح|امبارح|lbareh|emberah|mbareh|ams",
    0: "today|tonight|this morning|this evening|right now|just now|hoy|esta noche|esta manana|ahora|ahorita|orita|"
       "aujourd'hui|aujourdhui|ce soir|ce matin|maintenant|en ce moment|hoje|hoje a noite|esta manha|agora|"
       "сегодня|сейчас|этой ночью|этим утром|сегодня ночью|اليوم|الان|هلا|هلق|هلأ|الليله|هالليله|هالصبح|daba|lyoum|"
       "alyoum|tawa|توا|دابا",
}

# A clock hour: "2am", "2 am", "2h", "2h30", "02:30", "5h30"; or a number after a word that introduces
# one ("a las 2", "as 2", "vers 2", "в 2", "около двух", "الساعه 2", "a las dos").
_CLOCK_RE = re.compile(
    r"\b(\d{1,2})(?:[:h.]\d{2})?\s*(?:am|pm|a\.m|p\.m|h|hrs?|heures?|ч|час\w*)\b|\b(\d{1,2})[:h]\d{2}\b", re.UNICODE)
HOUR_MARKERS = frozenset(fold(word) for word in (
    "la las at around about das vers à as в v okolo около примерно الساعه الساعة حوالي بحدود مع").split())
_PM_RE = re.compile(r"\b(pm|p\.m|de la tarde|de la noche|du soir|da tarde|da noite|вечера|vechera|مساء|بالليل|الليل|ليلا)\b")


def _entries(spec: str, separator: str = " ") -> list[str]:
    return [fold(entry.strip()) for entry in spec.split(separator) if entry.strip()]


@lru_cache(maxsize=1)
def _detail_table() -> tuple[dict[str, str], list[tuple[str, str]], dict[tuple[str, ...], str]]:
    exact: dict[str, str] = {}
    prefixes: list[tuple[str, str]] = []
    phrases: dict[tuple[str, ...], str] = {}
    for meaning, spec in DETAILS.items():
        for entry in spec.split(" "):
            entry = fold(entry.strip())
            if not entry:
                continue
            if entry.endswith("*"):
                prefixes.append((entry[:-1], meaning))
            else:
                exact[entry] = meaning
    # Entries of two words: the spec format above separates entries by spaces.
    for phrase, meaning in (("pick up", "pickup"), ("camion de pasajeros", "bus"), ("ميني باص", "van"),
                            ("car de transport", "bus"), ("بيك اب", "pickup")):
        phrases[tuple(fold(phrase).split())] = meaning
    prefixes.sort(key=lambda item: -len(item[0]))
    return exact, prefixes, phrases


@lru_cache(maxsize=100_000)
def _detail_of(word: str) -> str | None:
    exact, prefixes, _phrases = _detail_table()
    if word in exact:
        return exact[word]
    bare = word
    for arabic_prefix in ("بال", "وال", "فال", "ال", "و", "ب"):  # Arabic article and clitics
        if word.startswith(arabic_prefix) and len(word) - len(arabic_prefix) >= 3:
            bare = word[len(arabic_prefix):]
            if bare in exact:
                return exact[bare]
            break
    for prefix, meaning in prefixes:
        if len(prefix) >= 3 and (word.startswith(prefix) or bare.startswith(prefix)):
            return meaning
    return None


@lru_cache(maxsize=1)
def _number_words() -> dict[str, int]:
    return {word: value for value, spec in NUMBER_WORDS.items() for word in _entries(spec)}


@lru_cache(maxsize=1)
def _day_phrases() -> dict[str, list[tuple[tuple[str, ...], int]]]:
    """By first word, longest first ("day before yesterday" before "day")."""
    by_first: dict[str, list[tuple[tuple[str, ...], int]]] = {}
    for days, spec in DAYS_BEFORE.items():
        for phrase in _entries(spec, "|"):
            words = tuple(_WORD_RE.findall(phrase))
            by_first.setdefault(words[0], []).append((words, days))
    for phrases in by_first.values():
        phrases.sort(key=lambda item: -len(item[0]))
    return by_first


@lru_cache(maxsize=1)
def _seed_frequencies() -> tuple[Counter[str], int]:
    """In how many seed tips each (transliterated) word appears, and how many tips there are.

    The classifier's seed is written in all six languages by other writers than the duplicate
    sets, and every deployment has it, so it serves as the background that tells a name apart.
    """
    examples = seed_examples()
    counts: Counter[str] = Counter()
    for example in examples:
        counts.update({_latin(word) for word in _WORD_RE.findall(fold(example.text))})
    return counts, len(examples)


@lru_cache(maxsize=1)
def common_words() -> frozenset[str]:
    """Words of at least COMMON_IN_SEED_TIPS seed tips: the everyday language of reports."""
    counts, _tips = _seed_frequencies()
    return frozenset(word for word, count in counts.items() if count >= COMMON_IN_SEED_TIPS)


@lru_cache(maxsize=1)
def stem_frequencies() -> Counter[str]:
    """In how many seed tips each name stem appears: a stem of three consonants is shared by
    everyday words too ("persona" and "preso" both read `prs`), so the rarest stems are a
    report's most telling names."""
    counts: Counter[str] = Counter()
    for example in seed_examples():
        words = _WORD_RE.findall(fold(example.text))
        counts.update({stem for word in words if len(word) >= MIN_NAME_LETTERS for stem in _stems(word)})
    return counts


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """Words of 2% of seed tips or more: they say nothing about which event a report is about."""
    counts, tips = _seed_frequencies()
    return frozenset(word for word, count in counts.items() if count >= tips * 0.02)


@lru_cache(maxsize=200_000)
def _latin(word: str) -> str:
    return anyascii(word).lower()


@lru_cache(maxsize=200_000)
def skeleton(word: str) -> str:
    """A word's consonants in Latin letters: how a name is spelt alike across scripts.

    Arabic script writes no short vowels, so the Latin and Cyrillic spellings drop theirs too;
    sounds that transliterations spell differently become one letter (kh, j and h; c and k ...).
    """
    latin = _latin(word)
    if word.startswith("ال") and len(word) > 4:  # the Arabic article
        latin = latin[1:] if latin.startswith("l") else latin
    latin = re.sub(r"[^a-z]", "", latin)
    latin = re.sub(r"c(?=[eiy])", "s", latin)
    for spelt, sound in (("kh", "h"), ("sh", "s"), ("ch", "s"), ("zh", "j"), ("th", "t"), ("ph", "f"),
                         ("gh", "g"), ("qu", "k"), ("ck", "k"), ("ts", "s"), ("dj", "j"), ("ou", "u")):
        latin = latin.replace(spelt, sound)
    latin = latin.translate(str.maketrans("jcqxvz", "hkkkbs")).translate(_VOWELS)
    collapsed = re.sub(r"(.)\1+", r"\1", latin)
    # "Drar" and "درار" both read "drr": kept whole when collapsing would leave too short a skeleton.
    return collapsed if len(collapsed) >= MIN_SKELETON else latin


def name_stem(bone: str) -> str:
    """A skeleton without its last consonant: how one name meets itself declined or respelt
    ("Ларсе" and "Lars", "Kuznica" and "Кузнице", "pallets" and "паллетами")."""
    return bone[:-1] if len(bone) > MIN_SKELETON else bone


_ARABIC_CLITICS = ("بال", "وال", "فال", "كال", "لل", "و", "ب", "ف", "ل", "ك")


def _without_clitic(word: str) -> tuple[str, ...]:
    """An Arabic word and, when it starts with a clitic ("بكوزنيتسا", "فكانغو"), the word without
    it; both, since a name may itself start with those letters ("بغال")."""
    for clitic in _ARABIC_CLITICS:
        if word.startswith(clitic) and len(word) - len(clitic) >= MIN_NAME_LETTERS - 1:
            rest = word[len(clitic):]
            return (word, "ال" + rest) if clitic.endswith("ال") or clitic == "لل" else (word, rest)
    return (word,)


@lru_cache(maxsize=200_000)
def _stems(word: str) -> tuple[str, ...]:
    """The name stems a word may stand for (one, or two for an Arabic word with a clitic)."""
    stems = []
    for spelling in _without_clitic(word):
        bone = skeleton(spelling)
        if len(bone) >= MIN_SKELETON:
            stems.append(name_stem(bone))
        elif spelling.isascii():  # "gogui" reads "g": too short a skeleton, so the spelling stands
            stems.append(spelling)
    return tuple(stems)


def _clock_hours(folded: str, words: list[str]) -> set[int]:
    found = [int(match.group(1) or match.group(2)) for match in _CLOCK_RE.finditer(folded)]
    numbers = _number_words()
    for marker, word in zip(words, words[1:], strict=False):
        if marker in HOUR_MARKERS:
            value = int(word) if word.isdecimal() else numbers.get(word, numbers.get(word.removeprefix("ال")))
            if value is not None:
                found.append(value)
    evening = bool(_PM_RE.search(folded))
    return {(hour + 12 if evening and 1 <= hour < 12 else hour) % 24 for hour in found if 0 <= hour <= 24}


def _days_before(words: list[str]) -> int | None:
    phrases = _day_phrases()
    for index, word in enumerate(words):
        for phrase, days in phrases.get(word, ()):
            if tuple(words[index:index + len(phrase)]) == phrase:
                return days
    return None


WORD_FREQUENCY_LANGUAGES = ("en", "es", "fr", "ar", "pt", "ru")


@lru_cache(maxsize=200_000)
def _frequent(word: str, language: str) -> bool:
    # The "small" lists hold every word from Zipf 3 up: all this needs, and a tenth of the memory.
    return language in WORD_FREQUENCY_LANGUAGES and zipf_frequency(word, language, wordlist="small") >= EVERYDAY_ZIPF


def preload() -> None:
    """Read the word lists and the seed's frequencies now (a worker before it forks), not on a
    worker's first tips: together they take about a second."""
    for language in WORD_FREQUENCY_LANGUAGES:
        zipf_frequency("a", language, wordlist="small")
    common_words()
    stopwords()
    stem_frequencies()


def _everyday_words(text: str, language: str) -> set[str]:
    """The folded words of `text` that are everyday words in `language` or in English, looked
    up as written (accents and ta marbuta carry the frequency); only words long enough to be
    names are looked up."""
    return {fold(word) for word in _WORD_RE.findall(text.lower())
            if len(word) >= MIN_NAME_LETTERS and not word.isdecimal()
            and (_frequent(word, language) or (word.isascii() and _frequent(word, "en")))}


def read_evidence(text: str, place_name: str = "", identifiers: frozenset[str] = frozenset(),
                  language: str = "") -> Evidence:
    """The evidence of one report; `identifiers`: normalized values already found (not counts)."""
    written = unicodedata.normalize("NFKC", f"{text} {place_name}")
    folded = fold(written)
    everyday = _everyday_words(written, base_language(language))
    words = _WORD_RE.findall(folded)
    common = common_words()
    numbers = _number_words()
    proper_names: set[str] = set()
    everyday_names: set[str] = set()
    details: set[str] = set()
    counts: set[int] = set()
    hours = _clock_hours(folded, words)
    _exact, _prefixes, phrases = _detail_table()
    # Numbers are counts, except the hours and minutes of a clock ("22h30", "1:30") and identifiers.
    for number in _WORD_RE.findall(_CLOCK_RE.sub(" ", folded)):
        if number.isdecimal() and number not in identifiers and 2 <= (value := int(number)) <= 500:
            counts.add(value)
    for index, word in enumerate(words):
        if word.isdecimal():
            continue
        if word in numbers:
            counts.add(numbers[word])
            continue
        detail = _detail_of(word)
        if detail is None:
            detail = next((m for p, m in phrases.items() if tuple(words[index:index + len(p)]) == p), None)
        if detail is not None:
            details.add(detail)
            continue
        if len(word) >= MIN_NAME_LETTERS and _latin(word) not in common:
            (everyday_names if word in everyday else proper_names).update(_stems(word))
    counts -= hours
    stop = stopwords()
    prefixes = sorted({_latin(w)[:WORD_PREFIX] for w in words if len(w) > 2 and _latin(w) not in stop})
    marks = concepts(folded_words(text), text, base_language(language))
    names = proper_names | everyday_names
    return Evidence(frozenset(names), _days_before(words), frozenset(hours), frozenset(details), frozenset(counts),
                    frozenset(prefixes[:MAX_WORDS]), frozenset(mark.lstrip(CONCEPT_MARK) for mark in marks),
                    frozenset(everyday_names - proper_names))


def event_day(received_at: datetime, occurred_at: datetime | None, evidence: Evidence) -> date:
    """The day the event most likely happened: the text's own word first, then the form's."""
    if evidence.day is not None:
        return received_at.date() - timedelta(days=evidence.day)
    return (occurred_at or received_at).date()



@dataclass(frozen=True)
class TipFacts:
    """What the duplicate decision knows of one report."""

    tip_id: int
    text: str
    language: str
    received_at: datetime
    reporter_id: int
    identifiers: tuple[tuple[str, str], ...] = ()  # strong ones only: (kind, normalized value)
    labels: tuple[str, ...] = ()
    latitude: float | None = None
    longitude: float | None = None
    occurred_at: datetime | None = None
    evidence: Evidence = Evidence()

    @cached_property
    def day(self) -> date:
        return event_day(self.received_at, self.occurred_at, self.evidence)

    @cached_property
    def event_labels(self) -> frozenset[str]:
        """The categories that are crimes (spam and not-a-crime left out)."""
        return frozenset(self.labels) - NOT_EVENTS

    @cached_property
    def identifier_kinds(self) -> frozenset[str]:
        return frozenset(kind for kind, _value in self.identifiers)


def tip_facts(
    tip_id: int, text: str, language: str, received_at: datetime, reporter_id: int, *,
    identifiers: Iterable[tuple[str, str]] = (), labels: Iterable[str] = (),
    latitude: float | None = None, longitude: float | None = None, occurred_at: datetime | None = None,
    place_name: str = "",
) -> TipFacts:
    """The facts of a report as the pipeline and the evaluation both build them."""
    strong = tuple(sorted({(kind, value) for kind, value in identifiers if kind in STRONG_IDENTIFIERS}))
    evidence = read_evidence(text, place_name, frozenset(fold(value) for _kind, value in strong), language)
    return TipFacts(tip_id, text, language, received_at, reporter_id, strong, tuple(labels), latitude, longitude,
                    occurred_at, evidence)
