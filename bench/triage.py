"""Triage figures, each beside a reference measured in the same run (see bench/README.md).

    .venv/bin/python bench/triage.py [--only a,b,c,d] [--tips 2000] [--dedupe-sizes 10000,100000,1000000]

(a) tips/s through one real worker, and submit → triaged p50/p99 (reference: no-op tasks)
(b) classifier documents/s (reference: spaCy's tokenizer alone on the same texts)
(c) duplicate-check cost per tip at 10k, 100k, 1M stored tips (reference: the 10k figure)
(d) classifier macro F1, trained on the seed and scored on the separately written evaluation set
    (reference: TF-IDF + balanced logistic regression trained and scored on the same tips)
(e) training time: the seed set, and 25,000 examples (targets: under 3 and under 15 minutes)

Prints a table and writes bench/results/triage.json. Never part of `make test`.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"

import django  # noqa: E402

RESULTS = Path(__file__).resolve().parent / "results" / "triage.json"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default="a,b,c,d,e", help="comma-separated sections")
    parser.add_argument("--tips", type=int, default=2000, help="(a) tips and no-op tasks per drain run")
    parser.add_argument("--concurrency", type=int, default=2, help="(a) worker processes")
    parser.add_argument("--dedupe-sizes", default="10000,100000,1000000", help="(c) stored tips")
    parser.add_argument("--quality-data", type=Path, help="(d) a labelled JSONL/CSV file, split 80/20, instead of seed → evaluation set")
    parser.add_argument("--crisislex", action="store_true", help="(d) CrisisLexT26 with a fifth of its events held out instead")
    parser.add_argument("--architecture", default=None, help="ensemble or bow (default: the classifier's)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    sections = set(args.only.split(","))
    from bench.server import prepare_database

    prepare_database([])
    django.setup()
    from bench import classifier_bench

    # Sections run separately add to the same file instead of erasing each other's figures.
    results: dict[str, object] = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    architecture = args.architecture or classifier_bench.DEFAULT_ARCHITECTURE
    if "a" in sections:
        from bench.worker_throughput import measure

        results["a_worker"] = measure(args.tips, args.concurrency)
        a = results["a_worker"]
        print(f"(a) no-op tasks/s {a['reference_noop']['per_second']}  tips/s {a['tips']['per_second']}  "
              f"ratio {a['ratio_to_noop']}  (target ≥ 500 tips/s)")
        print(f"    idle submit→triaged p50 {a['idle']['p50_ms']} ms  p99 {a['idle']['p99_ms']} ms  (target p50 < 250 ms)")
        print(f"    median step times (ms): {a['idle']['step_median_ms']}")
    if "b" in sections:
        train, test = classifier_bench.crisislex_split()
        texts = [e.text for e in (train + test)][:10000]
        results["b_classifier_speed"] = b = classifier_bench.throughput(texts, architecture=architecture)
        print(f"(b) classifier {b['classifier_docs_per_s']} docs/s  tokenizer {b['tokenizer_docs_per_s']} docs/s  "
              f"ratio {b['ratio']}  ({b['architecture']})")
    if "c" in sections:
        from bench.dedupe_scale import measure_duplicate_check

        sizes = tuple(int(size) for size in args.dedupe_sizes.split(","))
        results["c_duplicates"] = rows = measure_duplicate_check(sizes=sizes)
        for row in rows:
            print(f"(c) {row['size']:>9,} stored: median {row['median_ms']} ms  p99 {row['p99_ms']} ms  "
                  f"ratio to first {row['ratio_to_first']}  (target 1M/10k ≤ 1.5)")
    if "d" in sections:
        from triage.classify import EVALUATION_PATH, read_examples, seed_examples

        if args.quality_data:
            train, test = classifier_bench.file_split(args.quality_data)
            source = str(args.quality_data)
        elif args.crisislex:
            train, test = classifier_bench.crisislex_split()
            source = "CrisisLexT26 information type, 20% of events held out"
        else:
            train, test = seed_examples(), read_examples(EVALUATION_PATH)
            source = "seed set → separately written evaluation set"
        d = classifier_bench.quality(train, test, architecture=architecture)
        d["data"] = source
        results["d_quality"] = d
        print(f"(d) {source}: Tipline macro F1 {d['tipline_macro_f1']}  baseline {d['baseline_macro_f1']}  "
              f"ratio {d['ratio']}  (targets ≥ 0.80 and ratio ≥ 1.10; train {d['train']}, test {d['test']}, "
              f"{d['architecture']}, trained in {d['training_seconds']} s, validation {d['validation_macro_f1']})")
        print("    per language (Tipline / baseline): " + "  ".join(
            f"{language} {row['tipline']}/{row['baseline']}" for language, row in d["per_language"].items()))
        print(f"    per label: {d['per_label_f1']}")
        print(f"    commonest confusions (expected, given, count): {d['confusions']}")
    if "e" in sections:
        results["e_training_time"] = e = classifier_bench.training_times(architecture=architecture)
        for name in ("seed", "large"):
            row = e[name]
            print(f"(e) training on {row['examples']:,} examples: {row['seconds']} s, {row['epochs']} epochs "
                  f"(best {row['best_epoch']})  (target {'< 180 s' if name == 'seed' else '< 900 s'}; {e['architecture']})")
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"written {RESULTS}")


if __name__ == "__main__":
    main()
