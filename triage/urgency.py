"""Urgency: a 0–100 score with reasons a caseworker can read, in every shipped language (docs/triage.md).

1. Fold the text: lower case, Latin accents dropped, Arabic letters unified and tashkeel/tatweel
   dropped, ё read as е. The folded copy remembers where each character came from, so the
   evidence shown is the resident's own words, accents and all.
2. Find lexicon entries at word starts with one trie-shaped regex. A stem ending in `*` takes any
   ending (оружи* → оружием); an Arabic word may carry و ف ب ل ك س ال in front. A match right
   after a negation ("no weapons", "sin armas", "без оружия", "بدون سلاح") does not count.
3. Keep the strongest match per reason, then add the reporter's time window, the classifier's
   labels and corroboration. The score is the sum, at most 100. A tip labelled only as not a
   crime report or spam scores 0 with that one reason: "now" in an ad, or "gun" in a question
   about the service, says nothing urgent.

Every language's lexicon is searched whatever the detected language: tips mix languages
(portuñol, Arabic with French words), and short ones are often detected wrongly. The detected
language only picks the negation words, because Portuguese "no" means "in the".

Measured on Python 3.11 (one core, `timeit`, 300-character tips in all six languages): 25–55 µs
for a tip with nothing urgent in it, 60–85 µs for one dense with matches; compiling the
pattern at import takes about 20 ms.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext, gettext_lazy, ngettext

from .folding import FOLD_TABLE, fold

REASON_CODES = ("imminent", "weapons", "children", "people_in_danger", "violence", "vehicle_moving", "corroborated", "category")

REASON_LABELS: dict[str, Promise] = {
    "imminent": gettext_lazy("Happening now or about to happen"),
    "weapons": gettext_lazy("Weapons mentioned"),
    "children": gettext_lazy("Children mentioned"),
    "people_in_danger": gettext_lazy("People in danger"),
    "violence": gettext_lazy("Violence or threats"),
    "vehicle_moving": gettext_lazy("Vehicle on the move"),
    # A label for lists of reasons; a scored reason says how many reporters (describe_reason).
    "corroborated": gettext_lazy("Corroborated by other reporters"),
    "category": gettext_lazy("Category of the report"),
}
# The one reason of a tip classified only as not a crime report or spam.
NOT_A_CRIME_LABEL = gettext_lazy("Not a crime report or spam")

# Lexicon: reason → points → language → entries separated by "|". Entries are written naturally
# (accents, أ and ة are folded at import). "*" ends a stem that takes any ending; "#" is a number
# (for children it must be an age under 18); a space or hyphen matches any run of them.
# The strongest tier found counts, once per reason.
LEXICON: dict[str, dict[int, dict[str, str]]] = {
    "imminent": {
        35: {
            "en": "right now | as we speak | at this moment | at the moment | currently | ongoing | in progress",
            "es": "ahora mismo | ahorita | en este momento | en estos momentos | ya mismo | está pasando | están pasando | está ocurriendo | en curso",
            "fr": "en ce moment | à l'instant | tout de suite | actuellement | en cours | en train de se passer",
            "pt": "agora mesmo | neste momento | nesse momento | está acontecendo | tá acontecendo | em andamento",
            "ru": "прямо сейчас | в данный момент | в эту минуту | в настоящий момент",
            "ar": "حالا | حاليا | في هذه اللحظة | هلق | دلوقتي | الحين",
        },
        25: {
            # A bare "now" is often narrative ("and now they call him at night"), so it is weaker.
            "en": "now | tonight | this evening | this night | in an hour | within the hour | in # minute* | in # hour* | in a few minutes | any minute | any moment | tomorrow morning | early tomorrow | about to",
            "es": "ahora | esta noche | en una hora | en # minuto* | en # hora* | en unos minutos | dentro de # minuto* | en cualquier momento | mañana temprano | mañana por la mañana | mañana en la mañana | a punto de | al rato",
            "fr": "maintenant | ce soir | cette nuit | dans une heure | dans # minute* | dans # heure* | dans quelques minutes | d'un moment à l'autre | demain matin | sur le point de",
            "pt": "agora | esta noite | hoje à noite | hoje de noite | nesta noite | daqui a pouco | em uma hora | em # minuto* | daqui a # minuto* | a qualquer momento | amanhã cedo | amanhã de manhã | prestes a",
            "ru": "сейчас | щас | сегодня ночью | этой ночью | сегодня вечером | через час | через полчаса | через # минут* | через # час* | через несколько минут | с минуты на минуту | завтра утром | вот-вот",
            "ar": "الآن | الليلة | هذا المساء | بعد ساعة | خلال ساعة | بعد قليل | بعد # دقائق | بعد # دقيقة | خلال دقائق | غدا صباحا | صباح الغد | بكرة الصبح | على وشك",
        },
        15: {
            # Not Spanish "mañana" alone: "esta mañana" is this (past) morning.
            "en": "tomorrow | very soon | later today",
            "es": "mañana por la noche | pasado mañana | hoy mismo",
            "fr": "demain | bientôt | plus tard aujourd'hui",
            "pt": "amanhã | hoje mais tarde | logo mais",
            "ru": "завтра | скоро | сегодня днем",
            "ar": "غدا | بكرة | قريبا",
        },
    },
    "weapons": {
        30: {
            # Not singular "granada": Granada is a city, and a fruit.
            "en": "grenade* | explosive* | dynamite | bomb | bombs | ied | ieds | rocket launcher* | rpg | rpgs",
            "es": "granadas | granada de mano | explosivo* | dinamita | lanzacohetes | c4",
            "fr": "grenade* | explosif* | dynamite | bombe | bombes | lance-roquette*",
            "pt": "granadas | granada de mão | explosivo* | dinamite | lança-foguete*",
            "ru": "гранат* | взрывчатк* | взрывн* | динамит* | тротил* | бомба | бомбы | бомбу",
            "ar": "قنبلة | قنابل | متفجر* | عبوة ناسفة | عبوات ناسفة | ديناميت | ار بي جي",
        },
        25: {
            # French "armé(s)" folds to "arme(s)", so armed men count as weapons here. Not French
            # "cartouche": it is also a carton of cigarettes.
            "en": "gun | guns | gunm* | gunpoint | rifle* | pistol* | handgun* | shotgun* | firearm* | weapon* | ammo | ammunition | bullets | cartridges | revolver* | kalashnikov* | ak 47 | ak47 | ar 15 | machine gun* | assault rifle* | uzi",
            "es": "arma | armas | armas de fuego | pistola* | fusil* | escopeta* | metralleta* | ametralladora* | cuerno de chivo | cuernos de chivo | municion* | balas | cartucho* | revólver*",
            "fr": "arme | armes | armes à feu | pistolet* | fusil* | kalach* | mitraillette* | mitrailleuse* | munition* | balles",
            "pt": "arma | armas | arma de fogo | armas de fogo | pistola* | fuzil | fuzis | espingarda* | metralhadora* | munição | munições | cartucho* | oitão",
            "ru": "оружи* | пистолет* | винтовк* | автомат | автомата | автоматы | автоматом | автоматами | автоматов | калашников* | ружь* | обрез | обрезы | обрезом | ствол | стволы | стволами | патрон* | боеприпас* | пулемет* | огнестрел*",
            "ar": "سلاح | أسلحة | مسدس* | بندقي* | بنادق | رشاش* | كلاشن* | ذخيرة | ذخائر | رصاص | طلقات",
        },
        20: {
            "en": "armed",
            "es": "armado | armados | armada | armadas",
            "fr": "armée | armées",
            "pt": "armado | armados | armada | armadas",
            "ru": "вооруж*",
            "ar": "مسلح*",
        },
        15: {
            "en": "knife | knives | machete*",
            "es": "cuchillo* | navaja* | machete*",
            "fr": "couteau* | machette*",
            "pt": "faca | facas | facão | facões | peixeira*",
            "ru": "нож | ножа | ножи | ножом | ножами | ножей | мачете",
            "ar": "سكين* | سكاكين | ساطور | خنجر",
        },
    },
    "children": {
        25: {
            # Not English "minor" alone: "minor injuries".
            "en": "child* | kid | kids | a minor | minors | underage | baby | babies | infant | infants | toddler* | teen | teens | teenager* | little girl* | little boy* | # year old* | # years old | # yr old | # yrs old | aged # | girl of # | girls of # | boy of # | boys of #",
            "es": "niño* | niña* | menor de edad | menores de edad | menores | un menor | una menor | bebé | bebés | recién nacido* | adolescente* | chamac* | chiquill* | # años de edad | chica de # años | chicas de # años | chico de # años | chicos de # años | muchacha de # años | muchacho de # años | con # años",
            "fr": "enfant* | mineur | mineurs | mineure | mineures | nourrisson* | adolescent* | fillette* | gamin* | gosse* | petite fille | petites filles | petit garçon | petits garçons | fille de # ans | filles de # ans | garçon de # ans | garçons de # ans | âgé de # ans | âgée de # ans | âgés de # ans | âgées de # ans",
            "pt": "criança* | menor de idade | menores de idade | bebê | bebês | recém-nascido* | menina* | menino* | garotinh* | # anos de idade | com # anos",
            "ru": "дети | детей | детям | детьми | детях | детишк* | ребен* | ребятишк* | малыш* | младен* | несовершеннолетн* | малолетн* | подрост* | девочк* | мальчик* | мальчишк* | школьни* | детск* | #-летн*",
            "ar": "طفل* | أطفال | قاصر* | رضيع* | رضع | صغار | ولد صغير | بنت صغيرة | أولاد صغار | بنات صغيرات | عمره # | عمرها # | عمرهم # | بعمر #",
        },
    },
    "people_in_danger": {
        45: {
            "en": "locked in* | locked up | trapped | no air | without air | no ventilation | can't breathe | cant breathe | cannot breathe | not breathing | suffocat* | asphyxiat* | drown* | no water | without water | hostage* | kidnap* | abduct* | against their will | against his will | against her will | held captive | holding migrants | holding people | can't get out | cannot get out | can't leave | not allowed to leave | knocking from inside | banging from inside | banging inside | unconscious | passed out | dying | will die | going to die | could die | gonna die",
            "es": "encerrad* | atrapad* | sin aire | sin ventilación | no pueden respirar | no puede respirar | no respira* | asfixi* | ahog* | sin agua | rehén | rehenes | secuestr* | privados de la libertad | privadas de la libertad | privados de libertad | contra su voluntad | no pueden salir | no los dejan salir | no las dejan salir | golpes adentro | golpes dentro | golpeando adentro | inconsciente* | desmayad* | muriendo* | van a morir | va a morir | pueden morir",
            "fr": "enfermé* | piégé* | coincé* | sans air | pas d'air | manque d'air | sans aération | ne peuvent pas respirer | ne peut pas respirer | n'arrivent pas à respirer | étouff* | asphyxi* | noyade* | noyé* | se noie | se noient | sans eau | pas d'eau | otage* | kidnapp* | enlevé | enlevés | enlevée | enlevées | séquestr* | contre leur gré | contre son gré | ne peuvent pas sortir | ne peut pas sortir | tapent à l'intérieur | coups à l'intérieur | inconscient* | évanoui* | mourant* | vont mourir | va mourir | peuvent mourir",
            "pt": "trancad* | encurralad* | sem ar | sem ventilação | não conseguem respirar | não consegue respirar | sufoc* | asfixi* | afog* | sem água | refém | reféns | sequestr* | contra a vontade | contra sua vontade | não podem sair | não deixa eles irem embora | não deixam eles sair | batendo lá dentro | batendo dentro | batidas dentro | inconsciente* | desmaiad* | morrendo | vão morrer | vai morrer | podem morrer",
            "ru": "заперт* | взаперти | заперли | в ловушке | без воздуха | нечем дышать | не могут дышать | не может дышать | не дышит | задыха* | удушь* | тонут | тонет | тонущ* | утону* | утопа* | без воды | похищ* | похит* | заложник* | против воли | против их воли | против своей воли | не могут выйти | не может выйти | не выпускают | стучат изнутри | изнутри стучат | стук изнутри | без сознания | умира* | умрут | могут умереть",
            "ar": "محتجز* | محبوس* | محاصر* | مقفل عليهم | مقفول عليهم | بلا هواء | بدون هواء | لا يوجد هواء | لا يستطيعون التنفس | يختنق* | تختنق* | اختناق | غرق* | يغرق* | بلا ماء | بدون ماء | لا يوجد ماء | مخطوف* | خطف* | اختطاف | اختطف* | رهين* | رهائن | ضد إرادتهم | ضد إرادته | ضد إرادتها | لا يستطيعون الخروج | ممنوعين من الخروج | طرق من الداخل | فاقد الوعي | فاقدين الوعي | يموت* | يموتون",
        },
        30: {
            # Not English "hurt": "no one was hurt" is two words from its negation.
            "en": "injured | wounded | bleeding | sick people | people are sick | very sick | need a doctor | needs a doctor | need help | needs help | help us | crammed | packed in* | piled up | people inside | people in the back | people hidden | migrants inside | full of people | container with people | truck with people | trailer with people | van with people | took their passports | took their documents | took their papers | took her passport | took her documents",
            "es": "herid* | sangrando | enferm* | necesita un médico | necesitan un médico | necesitan ayuda | necesito ayuda | auxilio | socorro | amontonad* | hacinad* | apiñad* | gente adentro | personas adentro | gente dentro | personas dentro | migrantes adentro | migrantes dentro | lleno de gente | llena de gente | lleno de personas | llena de personas | camión con gente | camión con personas | contenedor con personas | les quitaron los papeles | les quitaron los pasaportes | le quitaron el pasaporte | les quitan los papeles",
            "fr": "blessé* | blessure* | saign* | malade* | besoin d'un médecin | besoin d'aide | au secours | entassé* | des gens à l'intérieur | personnes à l'intérieur | migrants à l'intérieur | plein de gens | pleine de gens | plein de personnes | camion avec des gens | conteneur avec des gens | confisqué leurs passeports | confisquent leurs passeports | pris leurs passeports",
            "pt": "ferid* | sangrando | doente* | precisa de médico | precisam de ajuda | preciso de ajuda | socorro | amontoad* | apertad* | lotad* | pessoas dentro | gente dentro | imigrantes dentro | cheio de gente | cheia de gente | cheio de pessoas | caminhão com pessoas | contêiner com pessoas | tiraram o passaporte | tiraram os documentos | ficam com os passaportes",
            "ru": "ранен* | кровотеч* | истекает кровью | больные | больны | больной | больная | болен | больна | нужна помощь | нужен врач | помогите | набит* | битком | люди внутри | людей внутри | полно людей | полная людей | полный людей | грузовик с людьми | фура с людьми | машина с людьми | с людьми в кузове | забрал паспорта | забрали паспорта | отбирают документы | отобрали документы",
            "ar": "جريح | جرحى | مصاب* | مريض* | مرضى | ينزف* | نزيف | بحاجة لطبيب | يحتاجون مساعدة | النجدة | ساعدونا | مكدس* | محشور* | مزدحمة بالناس | مليئة بالناس | مليان ناس | مليانة ناس | أخذوا جوازات | صادروا جوازات | أشخاص بداخل* | ناس جوا | ناس جوه | مهاجرين بداخل*",
        },
    },
    "violence": {
        30: {
            "en": "shoot* | shot | shots | gunfire | gunshot* | fired at | opened fire | firing | kill* | murder* | stab | stabb* | dead body | dead bodies",
            # Not "dispar*" (French "disparu") nor "mató" alone (Portuguese "mato", the bush).
            "es": "disparo* | dispara* | dispare* | balacera* | balea* | balazo* | tirote* | mataron | lo mató | la mató | los mató | las mató | le mató | matar* | asesin* | apuñal* | acuchill* | muerto* | cadáver*",
            # Not French "tué" alone: it folds to "tue", as in "Tue 14:00".
            "fr": "tir | tirs | coup de feu | coups de feu | fusillade* | ont tiré | a tiré | tire sur | tirent sur | abattu* | ont tué | a tué | tué par | tués | tuée | tuées | tuer | tuent | meurtre* | assassin* | poignard* | mort | morts | cadavre*",
            "pt": "tiro | tiros | tiroteio* | disparo* | dispara* | dispare* | balead* | atir* | mataram | matou | matar* | assassin* | esfaque* | morto | mortos | morta | mortas | cadáver*",
            "ru": "стрельб* | стреля* | выстрел* | застрел* | обстрел* | пальб* | открыли огонь | убил* | убит* | убий* | зарез* | ножев* | труп | трупы",
            "ar": "إطلاق نار | إطلاق النار | إطلاق الرصاص | أطلقوا النار | أطلق النار | قتل* | قتيل | قتلى | مقتل | اغتيال | طعن* | ذبح* | جثة | جثث",
        },
        25: {
            # Not Russian "пытал*": "пытался" means "tried".
            "en": "threat* | beat | beaten | beating* | beat up | assault* | attack* | punched | kicked | rape | raped | tortur* | extort* | abus*",
            # Not "golpes" alone: "se escuchan golpes adentro" is knocking, not a beating.
            "es": "amenaz* | golpea* | golpead* | golpiz* | pegaron | pegan | agred* | agresión* | atac* | violaron | violación | violada* | tortur* | extors* | maltrat*",
            "fr": "menac* | frapp* | tabass* | agress* | attaqu* | battu | battus | battue | battues | viol | violé | violée* | tortur* | racket* | extorsion* | maltrait*",
            "pt": "ameaç* | espanc* | bateram | batem | agred* | agress* | atac* | estupr* | tortur* | extors* | maltrat*",
            "ru": "угрож* | угроз* | избил* | избит* | избива* | бьют | били | побои | напал* | напад* | насил* | изнасил* | пытк* | пытали | пытают | вымога*",
            "ar": "تهديد* | هدد* | يهدد* | تهدد* | ضرب* | يضرب* | مضروب* | اعتداء* | اعتدى* | اعتدوا | هجوم | هاجم* | اغتصاب | اغتصب* | تعذيب | عذب* | ابتزاز",
        },
    },
    "vehicle_moving": {
        15: {
            "en": "heading to | heading for | heading toward* | headed to | headed for | headed toward* | on its way | on their way | on the way to | just left | just drove off | just departed | crossing now | driving toward* | moving toward* | speeding toward* | en route",
            "es": "se dirige | se dirigen | va hacia | van hacia | va rumbo | van rumbo | rumbo a | rumbo al | con rumbo | en camino | acaba de salir | acaban de salir | acaba de pasar | acaban de pasar | cruzando ahora | va para | van para | en dirección a | en dirección al | con dirección a",
            "fr": "se dirige vers | se dirigent vers | en direction de | en direction du | en route | vient de partir | viennent de partir | vient de quitter | viennent de quitter | roule vers | roulent vers | file vers | filent vers | passe la frontière | passent la frontière",
            "pt": "indo para | indo pra | indo em direção | seguindo para | seguindo em direção | segue para | seguem para | rumo a | rumo ao | a caminho | acabou de sair | acabaram de sair | atravessando agora | cruzando agora | em direção a | em direção ao",
            "ru": "едет в сторону | едут в сторону | едет к | едут к | едет на | едут на | направля* | только что выехал* | только что уехал* | выезжа* | в пути | движется к | движутся к | движется в сторону | движутся в сторону | мчится",
            "ar": "متجه* | يتجه* | تتجه* | يتحرك* | تتحرك* | في طريق* | في الطريق | غادر للتو | غادرت للتو | غادروا للتو | انطلقت للتو | انطلق للتو",
        },
    },
}

# Phrases where a lexicon word does not mean the thing: goods made for children are not
# children, a "killer deal" or a "price bomb" is an advert. Their words are read as blank.
NOT_THE_THING: dict[str, str] = {
    "en": "kids toys | kids' toys | children's toys | childrens toys | toys for kids | toys for children | baby food | baby formula | baby clothes | baby milk | kids clothes | children's clothes | killer deal* | killer price* | bomb price* | price bomb*",
    "es": "juguetes para niños | juguetes de niños | ropa de niños | ropa de niño | ropa de bebé | leche de bebé | comida de bebé | pañales de bebé | precios bomba | precio bomba | precios de locura",
    "fr": "jouets pour enfants | jouets d'enfants | vêtements pour enfants | vêtements d'enfants | lait pour bébé | lait de bébé | couches pour bébé | prix bombe | promo bombe | prix de folie",
    "pt": "brinquedos para crianças | brinquedos de criança | brinquedo de criança | roupa de criança | roupas de criança | roupa de bebê | roupas de bebê | carrinho de bebê | leite de bebê | fralda de bebê | fraldas de bebê | preço bomba | preços bomba",
    "ru": "детские игрушки | детских игрушек | детская одежд* | детской одежд* | детскую одежд* | детское питани* | детского питани* | детские товар* | детских товар* | детский сад* | детского сад* | детском сад* | детская коляск* | детскую коляск* | детской коляск* | детская площадк* | детской площадк* | бомба цен* | взрывные цен* | взрывной курс* | взрывные скидк*",
    "ar": "ألعاب أطفال | ألعاب الأطفال | العاب اطفال | حليب أطفال | حليب الأطفال | ملابس أطفال | ملابس الأطفال | حفاضات أطفال | حفاضات الأطفال | أسعار نار",
}

# Words that deny a match standing right after them, or one word later: "not armed", "no hay
# armas", "pas d'armes", "не было оружия", "لم يحملوا سلاح".
# Not Portuguese "no" (em + o, "in the"), nor French "personne" ("une personne armée").
NEGATIONS: dict[str, str] = {
    "en": "no | not | never | none | nobody | no one | don't | dont | didn't | didnt | isn't | aren't | wasn't | weren't",
    "es": "no | ni | nunca | ningún | ninguna | ninguno | nadie | tampoco",
    "fr": "pas | aucun | aucune | ni | jamais",
    "pt": "não | nem | nunca | nenhum | nenhuma | ninguém",
    "ru": "не | нет | ни | никаких | никто",
    "ar": "لا | ليس | ليست | ليسوا | لم | مافي | مش | مو",
}
# "Without" denies only the word right after it: in "بلا ماء وأطفال" ("no water, and children")
# the children are there.
WITHOUT: dict[str, str] = {
    "en": "without",
    "es": "sin",
    "fr": "sans",
    "pt": "sem",
    "ru": "без",
    "ar": "بدون | بلا | دون",
}

# The reporter's own "when did it happen" counts as imminence; "now" as strongly as the words.
WINDOW_POINTS = {"now": 35, "today": 15}
# Labels that are a reason by themselves, weaker than words in the text (the label also earns
# its category points).
LABEL_REASONS = {"arms_trafficking": ("weapons", 10), "violence_threat": ("violence", 10)}
# The classifier's most serious label gives a small base, so a vague but real report is 5–15.
CATEGORY_POINTS = {
    "people_smuggling": 15, "arms_trafficking": 15, "violence_threat": 15,
    "drug_trafficking": 10, "illegal_crossing": 10, "corruption": 10, "suspicious_activity": 10,
    "goods_smuggling": 5,
}
# Labels that make a tip score 0 when no crime label sits beside them (docs/triage.md).
NO_URGENCY_LABELS = frozenset({"not_a_crime_report", "spam_abuse"})
# +10 per further distinct reporter; describe_reason reads the count back from the points.
CORROBORATION_STEP = 10
CORROBORATION_MAX = 30
ADULT_AGE = 18


@dataclass(frozen=True)
class UrgencyReason:
    code: str  # one of REASON_CODES
    points: int
    evidence: str  # the resident's words that triggered it, or "" for a reason not from the text


@dataclass(frozen=True)
class Urgency:
    score: int  # 0..100
    reasons: tuple[UrgencyReason, ...]  # highest points first


# --- Folding (triage/folding.py), with a map back to the resident's words ------------------


@dataclass(frozen=True)
class _Folded:
    original: str
    text: str
    starts: list[int] | None  # original index of each folded character; None when the same
    ends: list[int] | None

    def original_span(self, start: int, end: int) -> str:
        if self.starts is None or self.ends is None:
            return self.original[start:end]
        return self.original[self.starts[start]:self.ends[end - 1]]


def _fold(text: str) -> _Folded:
    """Fold `text`, keeping a map back to it when the lengths differ."""
    folded = fold(text)
    # No character folds to more than one (checked over all of Unicode), so the same length
    # means nothing was dropped and the copy is one for one: the common case needs no map.
    if len(folded) == len(text):
        return _Folded(text, folded, None, None)
    starts: list[int] = []
    ends: list[int] = []
    for index, char in enumerate(text):
        piece = FOLD_TABLE[ord(char)]
        if not piece and ends:
            ends[-1] = index + 1  # a dropped mark belongs to the letter before it
        starts.extend([index] * len(piece))
        ends.extend([index + 1] * len(piece))
    return _Folded(text, folded, starts, ends)


# --- Lexicon compilation ----------------------------------------------------------------------

_SEPARATORS = re.compile(r"[\s\-]+")
_DIGITS = re.compile(r"\d+")
_ENTRY_SHAPE = re.compile(r"[\w' #-]+\*?")
_UNIT_PATTERNS = {" ": r"[\s\-]+", "#": r"\d{1,3}"}
_WORD_END, _STEM_END = "", "*"  # trie keys; neither can be a unit of a folded entry
# Arabic clitics written onto a word: و ف (and, so), then ب ل ك (with, for, like), س (will),
# ال (the) or a join of them (بال، كال، لل).
_ARABIC_PREFIX = "(?:[وف]?(?:ال|بال|كال|لل|[بلكس])?)"


@dataclass(frozen=True)
class _Entry:
    code: str
    points: int
    takes_ending: bool


def _split(entries: str) -> Iterator[str]:
    for entry in entries.split("|"):
        canonical = _SEPARATORS.sub(" ", _fold(entry.strip()).text)
        if not _ENTRY_SHAPE.fullmatch(canonical):
            raise ValueError(f"Lexicon entry {entry!r}: only words, spaces, #, ' and a final *")
        yield canonical


def _lexicon_entries() -> dict[str, set[_Entry]]:
    """Folded entry text (without "*") → the reasons and points it gives."""
    table: dict[str, set[_Entry]] = {}
    for code, tiers in LEXICON.items():
        for points, languages in tiers.items():
            for entries in languages.values():
                for entry in _split(entries):
                    stem = entry.removesuffix("*")
                    table.setdefault(stem, set()).add(_Entry(code, points, entry.endswith("*")))
    return table


def _trie_pattern(entries: dict[str, set[_Entry]]) -> str:
    """One regex for all entries, shaped as a trie so each word start costs one branch."""
    trie: dict[str, dict] = {}
    for stem, found in entries.items():
        node = trie
        for unit in stem:
            node = node.setdefault(unit, {})
        for entry in found:
            node[_STEM_END if entry.takes_ending else _WORD_END] = {}
    return _emit(trie)


def _emit(node: dict[str, dict]) -> str:
    # Ends come after the longer branches: "armados" beats "arma*", "assault rifle" beats "assault*".
    units = sorted(key for key in node if key not in (_WORD_END, _STEM_END))
    branches = [_UNIT_PATTERNS.get(unit, re.escape(unit)) + _emit(node[unit]) for unit in units]
    if _WORD_END in node:
        branches.append(r"(?!\w)")
    if _STEM_END in node:
        branches.append("")  # the ending is taken by the `tail` group
    return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"


def _negation_pattern(languages: Collection[str]) -> re.Pattern[str]:
    def alternatives(table: dict[str, str]) -> str:
        cues = sorted({cue for language in languages for cue in _split(table[language])}, key=len, reverse=True)
        return "|".join(re.escape(cue).replace(r"\ ", r"\s+") for cue in cues)

    # The cue, perhaps one word, then the match; punctuation in between breaks the link.
    return re.compile(
        rf"(?<!\w)[وف]?(?:(?:{alternatives(NEGATIONS)})['\s]+(?:\w+['\s]+)?|(?:{alternatives(WITHOUT)})['\s]+)$"
    )


def _not_the_thing_pattern() -> re.Pattern[str]:
    entries: dict[str, set[_Entry]] = {}
    for phrases in NOT_THE_THING.values():
        for entry in _split(phrases):
            entries.setdefault(entry.removesuffix("*"), set()).add(_Entry("", 0, entry.endswith("*")))
    return re.compile(rf"(?<!\w){_ARABIC_PREFIX}(?:{_trie_pattern(entries)})\w*(?!\w)")


_ENTRIES = _lexicon_entries()
_NOT_THE_THING = _not_the_thing_pattern()
_PATTERN = re.compile(rf"(?<!\w){_ARABIC_PREFIX}(?P<stem>{_trie_pattern(_ENTRIES)})(?P<tail>\w*)")
_NEGATION_BY_LANGUAGE = {language: _negation_pattern([language]) for language in NEGATIONS}
_ANY_NEGATION = _negation_pattern(list(NEGATIONS))
_NEGATION_REACH = 40  # characters before a match where a negation may stand


# --- Scoring ------------------------------------------------------------------------------------


def score_urgency(
    text: str,
    language: str = "",
    labels: Collection[str] = (),
    occurred_window: str = "",
    reporter_count: int = 1,
) -> Urgency:
    """The urgency of one tip, with the reasons that make it up."""
    label_set = set(labels)
    if label_set & NO_URGENCY_LABELS and not label_set & CATEGORY_POINTS.keys():
        return Urgency(0, (UrgencyReason("category", 0, ""),))
    candidates = [
        *_text_reasons(text, language),
        *_window_reason(occurred_window),
        *_label_reasons(label_set),
        *_corroboration_reason(reporter_count),
        *_category_reason(label_set),
    ]
    reasons = _strongest_per_code(candidates)
    total = sum(reason.points for reason in reasons)
    ordered = sorted(reasons, key=lambda r: (-r.points, REASON_CODES.index(r.code)))
    return Urgency(max(0, min(100, total)), tuple(ordered))


def incident_urgency(top_tip_urgency: int, reporter_count: int, labels: Collection[str] = ()) -> int:
    """An incident's urgency: its most urgent tip's own score plus corroboration by its
    independent reporters (none for spam or not-a-crime incidents)."""
    label_set = set(labels)
    if label_set & NO_URGENCY_LABELS and not label_set & CATEGORY_POINTS.keys():
        return 0
    return min(100, top_tip_urgency + sum(reason.points for reason in _corroboration_reason(reporter_count)))


def incident_reasons(top_tip_reasons: Collection[dict[str, object]], reporter_count: int,
                     labels: Collection[str] = ()) -> list[dict[str, object]]:
    """The reasons behind `incident_urgency`: the top tip's own, and corroboration as it is now."""
    own = [reason for reason in top_tip_reasons if reason.get("code") != "corroborated"]
    label_set = set(labels)
    if label_set & NO_URGENCY_LABELS and not label_set & CATEGORY_POINTS.keys():
        return own
    now = [{"code": r.code, "points": r.points, "evidence": r.evidence} for r in _corroboration_reason(reporter_count)]
    return sorted([*own, *now], key=lambda r: -int(str(r.get("points") or 0)))


