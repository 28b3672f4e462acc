"""The default taxonomy for cross-border crime and the staff roles, loaded by `load_defaults`.

Names and descriptions are editor content (data with a value per language), not gettext.
"""

from __future__ import annotations

from django.contrib.auth.models import Group, Permission
from django.db import transaction

from .models import Category

DEFAULT_CATEGORIES: list[dict[str, object]] = [
    {
        "slug": "drug_trafficking",
        "names": {"en": "Drug trafficking", "es": "Narcotráfico", "fr": "Trafic de drogue",
                  "ar": "تهريب المخدرات", "pt": "Tráfico de drogas", "ru": "Наркотрафик"},
        "descriptions": {
            "en": "Drugs moved across the border: couriers, stash houses, packages.",
            "es": "Drogas que cruzan la frontera: correos, casas de acopio, paquetes.",
            "fr": "Drogue transportée à travers la frontière : passeurs, caches, colis.",
            "ar": "نقل المخدرات عبر الحدود: ناقلون ومخازن وطرود.",
            "pt": "Drogas levadas através da fronteira: mulas, esconderijos, pacotes.",
            "ru": "Перевозка наркотиков через границу: курьеры, тайники, посылки.",
        },
    },
    {
        "slug": "people_smuggling",
        "names": {"en": "People smuggling and trafficking", "es": "Tráfico y trata de personas",
                  "fr": "Trafic et traite d'êtres humains", "ar": "تهريب البشر والاتجار بهم",
                  "pt": "Contrabando e tráfico de pessoas", "ru": "Незаконный ввоз людей и торговля людьми"},
        "descriptions": {
            "en": "People moved for money or exploited: packed vehicles, guides, forced labour.",
            "es": "Personas trasladadas por dinero o explotadas: vehículos llenos, guías, trabajo forzoso.",
            "fr": "Personnes déplacées contre de l'argent ou exploitées : véhicules bondés, passeurs, travail forcé.",
            "ar": "نقل أشخاص مقابل المال أو استغلالهم: مركبات مكتظة، مرشدون، عمل قسري.",
            "pt": "Pessoas levadas por dinheiro ou exploradas: veículos lotados, coiotes, trabalho forçado.",
            "ru": "Перевозка людей за деньги или их эксплуатация: переполненные машины, проводники, принудительный труд.",
        },
    },
    {
        "slug": "arms_trafficking",
        "names": {"en": "Arms trafficking", "es": "Tráfico de armas", "fr": "Trafic d'armes",
                  "ar": "تهريب الأسلحة", "pt": "Tráfico de armas", "ru": "Незаконный оборот оружия"},
        "descriptions": {
            "en": "Guns, ammunition or explosives moved or sold.",
            "es": "Armas, municiones o explosivos transportados o vendidos.",
            "fr": "Armes, munitions ou explosifs transportés ou vendus.",
            "ar": "نقل أو بيع أسلحة أو ذخائر أو متفجرات.",
            "pt": "Armas, munições ou explosivos transportados ou vendidos.",
            "ru": "Перевозка или продажа оружия, боеприпасов или взрывчатки.",
        },
    },
    {
        "slug": "goods_smuggling",
        "names": {"en": "Goods smuggling", "es": "Contrabando de mercancías", "fr": "Contrebande de marchandises",
                  "ar": "تهريب البضائع", "pt": "Contrabando de mercadorias", "ru": "Контрабанда товаров"},
        "descriptions": {
            "en": "Contraband: cigarettes, fuel, alcohol, counterfeit or undeclared goods.",
            "es": "Contrabando: cigarrillos, combustible, alcohol, productos falsificados o no declarados.",
            "fr": "Contrebande : cigarettes, carburant, alcool, contrefaçons ou marchandises non déclarées.",
            "ar": "بضائع مهربة: سجائر ووقود وكحول وسلع مقلدة أو غير مصرح بها.",
            "pt": "Contrabando: cigarros, combustível, álcool, produtos falsificados ou não declarados.",
            "ru": "Контрабанда: сигареты, топливо, алкоголь, поддельные или незадекларированные товары.",
        },
    },
    {
        "slug": "illegal_crossing",
        "names": {"en": "Illegal crossing", "es": "Cruce ilegal", "fr": "Passage illégal",
                  "ar": "عبور غير قانوني", "pt": "Travessia ilegal", "ru": "Незаконное пересечение границы"},
        "descriptions": {
            "en": "People or vehicles crossing away from official crossing points.",
            "es": "Personas o vehículos que cruzan fuera de los pasos oficiales.",
            "fr": "Personnes ou véhicules traversant en dehors des points de passage officiels.",
            "ar": "أشخاص أو مركبات تعبر بعيدًا عن المعابر الرسمية.",
            "pt": "Pessoas ou veículos atravessando fora dos postos oficiais.",
            "ru": "Люди или машины пересекают границу вне официальных пунктов пропуска.",
        },
    },
    {
        "slug": "corruption",
        "names": {"en": "Corruption and bribery", "es": "Corrupción y soborno", "fr": "Corruption",
                  "ar": "الفساد والرشوة", "pt": "Corrupção e suborno", "ru": "Коррупция и взятки"},
        "descriptions": {
            "en": "Officials taking money or favours to look away or sell documents.",
            "es": "Funcionarios que aceptan dinero o favores para hacer la vista gorda o vender documentos.",
            "fr": "Agents qui acceptent de l'argent ou des faveurs pour fermer les yeux ou vendre des documents.",
            "ar": "موظفون يأخذون المال أو المنافع مقابل التغاضي أو بيع الوثائق.",
            "pt": "Agentes que aceitam dinheiro ou favores para fazer vista grossa ou vender documentos.",
            "ru": "Должностные лица берут деньги или услуги, чтобы закрыть глаза или продать документы.",
        },
    },
    {
        "slug": "violence_threat",
        "names": {"en": "Violence or threats", "es": "Violencia o amenazas", "fr": "Violences ou menaces",
                  "ar": "عنف أو تهديد", "pt": "Violência ou ameaças", "ru": "Насилие или угрозы"},
        "descriptions": {
            "en": "Threats, assaults, kidnapping or armed groups.",
            "es": "Amenazas, agresiones, secuestros o grupos armados.",
            "fr": "Menaces, agressions, enlèvements ou groupes armés.",
            "ar": "تهديدات أو اعتداءات أو خطف أو جماعات مسلحة.",
            "pt": "Ameaças, agressões, sequestros ou grupos armados.",
            "ru": "Угрозы, нападения, похищения или вооружённые группы.",
        },
    },
    {
        "slug": "suspicious_activity",
        "names": {"en": "Suspicious activity", "es": "Actividad sospechosa", "fr": "Activité suspecte",
                  "ar": "نشاط مريب", "pt": "Atividade suspeita", "ru": "Подозрительная активность"},
        "descriptions": {
            "en": "Something worrying that does not fit another category yet.",
            "es": "Algo preocupante que todavía no encaja en otra categoría.",
            "fr": "Quelque chose d'inquiétant qui n'entre pas encore dans une autre catégorie.",
            "ar": "أمر مقلق لا يندرج بعد تحت فئة أخرى.",
            "pt": "Algo preocupante que ainda não se encaixa em outra categoria.",
            "ru": "Что-то тревожное, что пока не подходит под другую категорию.",
        },
    },
    {
        "slug": "not_a_crime_report",
        "names": {"en": "Not a crime report", "es": "No es una denuncia", "fr": "Pas un signalement",
                  "ar": "ليس بلاغًا عن جريمة", "pt": "Não é uma denúncia", "ru": "Не сообщение о преступлении"},
        "descriptions": {
            "en": "Questions, thanks and other messages that report no crime.",
            "es": "Preguntas, agradecimientos y otros mensajes que no denuncian un delito.",
            "fr": "Questions, remerciements et autres messages qui ne signalent aucun délit.",
            "ar": "أسئلة وشكر ورسائل أخرى لا تبلغ عن جريمة.",
            "pt": "Perguntas, agradecimentos e outras mensagens que não relatam crime.",
            "ru": "Вопросы, благодарности и другие сообщения без сведений о преступлении.",
        },
    },
    {
        "slug": "spam_abuse",
        "names": {"en": "Spam or abuse", "es": "Spam o abuso", "fr": "Spam ou abus",
                  "ar": "رسائل مزعجة أو إساءة", "pt": "Spam ou abuso", "ru": "Спам или оскорбления"},
        "descriptions": {
            "en": "Advertising, insults, scams and meaningless text.",
            "es": "Publicidad, insultos, estafas y texto sin sentido.",
            "fr": "Publicité, insultes, arnaques et texte sans signification.",
            "ar": "إعلانات وشتائم واحتيال ونصوص بلا معنى.",
            "pt": "Publicidade, insultos, golpes e texto sem sentido.",
            "ru": "Реклама, оскорбления, мошенничество и бессмысленный текст.",
        },
    },
]

