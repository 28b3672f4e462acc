"""Evaluate duplicate gathering on labelled files, in arrival order, without touching the database."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from triage.dedupe.decision import model_from_json, shipped_model
from triage.dedupe.evaluation import (
    EVALUATION_PATHS,
    classifier_for,
    evaluate,
    labelled_facts,
    read_items,
)


class Command(BaseCommand):
    help = ("Pairwise and B-cubed precision, recall and F1 of duplicate gathering, split into same- and "
            "cross-language pairs, beside a place-and-time rule and word overlap; and the worst false merges. "
            "By default: the separately written evaluation sets.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", type=Path, nargs="+", default=list(EVALUATION_PATHS),
                            help='JSONL {"id", "text", "incident", "language"?, "reporter"?, "received_at"?, '
                                 '"latitude"?, "longitude"?, "occurred_window"?, "place_name"?, "labels"?}')
        parser.add_argument("--labels", choices=["model", "file"], default="model",
                            help="categories from the classifier (as in the pipeline) or from the file")
        parser.add_argument("--model", type=Path, help="classifier directory (default: the active one)")
        parser.add_argument("--pair-model", type=Path, help="pair model JSON written by train_dedup (default: the shipped one)")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args: object, **options: object) -> None:
        paths: list[Path] = options["data"]  # type: ignore[assignment]
        for path in paths:
            if not path.exists():
                raise CommandError(f"{path}: no such file")
        pair_model = options["pair_model"]
        model = model_from_json(json.loads(pair_model.read_text())) if pair_model else shipped_model()  # type: ignore[union-attr]
        files = {}
        for path in paths:
            try:
                files[path] = read_items(path)
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        try:
            classifier = classifier_for(options["model"], options["labels"])  # type: ignore[arg-type]
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        window = timedelta(days=settings.TIPLINE_DEDUP_WINDOW_DAYS)
        reports = {}
        for path, items in files.items():
            facts = labelled_facts(items, classifier)
            started = time.perf_counter()
            report = evaluate(items, facts, window, model)
            elapsed = time.perf_counter() - started
            report["tips_per_second"] = round(len(items) / elapsed, 1) if elapsed else None
            reports[str(path)] = report
        if options["json"]:
            self.stdout.write(json.dumps(reports if len(reports) > 1 else next(iter(reports.values())), ensure_ascii=False))
            return
        for path, report in reports.items():
            self._print(path, report)

    def _print(self, path: str, report: dict) -> None:
        write = self.stdout.write
        write(f"\n{path}: {report['tips']} tips, {report['incidents']} incidents ({report['tips_per_second']} tips/s)")
        write(f"{'':24} {'precision':>9} {'recall':>7} {'F1':>6}   pairs (predicted / true)")
        for name in ("ours", "place_time_rule", "word_overlap"):
            scores = report[name]
            label = name + (f" (Jaccard ≥ {scores['threshold']})" if name == "word_overlap" else "")
            write(label)
            for part in ("pairwise", "bcubed", "same_language", "cross_language"):
                s = scores[part]
                pairs = f"   {s['pairs_predicted']} / {s['pairs_true']}" if "pairs_true" in s else ""
                write(f"  {part:22} {s['precision']:9.3f} {s['recall']:7.3f} {s['f1']:6.3f}{pairs}")
        write("worst false merges (score, why: new tip ← joined tip):")
        for merge in report["worst_false_merges"]:
            write(f"  {merge['score']:.2f} {'+'.join(merge['reasons'])}: [{merge['tip']['id']} {merge['tip']['language']}] "
                  f"{merge['tip']['text'][:90]!r}")
            write(f"{'':8}← [{merge['joined']['id']} {merge['joined']['language']}] {merge['joined']['text'][:90]!r}")
