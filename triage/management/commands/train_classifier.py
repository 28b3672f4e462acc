"""Train a tip classifier, register it, and optionally promote it (docs/classifier.md)."""

from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from triage import classify, retraining
from triage.models import ClassifierVersion


class Command(BaseCommand):
    help = (
        "Train the multi-label text classifier. With no --data: the seed set plus the categories "
        "caseworkers confirmed or corrected (except those held back to compare models on)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--data", nargs="+", type=Path, help="JSONL {text, labels} or CSV text,labels (labels split by |)")
        parser.add_argument("--output", type=Path, help="model directory (default: a new version under TIPLINE_MODELS_DIR)")
        parser.add_argument("--promote", action="store_true", help="make it the model the workers use")
        parser.add_argument("--if-missing", action="store_true", help="do nothing when a model is already active")
        parser.add_argument("--architecture", choices=sorted(classify.ARCHITECTURES), default=classify.DEFAULT_ARCHITECTURE)
        parser.add_argument("--epochs", type=int, default=40, help="at most this many epochs (early stopping)")
        parser.add_argument("--seed", type=int, default=13)

    def handle(self, *args: object, **options: object) -> None:
        if options["if_missing"] and ClassifierVersion.objects.filter(is_active=True).exists():
            self.stdout.write("an active classifier exists; nothing to do")
            return
        examples = self._examples(options["data"])  # type: ignore[arg-type]
        version = classify.new_version_name()
        output = options["output"] or Path(settings.TIPLINE_MODELS_DIR) / version
        self.stdout.write(f"training on {len(examples)} examples -> {output}")
        try:
            report = classify.train_classifier(
                examples, output, seed=options["seed"], max_epochs=options["epochs"],  # type: ignore[arg-type]
                architecture=options["architecture"], progress=True,  # type: ignore[arg-type]
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        registered = classify.register_version(report, version)
        if options["promote"]:
            classify.promote_version(registered)
        self._report(report, registered, bool(options["promote"]))

    def _examples(self, paths: list[Path] | None) -> list[classify.LabelledText]:
        if not paths:
            return retraining.candidate_training_data()
        examples: list[classify.LabelledText] = []
        for path in paths:
            if not path.exists():
                raise CommandError(f"{path}: no such file")
            try:
                examples.extend(classify.read_examples(path))
            except ValueError as exc:
                raise CommandError(str(exc)) from exc
        return examples

    def _report(self, report: classify.TrainingReport, version: ClassifierVersion, promoted: bool) -> None:
        metrics = report.metrics
        self.stdout.write(f"\nversion {version.version} (best epoch {metrics['best_epoch']}), validation split:")
        self.stdout.write(f"{'label':28} {'precision':>9} {'recall':>7} {'f1':>6} {'support':>8} {'threshold':>9}")
        for label, scores in metrics["per_label"].items():  # type: ignore[union-attr]
            self.stdout.write(
                f"{label:28} {scores['precision']:9.3f} {scores['recall']:7.3f} {scores['f1']:6.3f} "
                f"{scores['support']:8d} {report.thresholds[label]:9.2f}"
            )
        self.stdout.write(f"micro F1 {metrics['micro_f1']:.3f}   macro F1 {metrics['macro_f1']:.3f}")
        self.stdout.write(json.dumps({"summary": report.summary}, ensure_ascii=False))
        self.stdout.write(self.style.SUCCESS(f"registered {version.version}" + (" and promoted" if promoted else "")))
