"""Duplicate reports gather into incidents: the decision, both indexes, and the evaluation."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import pytest
from django.core.management import call_command

from reporting.intake import TipSubmission, submit_tip
from reporting.models import Channel, Reporter, Tip
from tests.conftest import FIXTURES
from triage import dedupe
from triage.dedupe import Candidate, TipFacts, bcubed_scores, decide, pairwise_scores, signature
from triage.models import Incident, TipTriage
from triage.pipeline import triage_tip

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)


def facts(tip_id: int, text: str, hours: float = 0, **extra: object) -> TipFacts:
    return TipFacts(tip_id=tip_id, text=text, language="en", received_at=T0 + timedelta(hours=hours),
                    reporter_id=extra.pop("reporter", tip_id), **extra)  # type: ignore[arg-type]


def test_pairwise_and_bcubed_scores_match_hand_computed_values() -> None:
    truth = {"a": "1", "b": "1", "c": "1", "d": "2"}
    predicted = {"a": "x", "b": "x", "c": "y", "d": "y"}
    assert pairwise_scores(truth, predicted) == pytest.approx({"precision": 0.5, "recall": 1 / 3, "f1": 0.4})
    bcubed = bcubed_scores(truth, predicted)
    assert bcubed["precision"] == pytest.approx((1 + 1 + 0.5 + 0.5) / 4)
    assert bcubed["recall"] == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4)


def test_a_reworded_report_of_the_same_event_joins_its_incident() -> None:
    old = facts(1, "Three young girls were taken into the hotel by the market last night, they seemed terrified.")
    new = facts(2, "Last night three young girls were brought to the hotel near the market, they looked terrified.", 2)
    decision = decide(new, signature(new.text), [Candidate(old, incident_id=10)])
    assert decision.incident_id == 10 and decision.matched_tip_id == 1 and "text" in decision.reasons


def test_a_translated_report_with_the_same_plate_joins() -> None:
    old = facts(1, "A white van AB-123-CD crossed the river at the ford.", identifiers=(("plate", "AB123CD"),))
    new = facts(2, "Una camioneta blanca AB 123 CD cruzó el río por el vado.", 1, identifiers=(("plate", "AB123CD"),))
    assert decide(new, signature(new.text), [Candidate(old, 10)]).reasons == ("identifier", "plate")


def test_the_same_place_a_week_later_is_another_event() -> None:
    old = facts(1, "A boat full of people left the beach heading north.", latitude=32.93, longitude=12.08)
    new = facts(2, "A boat full of people left the beach heading north.", 24 * 9, latitude=32.93, longitude=12.08)
    assert decide(new, signature(new.text), [Candidate(old, 10)]).incident_id is None


def test_generic_words_alone_do_not_merge() -> None:
    old = facts(1, "The truck crossed the river at night.", labels=("illegal_crossing",))
    new = facts(2, "Cocaine is sold by a man in a truck near the school.", 1, labels=("drug_trafficking",))
    assert decide(new, signature(new.text), [Candidate(old, 10)]).incident_id is None


def test_the_evaluation_command_reports_both_metrics_on_the_fixture() -> None:
    out = StringIO()
    call_command("evaluate_dedup", "--data", str(FIXTURES / "dedup" / "border_incidents.jsonl"), "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["tips"] == 28
    assert report["pairwise"]["f1"] >= 0.85 and report["bcubed"]["f1"] >= 0.85
    assert report["pairwise"]["precision"] >= 0.9


@pytest.mark.django_db
def test_the_database_index_and_the_memory_index_decide_alike() -> None:
    lines = [json.loads(line) for line in (FIXTURES / "dedup" / "border_incidents.jsonl").read_text().splitlines()][:12]
    memory = dedupe.MemoryIndex()
    database = dedupe.DatabaseIndex()
    window = timedelta(days=30)
    for item in lines:
        tip = Tip.objects.get(pk=submit_tip(TipSubmission(text=item["text"], channel=Channel.API)).tip_id)
        item_facts = TipFacts(tip_id=tip.pk, text=item["text"], language="", received_at=tip.received_at,
                              reporter_id=tip.reporter_id)
        in_memory, bands, sig = dedupe.find_duplicate(item_facts, memory, window)
        in_db, _bands, _sig = dedupe.find_duplicate(item_facts, database, window)
        assert (in_memory.matched_tip_id, in_memory.similarity) == (in_db.matched_tip_id, in_db.similarity)
        [joined] = dedupe.join_incidents([(item_facts, in_db)])
        dedupe.save_incidents([joined.incident])
        incident = joined.incident
        TipTriage.objects.create(tip=tip, incident=incident)
        memory.add(item_facts, bands, sig, incident.pk)
        database.add(item_facts, bands, sig, incident.pk)


@pytest.mark.django_db
def test_corroboration_counts_distinct_reporters_through_the_pipeline() -> None:
    alice = Reporter.objects.create(pseudonym="R-ALICE234", channel=Channel.TELEGRAM)
    text = "Men with guns unload crates from a white van AB-123-CD at the old mill every night."
    first = submit_tip(TipSubmission(text=text, channel=Channel.TELEGRAM, reporter=alice, issue_receipt=False))
    again = submit_tip(TipSubmission(text=text + " Again tonight.", channel=Channel.TELEGRAM, reporter=alice, issue_receipt=False))
    other = submit_tip(TipSubmission(text="At the old mill, van AB 123 CD, armed men unloading crates.", channel=Channel.WEB))
    for submitted in (first, again, other):
        assert triage_tip(submitted.tip_id) == "triaged"
    incident = Incident.objects.get()
    assert (incident.tip_count, incident.reporter_count) == (3, 2)
    assert Tip.objects.get(pk=other.tip_id).triage.matched_tip_id in {first.tip_id, again.tip_id}


def test_the_evaluation_command_names_a_bad_line(tmp_path) -> None:  # noqa: ANN001
    from django.core.management import CommandError

    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "x", "incident": "a"}\n{"id": 2, "text": "no incident"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="bad.jsonl:2: needs id, text and incident"):
        call_command("evaluate_dedup", "--data", str(bad))
    bad.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(CommandError, match="bad.jsonl:1: not JSON"):
        call_command("evaluate_dedup", "--data", str(bad))