# Staff roles as groups. Later issues widen them (handoff, campaigns, audit trail).
ROLE_PERMISSIONS: dict[str, list[str]] = {
    "caseworker": [
        "reporting.view_tip", "reporting.change_tip", "reporting.view_unredacted_tip", "reporting.view_attachment",
        "reporting.view_message", "reporting.add_message", "reporting.view_tipevent",
        "triage.view_category", "triage.view_incident", "triage.change_incident", "handoff.view_agency",
        "handoff.view_handoff", "handoff.add_handoff",
    ],
    "supervisor": [
        "reporting.view_tip", "reporting.change_tip", "reporting.view_unredacted_tip", "reporting.view_attachment",
        "reporting.view_message", "reporting.add_message", "reporting.view_tipevent",
        "triage.view_category", "triage.add_category", "triage.change_category",
        "auth.view_user", "auth.add_user", "auth.change_user", "auth.view_group",
        "triage.view_incident", "triage.change_incident", "handoff.view_agency", "handoff.add_agency",
        "handoff.change_agency", "handoff.view_handoff", "handoff.add_handoff", "handoff.change_handoff",
        "reporting.view_auditevent", "campaigns.view_campaign", "campaigns.approve_campaign",
        "triage.view_classifierversion", "triage.promote_classifierversion",
    ],
    # Sees no tips: writes, submits and (once a supervisor approved it) sends campaigns.
    "outreach": ["campaigns.view_campaign", "campaigns.add_campaign", "campaigns.change_campaign",
                 "campaigns.send_campaign"],
    "auditor": ["reporting.view_tipevent", "triage.view_category", "reporting.view_auditevent",
                "handoff.view_handoff"],
}


def load_categories() -> int:
    created = 0
    for position, item in enumerate(DEFAULT_CATEGORIES):
        # Only missing categories are created: a supervisor's edits are never overwritten.
        _category, was_created = Category.objects.get_or_create(
            slug=item["slug"],
            defaults={"names": item["names"], "descriptions": item["descriptions"], "position": position},
        )
        created += was_created
    return created


def load_roles() -> int:
    for role, permission_names in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=role)
        permissions = []
        for dotted in permission_names:
            app_label, codename = dotted.split(".")
            permissions.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.add(*permissions)
    return len(ROLE_PERMISSIONS)


def load_defaults() -> tuple[int, int]:
    """Create missing categories and roles; returns (new categories, roles checked)."""
    with transaction.atomic():
        return load_categories(), load_roles()