def _text_reasons(text: str, language: str) -> list[UrgencyReason]:
    """The strongest mention per reason; a mention no stronger than one already found is skipped."""
    folded = _fold(text)
    # Blanked to the same length, so positions still map back to the resident's words.
    readable = _NOT_THE_THING.sub(lambda phrase: " " * len(phrase[0]), folded.text)
    negation = _NEGATION_BY_LANGUAGE.get(_base_language(language), _ANY_NEGATION)
    best: dict[str, UrgencyReason] = {}
    for match in _matches(readable):
        entries = [entry for entry in _entries_for(match) if entry.code not in best or entry.points > best[entry.code].points]
        if not entries or negation.search(readable, max(0, match.start() - _NEGATION_REACH), match.start()):
            continue
        evidence = folded.original_span(match.start(), match.end())
        for entry in entries:
            best[entry.code] = UrgencyReason(entry.code, entry.points, evidence)
    return list(best.values())


def _matches(folded: str) -> Iterator[re.Match[str]]:
    position = 0
    while match := _PATTERN.search(folded, position):
        yield match
        # Step one character, not past the match: "crossing now" is also the word "now".
        position = match.start() + 1


def _entries_for(match: re.Match[str]) -> list[_Entry]:
    stem = _SEPARATORS.sub(" ", match["stem"])
    found = _ENTRIES.get(stem) or _ENTRIES.get(_DIGITS.sub("#", stem), set())
    return [
        entry for entry in found
        if (entry.takes_ending or not match["tail"]) and (entry.code != "children" or _is_minor(stem))
    ]


