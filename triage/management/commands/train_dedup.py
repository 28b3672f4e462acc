"""Fit the duplicate decision's pair model on the development set and write it as JSON."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from triage.dedupe.decision import MODEL_PATH
from triage.dedupe.evaluation import DEVELOPMENT_PATHS, classifier_for, labelled_facts, read_items
from triage.dedupe.evidence import TipFacts
from triage.dedupe.index import caseworker_judgements
from triage.dedupe.training import train_pair_model


class Command(BaseCommand):
    help = ("Learn the pair model of the duplicate decision from a labelled development file (never the "
            "evaluation sets), choose its threshold there, and write it (default: the shipped pair_model.json).")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, nargs="+", default=list(DEVELOPMENT_PATHS))
        parser.add_argument("--labels", choices=["model", "file"], default="model")
        parser.add_argument("--model", type=Path, help="classifier directory (default: the active one)")
        parser.add_argument("--output", type=Path, default=MODEL_PATH)

    def handle(self, *args: object, **options: object) -> None:
        try:
            classifier = classifier_for(options["model"], options["labels"])  # type: ignore[arg-type]
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        facts: list[TipFacts] = []
        incidents: list[str] = []
        groups: list[str] = []  # the writer of each line, held out in turn to choose the threshold
        for path in options["data"]:  # type: ignore[attr-defined]
            try:
                items = read_items(path)
            except (OSError, ValueError) as exc:
                raise CommandError(str(exc)) from exc
            offset = len(facts)
            for item_facts in labelled_facts(items, classifier):
                facts.append(replace(item_facts, tip_id=item_facts.tip_id + offset))
            incidents += [f"{path.name}:{item['incident']}" for item in items]
            groups += [f"{path.name}:{writer_of(item)}" for item in items]
        judgements = caseworker_judgements()
        try:
            model, report = train_pair_model(facts, incidents, timedelta(days=settings.TIPLINE_DEDUP_WINDOW_DAYS),
                                             judgements, groups)
        except RuntimeError as exc:  # the stored trees would not score as the fitted ones
            raise CommandError(str(exc)) from exc
        output: Path = options["output"]  # type: ignore[assignment]
        output.write_text(json.dumps(model.as_json(), separators=(",", ":")) + "\n", encoding="utf-8")
        scores = report["development_pairwise"]
        self.stdout.write(f"{len(judgements)} pairs caseworkers split apart; {report['pairs']} candidate pairs ({report['positive_pairs']} of one event); "
                          f"threshold {report['threshold']}, incident mean weight {report['incident_mean_weight']}")
        self.stdout.write(f"development, settings chosen on {report['chosen_on']}: precision {scores['precision']:.3f} "  # type: ignore[index]
                          f"recall {scores['recall']:.3f} F1 {scores['f1']:.3f}")  # type: ignore[index]
        self.stdout.write("tree nodes splitting on each feature:")
        for name, splits in report["splits"].items():  # type: ignore[attr-defined]
            self.stdout.write(f"  {name:22} {splits}")
        self.stdout.write(f"written to {output}")


def writer_of(item: dict[str, object]) -> str:
    """Each writer of the development set gave their ids a prefix of letters ("DA0001")."""
    match = re.match(r"[A-Za-z]+", str(item["id"]))
    return match.group(0) if match else ""
