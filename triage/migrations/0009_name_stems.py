"""Stored names become name stems: a skeleton loses its last consonant, so a declined or respelt
name ("Ларсе", "Lars") meets itself. Recent tips keep being found by name after the upgrade.

Written as plain string operations, so the migration does not change when the evidence code
does: a skeleton has no vowels; a name with vowels is a spelling kept whole, and stays.
"""

from django.db import migrations

SKELETON_VOWELS = set("aeiouyw")
MIN_SKELETON = 3
BATCH = 2000


def stem(name: str) -> str:
    if SKELETON_VOWELS & set(name) or len(name) <= MIN_SKELETON:
        return name
    return name[:-1]


def to_stems(apps, schema_editor):
    TipTriage = apps.get_model("triage", "TipTriage")
    TipIdentifier = apps.get_model("triage", "TipIdentifier")
    changed = []
    for triage in TipTriage.objects.exclude(evidence=None).only("pk", "evidence").iterator(chunk_size=BATCH):
        names = (triage.evidence or {}).get("names") or []
        stems = sorted({stem(name) for name in names})
        if stems != sorted(names):
            triage.evidence = {**triage.evidence, "names": stems}
            changed.append(triage)
        if len(changed) >= BATCH:
            TipTriage.objects.bulk_update(changed, ["evidence"])
            changed = []
    TipTriage.objects.bulk_update(changed, ["evidence"])
    # Index keys: one row per (tip, stem); two names of one tip may share a stem. Read tip by tip,
    # so only one tip's stems are held at a time, however large the archive.
    tip_id, seen = None, set()
    duplicates, renamed = [], []
    for row in TipIdentifier.objects.filter(kind="name").order_by("tip_id", "pk").iterator(chunk_size=BATCH):
        if row.tip_id != tip_id:
            tip_id, seen = row.tip_id, set()
        value = stem(row.value)
        if value in seen:
            duplicates.append(row.pk)
            if len(duplicates) >= BATCH:
                TipIdentifier.objects.filter(pk__in=duplicates).delete()
                duplicates = []
            continue
        seen.add(value)
        if value != row.value:
            row.value = value
            renamed.append(row)
        if len(renamed) >= BATCH:
            TipIdentifier.objects.bulk_update(renamed, ["value"])
            renamed = []
    TipIdentifier.objects.bulk_update(renamed, ["value"])
    TipIdentifier.objects.filter(pk__in=duplicates).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("triage", "0008_incident_members_index"),
    ]

    operations = [
        migrations.RunPython(to_stems, migrations.RunPython.noop),
    ]