def _is_minor(stem: str) -> bool:
    """Ages in a children entry ("12-year-old") must be under 18; entries without one pass."""
    return all(int(number) < ADULT_AGE for number in _DIGITS.findall(stem))


def _base_language(language: str) -> str:
    return language.lower().replace("_", "-").split("-")[0]


def _window_reason(occurred_window: str) -> Iterator[UrgencyReason]:
    if occurred_window in WINDOW_POINTS:
        yield UrgencyReason("imminent", WINDOW_POINTS[occurred_window], "")


def _label_reasons(labels: set[str]) -> Iterator[UrgencyReason]:
    for label, (code, points) in LABEL_REASONS.items():
        if label in labels:
            yield UrgencyReason(code, points, "")


def _corroboration_reason(reporter_count: int) -> Iterator[UrgencyReason]:
    if reporter_count >= 2:
        yield UrgencyReason("corroborated", min(CORROBORATION_MAX, CORROBORATION_STEP * (reporter_count - 1)), "")


def _category_reason(labels: set[str]) -> Iterator[UrgencyReason]:
    points = max((CATEGORY_POINTS[label] for label in labels if label in CATEGORY_POINTS), default=0)
    if points:
        yield UrgencyReason("category", points, "")


def _strongest_per_code(candidates: list[UrgencyReason]) -> list[UrgencyReason]:
    """One reason per code: the most points, then words over no words, then the first found."""
    best: dict[str, UrgencyReason] = {}
    for reason in candidates:
        current = best.get(reason.code)
        if current is None or (reason.points, bool(reason.evidence)) > (current.points, bool(current.evidence)):
            best[reason.code] = reason
    return list(best.values())


