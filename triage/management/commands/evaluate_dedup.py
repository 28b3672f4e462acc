"""Evaluate duplicate clustering on a labelled file, in file order, without touching the database."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from triage.classify import iter_jsonl
from triage.dedupe import (
    STRONG_IDENTIFIERS,
    TipFacts,
    bcubed_scores,
    cluster_in_order,
    pairwise_scores,
)
from triage.identifiers import find_identifiers

_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def read_items(path: Path) -> list[dict[str, object]]:
    items = []
    try:
        for number, item in iter_jsonl(path):
            if not {"id", "text", "incident"} <= set(item):
                raise CommandError(f"{path}:{number}: needs id, text and incident")
            items.append(item)
    except ValueError as exc:
        raise CommandError(str(exc)) from exc
    return items


def facts_for(position: int, item: dict[str, object]) -> TipFacts:
    occurred = item.get("occurred_at")
    occurred_at = datetime.fromisoformat(str(occurred)) if occurred else None
    if occurred_at is not None and occurred_at.tzinfo is None:
        occurred_at = occurred_at.replace(tzinfo=UTC)
    text, language = str(item["text"]), str(item.get("language") or "")
    spans = find_identifiers(text, language)
    return TipFacts(
        tip_id=position,
        text=text,
        language=language,
        # File order stands for arrival order, a minute apart, unless a time is given.
        received_at=occurred_at or _EPOCH + timedelta(minutes=position),
        reporter_id=int(item.get("reporter", position)),  # type: ignore[arg-type]
        identifiers=tuple(sorted({(s.type, s.normalized) for s in spans if s.type in STRONG_IDENTIFIERS})),
        labels=tuple(item.get("labels") or ()),  # type: ignore[arg-type]
        latitude=item.get("latitude"),  # type: ignore[arg-type]
        longitude=item.get("longitude"),  # type: ignore[arg-type]
        occurred_at=occurred_at,
    )


class Command(BaseCommand):
    help = "Pairwise and B-cubed precision, recall and F1 of duplicate clustering on a JSONL file."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, required=True, help='JSONL {"id", "text", "incident", "language"?, ...}')
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        path: Path = options["data"]  # type: ignore[assignment]
        if not path.exists():
            raise CommandError(f"{path}: no such file")
        items = read_items(path)
        started = time.perf_counter()
        facts = [facts_for(position, item) for position, item in enumerate(items)]
        window = timedelta(days=settings.TIPLINE_DEDUP_WINDOW_DAYS)
        clusters = cluster_in_order(sorted(facts, key=lambda f: (f.received_at, f.tip_id)), window)
        elapsed = time.perf_counter() - started
        truth = {str(position): str(item["incident"]) for position, item in enumerate(items)}
        predicted = {str(position): str(cluster) for position, cluster in clusters.items()}
        report = {
            "tips": len(items),
            "pairwise": pairwise_scores(truth, predicted),
            "bcubed": bcubed_scores(truth, predicted),
            "tips_per_second": round(len(items) / elapsed, 1) if elapsed else None,
        }
        if options["json"]:
            self.stdout.write(json.dumps(report))
            return
        for name in ("pairwise", "bcubed"):
            scores = report[name]
            self.stdout.write(f"{name:9} precision {scores['precision']:.3f}  recall {scores['recall']:.3f}  F1 {scores['f1']:.3f}")  # type: ignore[index]
        self.stdout.write(f"{report['tips']} tips, {report['tips_per_second']} tips/s")
