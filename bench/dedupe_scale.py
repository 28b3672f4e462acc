"""bench/triage.py (c): the duplicate check's cost per tip with 10k, 100k and 1M tips stored.

The bench database is filled with synthetic triaged tips (their LSH band rows, identifier
rows, name and day keys and place cells, spread over the window, three tips to an incident) by SQL, growing in place from one size to the
next; at each size `find_duplicate` runs for new tips against the real DatabaseIndex. The
figure is the median time per check, and its ratio to the first size's.

    .venv/bin/python bench/dedupe_scale.py --sizes 10000,100000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

WORDS = ("truck van boat river ford bridge border night market guns drugs people cash officer checkpoint "
         "warehouse road school hotel beach trail fence tunnel cigarettes fuel passports children men women "
         "white red black blue every tonight morning north south old new near behind across").split()


def _fill(cursor, start: int, stop: int, reporter_id: int) -> None:  # noqa: ANN001
    """Tips start..stop-1 with 20 random bands, one plate and one place cell each."""
    cursor.execute(
        """
        INSERT INTO reporting_tip (reference, reporter_id, channel, declared_language, detected_language, text,
            redacted_text, place_name, occurred_window, received_at, status, status_changed_at, triage_timings,
            receipt_hash, campaign_code)
        SELECT 'B-' || g, %s, 'api', '', 'en', 'synthetic tip number ' || g, '', '', '',
               now() - random() * interval '29 days', 'triaged', now(), '{}', '', ''
        FROM generate_series(%s, %s) AS g
        """,
        [reporter_id, start, stop - 1],
    )
    cursor.execute(
        """
        INSERT INTO triage_tiptriage (tip_id, scores, labels, needs_human, needs_human_reason, identifiers,
            urgency, urgency_reasons, evidence)
        SELECT id, '{}', '[]', false, '', '[]', 0, '[]', '{}' FROM reporting_tip
        WHERE reference LIKE 'B-%%' AND substr(reference, 3)::bigint BETWEEN %s AND %s
        """,
        [start, stop - 1],
    )
    cursor.execute(
        """
        INSERT INTO triage_tipband (tip_id, band, hash, received_at)
        SELECT t.id, b, (random() * 9.2e18 - 4.6e18)::bigint, t.received_at
        FROM reporting_tip t CROSS JOIN generate_series(0, 19) AS b
        WHERE t.reference LIKE 'B-%%' AND substr(t.reference, 3)::bigint BETWEEN %s AND %s
        """,
        [start, stop - 1],
    )
    cursor.execute(
        """
        INSERT INTO triage_tipidentifier (tip_id, kind, value, received_at)
        SELECT t.id, k.kind, CASE k.kind WHEN 'plate' THEN 'PL' || (random() * 1e7)::bigint
                                         WHEN 'name' THEN (%s::text[])[1 + (random() * (%s - 1))::int]
                                         WHEN 'day' THEN to_char(t.received_at, 'YYYY-MM-DD') || ':' ||
                                                         (ARRAY['truck','boat','van','fuel','drugs'])[1 + (random() * 4)::int]
                                         ELSE (random() * 4000)::int || ':' || (random() * 4000)::int END,
               t.received_at
        FROM reporting_tip t CROSS JOIN (VALUES ('plate'), ('cell'), ('name'), ('name'), ('name'), ('day')) AS k(kind)
        WHERE t.reference LIKE 'B-%%' AND substr(t.reference, 3)::bigint BETWEEN %s AND %s
        """,
        [_name_skeletons(), len(NAMES), start, stop - 1],
    )
    # Three stored tips to an incident, so the decision also loads candidates' fellow members.
    cursor.execute(
        """
        INSERT INTO triage_incident (reference, status, created_at, last_tip_at, tip_count, reporter_count, urgency,
            labels, label_counts, top_tip_urgency)
        SELECT 'BI-' || g, 'open', now(), now(), 3, 3, 0, '[]', '{}', 0 FROM generate_series(%s / 3, (%s - 1) / 3) AS g
        ON CONFLICT (reference) DO NOTHING
        """,
        [start, stop],
    )
    cursor.execute(
        """
        UPDATE triage_tiptriage tt SET incident_id = i.id FROM reporting_tip t, triage_incident i
        WHERE tt.tip_id = t.id AND t.reference LIKE 'B-%%' AND substr(t.reference, 3)::bigint BETWEEN %s AND %s
          AND i.reference = 'BI-' || (substr(t.reference, 3)::bigint / 3)
        """,
        [start, stop - 1],
    )


# Made-up place names and nicknames, as many as a large archive holds; the probes mention some.
NAMES = [f"{a}{b}{c}{d}" for a in ("ta", "ko", "mi", "sa", "ru", "be", "da", "no") for b in ("ra", "lu", "ki", "do", "ze")
         for c in ("jal", "mek", "sin", "bor", "tul", "nav", "gid") for d in ("", "a", "ovo", "ine", "ul")]


def _name_skeletons() -> list[str]:
    from triage.dedupe.evidence import skeleton

    return [skeleton(name) for name in NAMES]


def _probe_facts(index: int, received_at):  # noqa: ANN001, ANN202
    import random

    from triage.dedupe.evidence import tip_facts

    rng = random.Random(index)
    text = " ".join([*(rng.choice(WORDS) for _ in range(18)), *(rng.choice(NAMES) for _ in range(2))])
    return tip_facts(-index - 1, text, "en", received_at, 1, identifiers=[("plate", f"PL{rng.randrange(10**7)}")],
                     labels=["illegal_crossing"], latitude=rng.uniform(-60, 60), longitude=rng.uniform(-170, 170))


def measure_duplicate_check(sizes: tuple[int, ...] = (10_000, 100_000, 1_000_000), probes: int = 500) -> list[dict]:
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection, transaction
    from django.utils import timezone

    from reporting.models import Reporter
    from triage.dedupe.index import DatabaseIndex, find_duplicate

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM triage_tipband; DELETE FROM triage_tipidentifier; DELETE FROM triage_tiptriage;")
        cursor.execute("DELETE FROM triage_incident WHERE reference LIKE 'BI-%%'")
        cursor.execute("DELETE FROM reporting_tip WHERE reference LIKE 'B-%%'")
    reporter, _ = Reporter.objects.get_or_create(pseudonym="R-BENCHDUP", defaults={"channel": "api"})
    window = timedelta(days=settings.TIPLINE_DEDUP_WINDOW_DAYS)
    index = DatabaseIndex()
    rows: list[dict] = []
    stored = 0
    for size in sorted(sizes):
        started = time.perf_counter()
        with connection.cursor() as cursor:
            for chunk in range(stored, size, 100_000):
                with transaction.atomic():
                    _fill(cursor, chunk, min(size, chunk + 100_000), reporter.pk)
            cursor.execute("ANALYZE reporting_tip; ANALYZE triage_tipband; ANALYZE triage_tipidentifier;")
        fill_seconds = time.perf_counter() - started
        stored = size
        now = timezone.now()
        for warm in range(50):
            find_duplicate(_probe_facts(10**6 + warm, now), index, window)
        timings = []
        for probe in range(probes):
            facts = _probe_facts(probe, now)
            started = time.perf_counter()
            find_duplicate(facts, index, window)
            timings.append((time.perf_counter() - started) * 1000)
        timings.sort()
        rows.append({"size": size, "median_ms": round(statistics.median(timings), 3),
                     "p99_ms": round(timings[int(0.99 * (len(timings) - 1))], 3), "fill_seconds": round(fill_seconds, 1)})
        rows[-1]["ratio_to_first"] = round(rows[-1]["median_ms"] / rows[0]["median_ms"], 3)
        print(f"  {size:>9,} stored (filled in {fill_seconds:.0f} s): median {rows[-1]['median_ms']} ms, "
              f"p99 {rows[-1]['p99_ms']} ms, ratio {rows[-1]['ratio_to_first']}", flush=True)
    return rows


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--probes", type=int, default=500)
    arguments = parser.parse_args()
    from bench.server import prepare_database

    prepare_database([])
    measure_duplicate_check(tuple(int(s) for s in arguments.sizes.split(",")), arguments.probes)