# --- Presentation ---------------------------------------------------------------------------------


def reasons_as_json(urgency: Urgency) -> list[dict[str, object]]:
    return [{"code": r.code, "points": r.points, "evidence": r.evidence} for r in urgency.reasons]


def describe_reason(reason: UrgencyReason | dict[str, object]) -> str:
    """A translated sentence for caseworkers, e.g. 'Weapons mentioned: “rifles” (+25)'.

    Accepts the dict form stored in JSON (reasons_as_json).
    """
    if isinstance(reason, dict):
        reason = _reason_from_json(reason)
    if reason.code == "corroborated":
        sentence = _corroboration_sentence(reason)
    else:
        # A category reason of no points (or, in rows stored before, negative ones) is "not a crime".
        sentence = str(NOT_A_CRIME_LABEL if reason.code == "category" and reason.points <= 0 else REASON_LABELS.get(reason.code, reason.code))
        if reason.evidence:
            sentence = gettext("%(reason)s: “%(evidence)s”") % {"reason": sentence, "evidence": reason.evidence}
    return f"{sentence} ({reason.points:+d})"


def _reason_from_json(data: dict[str, object]) -> UrgencyReason:
    return UrgencyReason(str(data.get("code", "")), int(str(data.get("points") or 0)), str(data.get("evidence") or ""))


def _corroboration_sentence(reason: UrgencyReason) -> str:
    # Rows stored by the first version of this module kept the count as evidence; now it comes from the points.
    if reason.evidence.isdigit():
        count = int(reason.evidence)
    else:
        count = reason.points // CORROBORATION_STEP + 1
        if reason.points >= CORROBORATION_MAX:
            return ngettext(
                "Corroborated by %(count)d or more reporter", "Corroborated by %(count)d or more reporters", count
            ) % {"count": count}
    return ngettext("Corroborated by %(count)d reporter", "Corroborated by %(count)d reporters", count) % {"count": count}
