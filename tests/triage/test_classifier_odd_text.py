"""Odd text never breaks the classifier: any batch, in training, serving and evaluation (issue 12).

A text whose reading is empty (only emoji, punctuation or symbols) once broke a whole batch
inside spaCy's bag of words; alone it did not, so these tests always mix it into batches.
"""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from triage import classify
from triage.classify import LabelledText
from triage.features import reading
from triage.models import NeedsHumanReason

ODD_TEXTS = [
    "",
    "🔥🔥💯",
    "!!!???...",
    "   \n\t  ",
    "\x00\x07\x1b[31m",
    "\u200f\u200e\u202b\u202c",  # right-to-left and left-to-right marks, embedding
    "$$$ %%% ### *** ~~~",
    "﷽",
    "a" * 5000,
    "камион con 3 مهاجرين y ДВЕ armas 🔫 at the ford",  # mixed scripts and an emoji with a meaning
    "the officer took money to let the truck pass " * 120,  # about 5,000 characters
]
REAL = "men with rifles unloaded boxes from a white truck at the river ford tonight"


@pytest.fixture(scope="module")
def seed_model(seed_model_dir: Path) -> classify.LoadedClassifier:
    return classify.LoadedClassifier(seed_model_dir)


def test_odd_texts_in_one_batch_with_real_tips(seed_model: classify.LoadedClassifier) -> None:
    batch = [REAL, *ODD_TEXTS, REAL]
    results = seed_model.classify_many(batch, ["en", *[""] * len(ODD_TEXTS), "en"])
    assert len(results) == len(batch)
    assert results[0].labels and results[0].labels == results[-1].labels
    for text, result in zip(batch, results, strict=True):
        if not reading(text):
            assert result.labels == [] and result.needs_human and result.reason == NeedsHumanReason.NOTHING_TO_READ
    assert results[1 + ODD_TEXTS.index("🔥🔥💯")].reason != NeedsHumanReason.NOTHING_TO_READ  # 🔥 and 💯 read as an advert
    assert results[1 + ODD_TEXTS.index("!!!???...")].reason != NeedsHumanReason.NOTHING_TO_READ  # a question mark is read
    assert results[1 + ODD_TEXTS.index("$$$ %%% ### *** ~~~")].reason == NeedsHumanReason.NOTHING_TO_READ


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    texts=st.lists(st.text(max_size=400), min_size=1, max_size=12),
    language=st.sampled_from(["", "en", "es", "fr", "ar", "pt", "ru", "xx", "pt-BR"]),
)
def test_any_unicode_batch_gets_an_answer_for_every_text(
    seed_model: classify.LoadedClassifier, texts: list[str], language: str
) -> None:
    results = seed_model.classify_many(texts, [language] * len(texts))
    assert len(results) == len(texts)
    for text, result in zip(texts, results, strict=True):
        assert set(result.labels) <= set(seed_model.labels)
        assert all(0.0 <= score <= 1.0 for score in result.scores.values())
        if not reading(text, language):
            assert result.labels == [] and result.reason == NeedsHumanReason.NOTHING_TO_READ
        else:  # something to read: at least a best guess, and a reason whenever a human must look
            assert result.labels
            assert not result.needs_human or result.reason in {NeedsHumanReason.TOO_SHORT, NeedsHumanReason.UNSURE}


def test_training_and_evaluation_take_odd_texts(tmp_path: Path) -> None:
    examples = [
        *[LabelledText(f"cocaine packets hidden in truck number {i} at the border", ("drugs",), "en") for i in range(12)],
        *[LabelledText(f"the officer took {i}00 dollars bribe to let the bus pass", ("bribery",), "en") for i in range(12)],
        *[LabelledText(text, ("drugs",)) for text in ODD_TEXTS],
    ]
    report = classify.train_classifier(examples, tmp_path / "model", architecture="bow", max_epochs=3, patience=2)
    assert report.labels == ["bribery", "drugs"]

    data = tmp_path / "odd.jsonl"
    lines = [{"text": text, "labels": ["drugs"], "language": ""} for text in ODD_TEXTS]
    lines.append({"text": "cocaine packets hidden in a truck", "labels": ["drugs"], "language": "en"})
    data.write_text("\n".join(json.dumps(line, ensure_ascii=False) for line in lines) + "\n", encoding="utf-8")
    out = StringIO()
    call_command("evaluate_classifier", "--model", str(tmp_path / "model"), "--data", str(data), "--json", stdout=out)
    figures = json.loads(out.getvalue())
    assert figures["documents"] == len(lines)
    assert figures["nothing_to_read"] == sum(1 for text in ODD_TEXTS if not reading(text))
    # Texts with nothing to read count as misses, not as silently dropped lines.
    assert figures["per_label"]["drugs"]["support"] == len(lines)
