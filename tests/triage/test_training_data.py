"""The seed is broad enough to start a deployment; the evaluation set stays an honest measure.

A tip in the evaluation set that is a near-copy of a training tip would be scored on what the
model memorised; that is how a model looks better than it is (triage/evaluation/README.md).
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from triage.classify import EVALUATION_PATH, SEED_PATH, LabelledText, read_examples
from triage.dedupe.evaluation import DEVELOPMENT_PATHS, EVALUATION_PATHS, read_items
from triage.features import folded_words

# Shorter tips ("ok", "test", "👍", "is this anonymous?") are what everybody writes; two writers
# write them alike without copying.
MIN_DISTINCT_WORDS = 6
# Share of distinct words in common (Jaccard) from which two tips count as one reworded.
NEAR_COPY = 0.5


def _word_sets(examples: list[LabelledText]) -> list[frozenset[str]]:
    return [frozenset(folded_words(example.text)) for example in examples]


def near_copies(evaluation: list[LabelledText], training: list[LabelledText]) -> list[tuple[float, str, str]]:
    """Evaluation tips whose words are mostly those of one training tip, with that tip."""
    training_words = _word_sets(training)
    postings: dict[str, list[int]] = {}
    for index, words in enumerate(training_words):
        for word in words:
            postings.setdefault(word, []).append(index)
    found = []
    for example, words in zip(evaluation, _word_sets(evaluation), strict=True):
        if len(words) < MIN_DISTINCT_WORDS:
            continue
        shared = Counter(index for word in words for index in postings.get(word, ()))
        for index, common in shared.items():
            similarity = common / len(words | training_words[index])
            if similarity >= NEAR_COPY:
                found.append((round(similarity, 2), example.text, training[index].text))
    return found


def test_no_evaluation_tip_is_a_near_copy_of_a_seed_tip() -> None:
    assert near_copies(read_examples(EVALUATION_PATH), read_examples(SEED_PATH)) == []


def test_the_check_finds_a_reworded_copy() -> None:
    seed = [LabelledText("the customs officer at the bridge takes cash from every fuel truck at night", ("corruption",))]
    reworded = [LabelledText("The customs officer at the bridge takes money from every fuel truck at night!", ("corruption",))]
    other = [LabelledText("a woman at the bus station sells pills hidden in baby food jars", ("drug_trafficking",))]
    assert [text for _, text, _ in near_copies(reworded + other, seed)] == [reworded[0].text]


LANGUAGES = ("en", "es", "fr", "ar", "pt", "ru")


def test_the_seed_is_broad_in_every_language() -> None:
    seed = read_examples(SEED_PATH)
    per_pair = Counter((example.language, label) for example in seed for label in example.labels)
    labels = {label for _, label in per_pair}
    assert len(seed) >= 3000 and len(labels) == 10
    assert min(per_pair[(language, label)] for language in LANGUAGES for label in labels) >= 40
    assert 0.15 <= sum(1 for example in seed if len(example.labels) > 1) / len(seed) <= 0.20
    shared = {label for example in seed if len(example.labels) > 1 for label in example.labels}
    assert not shared & {"spam_abuse", "not_a_crime_report"}  # they are never beside a crime
    assert len({example.text.strip().lower() for example in seed}) == len(seed)


def test_the_evaluation_set_covers_every_label_in_six_languages() -> None:
    evaluation = read_examples(EVALUATION_PATH)
    seed_labels = {label for example in read_examples(SEED_PATH) for label in example.labels}
    assert len(evaluation) >= 600
    per_pair = Counter((example.language, label) for example in evaluation for label in example.labels)
    assert {language for language, _ in per_pair} == set(LANGUAGES)
    assert {label for _, label in per_pair} == seed_labels
    assert min(per_pair[(language, label)] for language in LANGUAGES for label in seed_labels) >= 10


def _dedup_texts(path: Path) -> list[LabelledText]:
    return [LabelledText(str(item["text"]), ()) for item in read_items(path)]


def test_no_duplicate_evaluation_report_is_a_near_copy_of_a_development_report() -> None:
    development = [text for path in DEVELOPMENT_PATHS for text in _dedup_texts(path)]
    for path in EVALUATION_PATHS:
        assert near_copies(_dedup_texts(path), development) == [], path.name


def test_the_duplicate_sets_have_the_size_and_shape_the_decision_is_measured_on() -> None:
    development = read_items(DEVELOPMENT_PATHS[0])
    incidents = Counter(str(item["incident"]) for item in development)
    assert len(development) >= 600 and len(incidents) >= 300
    assert sum(1 for size in incidents.values() if size > 1) >= len(incidents) / 3
    assert {str(item["language"]) for item in development} == set(LANGUAGES)
    assert 0.5 <= sum("latitude" in item for item in development) / len(development) <= 0.7
    evaluation = read_items(EVALUATION_PATHS[0])
    assert len(evaluation) >= 300
    # Other writers: no id prefix of the development set appears in the evaluation sets.
    prefixes = {str(item["id"])[:2] for path in DEVELOPMENT_PATHS for item in read_items(path)}
    assert not prefixes & {str(item["id"])[:2] for path in EVALUATION_PATHS for item in read_items(path)}
