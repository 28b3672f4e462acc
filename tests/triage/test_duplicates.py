"""Duplicate reports gather into incidents: evidence, the decision, both indexes, and the evaluation."""

from __future__ import annotations

import importlib
import json
from datetime import UTC, datetime, timedelta
from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from reporting.intake import TipSubmission, submit_tip
from reporting.models import Channel, Reporter, Tip
from tests.conftest import FIXTURES
from triage.dedupe import store
from triage.dedupe.decision import (
    FEATURES,
    Candidate,
    decide,
    has_specific_tie,
    model_from_json,
    pair_features,
)
from triage.dedupe.evaluation import bcubed_scores, pairwise_scores
from triage.dedupe.evidence import TipFacts, name_stem, read_evidence, skeleton, tip_facts
from triage.dedupe.index import DatabaseIndex, MemoryIndex, find_duplicate
from triage.dedupe.sketches import signature
from triage.dedupe.training import fit_trees
from triage.models import Incident, TipTriage
from triage.pipeline import triage_tip

T0 = datetime(2026, 3, 1, 2, 0, tzinfo=UTC)
FORD = {"latitude": 32.5301, "longitude": -117.0301}


def facts(tip_id: int, text: str, hours: float = 0, language: str = "en", **extra: object) -> TipFacts:
    return tip_facts(tip_id, text, language, T0 + timedelta(hours=hours), extra.pop("reporter", tip_id),  # type: ignore[arg-type]
                     **extra)  # type: ignore[arg-type]


def test_pairwise_and_bcubed_scores_match_hand_computed_values() -> None:
    truth = {"a": "1", "b": "1", "c": "1", "d": "2"}
    predicted = {"a": "x", "b": "x", "c": "y", "d": "y"}
    assert pairwise_scores(truth, predicted) == pytest.approx({"precision": 0.5, "recall": 1 / 3, "f1": 0.4})
    bcubed = bcubed_scores(truth, predicted)
    assert bcubed["precision"] == pytest.approx((1 + 1 + 0.5 + 0.5) / 4)
    assert bcubed["recall"] == pytest.approx((2 / 3 + 2 / 3 + 1 / 3 + 1) / 4)


@pytest.mark.parametrize("text", [
    "anoche como a las 2 una camioneta blanca cruzo por el Tarajal con 4 hombres",
    "البارحة حوالي الساعة 2 فان ابيض في الطراخال فيه اربعة رجال",
    "вчера ночью около двух белый фургон у Тарахаля, четверо мужчин",
    "hier vers 2h du matin une fourgonnette blanche à Tarajal, quatre hommes",
])
def test_what_survives_translation_reads_alike_in_every_script(text: str) -> None:
    evidence = read_evidence(text)
    assert name_stem(skeleton("Tarajal")) in evidence.names
    assert (evidence.day, evidence.hours, evidence.counts) == (1, frozenset({2}), frozenset({4}))
    assert {"van", "white"} <= evidence.details


@pytest.mark.parametrize(("one", "other"), [
    ("in the truck line at Lars last night", "ночью на ларсе в очереди"),  # declined
    ("near the wall south of Kuznica", "у стены возле Кузнице"),  # respelt
    ("près de Beni Drar", "قرب بني درار"),  # doubled letters, short skeleton
    ("a white kangoo waiting", "كيعمرو فكانغو بيضا"),  # an Arabic clitic before the name
])
def test_one_name_meets_itself_declined_respelt_or_with_a_clitic(one: str, other: str) -> None:
    assert read_evidence(one).names & read_evidence(other).names


def test_everyday_words_spelt_alike_are_weaker_ties_than_names() -> None:
    spanish = facts(1, "perdi mi pasaporte en la terminal, a nombre de Lucía", 0, "es")
    portuguese = facts(2, "perdi meu passaporte na rodoviária de Benguela", 1, "pt")
    row = dict(zip(FEATURES, pair_features(portuguese, spanish, 0.0), strict=True))
    assert row["names_shared"] >= 1 and row["proper_names_shared"] == 0
    kangoo = facts(3, "la kangoo blanche de Zouj Beghal attend", 0, "fr")
    arabic = facts(4, "قرب زوج بغال فكانغو بيضا", 1, "ar")
    assert dict(zip(FEATURES, pair_features(arabic, kangoo, 0.0), strict=True))["proper_names_shared"] >= 1


@pytest.mark.parametrize(("text", "hours", "counts"), [
    ("gunfire near the river around 1:30, maybe 4 men", {1}, {4}),
    ("vers 22h30 ils chargent 30 cartons", {22}, {30}),
    ("ce matin vers 5h30 on etait plus de 200", {5}, {200}),
])
def test_the_minutes_of_a_clock_are_no_count(text: str, hours: set[int], counts: set[int]) -> None:
    evidence = read_evidence(text)
    assert (evidence.hours, evidence.counts) == (hours, counts)


def test_what_happened_is_read_in_every_language() -> None:
    shot = facts(1, "anoche balearon a un muchacho en la trocha", 0, "es")
    also_shot = facts(2, "вчера ночью стреляли на тропе, ранили парня", 1, "ru")
    drowned = facts(3, "last night a raft capsized at the trail crossing", 1)
    row = dict(zip(FEATURES, pair_features(also_shot, shot, 0.0), strict=True))
    assert (row["actions_shared"], row["action_conflict"]) == (1, 0)
    assert dict(zip(FEATURES, pair_features(drowned, shot, 0.0), strict=True))["action_conflict"] == 1
    assert "uniform" in read_evidence("وصلت الشرطة الى الجسر").details  # a prefix entry read past the article


@pytest.mark.parametrize(("text", "counts"), [
    ("vers ➅h ③ hommes", {3}), ("x² au ⑩", {2, 10}), ("الساعة ٢ ٣ رجال", {3}), ("❻✿۪ⴍ", set()),
])
def test_digits_that_are_no_decimal_numbers_never_break_the_evidence(text: str, counts: set[int]) -> None:
    # "➅".isdigit() is true but int("➅") raises: the tip would fail triage at every retry.
    # (NFKC has already made "③" and "²" plain digits.)
    assert read_evidence(text, language="fr").counts == counts


def test_hours_agree_on_a_twelve_hour_dial() -> None:
    spanish = facts(1, "anoche como a las 11 y media balearon a un muchacho", 0, "es")
    french = facts(2, "hier soir vers 23h30 un jeune blessé par balle", 1, "fr")
    row = dict(zip(FEATURES, pair_features(french, spanish, 0.0), strict=True))
    assert row["hour_match"] == 1 and row["hour_conflict"] == 0


def test_the_pair_model_scores_as_its_fitted_trees_and_reads_back_from_its_file() -> None:
    rng = np.random.default_rng(3)
    rows = rng.random((300, len(FEATURES)))
    labels = (rows[:, 2] + rows[:, 5] > 1.0).astype(float)  # one event when two features agree
    model = fit_trees(rows, labels)  # raises when the arrays and the trees disagree
    again = model_from_json(json.loads(json.dumps(model.as_json())))
    assert np.allclose(again.probabilities(rows), model.probabilities(rows), atol=1e-5)
    assert again.probabilities(rows[labels == 1]).mean() > 0.8 > 0.2 > again.probabilities(rows[labels == 0]).mean()
    written = model.as_json() | {"features": [*FEATURES[:-1], "a_feature_since_removed"]}
    with pytest.raises(ValueError, match="a_feature_since_removed"):
        model_from_json(written)


def test_the_stems_migration_keeps_spellings_and_drops_a_skeletons_last_consonant() -> None:
    migration = importlib.import_module("triage.migrations.0009_name_stems")
    assert [migration.stem(name) for name in ("trhl", "lrs", "gogui", "drr")] == ["trh", "lrs", "gogui", "drr"]
    assert migration.stem("trhl") == name_stem(skeleton("Tarajal"))


@pytest.mark.django_db
def test_the_stems_migration_rewrites_stored_names_and_keys_once_per_tip() -> None:
    from django.apps import apps

    from triage.models import TipIdentifier
    migration = importlib.import_module("triage.migrations.0009_name_stems")
    tip = Tip.objects.get(pk=submit_tip(TipSubmission(text="a van at Tarajal", channel=Channel.API)).tip_id)
    TipTriage.objects.create(tip=tip, evidence={"names": ["trhl", "gogui"], "day": 1})
    for value in ("trhl", "trh", "lrs"):  # "trhl" and "trh" become one key
        TipIdentifier.objects.create(tip=tip, kind="name", value=value, received_at=tip.received_at)
    TipIdentifier.objects.create(tip=tip, kind="plate", value="AB1234", received_at=tip.received_at)
    migration.to_stems(apps, None)
    assert TipTriage.objects.get(tip=tip).evidence == {"names": ["gogui", "trh"], "day": 1}
    assert sorted(TipIdentifier.objects.filter(tip=tip).values_list("kind", "value")) == [
        ("name", "lrs"), ("name", "trh"), ("plate", "AB1234")]


def test_a_reworded_report_of_the_same_event_joins_its_incident() -> None:
    old = facts(1, "Three young girls were taken into the hotel by the market last night, they seemed terrified.")
    new = facts(2, "Last night three young girls were brought to the hotel near the market, they looked terrified.", 2)
    decision = decide(new, signature(new.text), [Candidate(old, incident_id=10)])
    assert decision.incident_id == 10 and decision.matched_tip_id == 1 and "text" in decision.reasons


def test_a_translated_report_with_the_same_plate_joins() -> None:
    old = facts(1, "A white van AB-123-CD crossed the river at the ford last night.", identifiers=[("plate", "AB123CD")])
    new = facts(2, "Anoche una camioneta blanca AB 123 CD cruzó el río por el vado.", 1, "es",
                identifiers=[("plate", "AB123CD")])
    decision = decide(new, signature(new.text), [Candidate(old, 10)])
    assert decision.incident_id == 10 and decision.reasons[0] == "identifier"


def test_a_translated_report_with_only_a_shared_place_name_and_time_joins() -> None:
    old = facts(1, "anoche como a las 2 cruzaron el rio por el vado de Tarajal cuatro hombres con bultos negros", 0, "es")
    new = facts(2, "вчера ночью около двух у Тарахаля четверо мужчин перешли реку вброд с чёрными мешками", 3, "ru")
    assert not (set(old.identifiers) or old.latitude or new.latitude)
    assert decide(new, signature(new.text), [Candidate(old, 10)]).incident_id == 10


def test_distinct_events_at_one_place_and_night_stay_apart() -> None:
    cigarettes = facts(1, "around 1am a white truck loaded with boxes of cigarettes crossed the old ford", **FORD)
    migrants = facts(2, "cerca de la 1 de la mañana seis migrantes cruzaron el vado viejo a pie con un guia", 1, "es",
                     latitude=32.5309, longitude=-117.0296)
    assert decide(migrants, signature(migrants.text), [Candidate(cigarettes, 10)]).incident_id is None


def test_a_tip_that_matches_one_member_only_does_not_chain_into_the_incident() -> None:
    """A and B are one event (the same plate); C resembles B in its words, not the incident."""
    a = facts(1, "White van AB-123-CD unloaded rifles at the old mill at 2am, four armed men.", 0,
              identifiers=[("plate", "AB123CD")], **FORD)
    b = facts(2, "At the old mill tonight four armed men took crates of rifles out of van AB 123 CD.", 1,
              identifiers=[("plate", "AB123CD")], **FORD)
    c = facts(3, "At the old mill tonight four men took crates of cigarettes out of a red truck.", 30)
    assert decide(b, signature(b.text), [Candidate(a, 10)]).incident_id == 10
    alone = decide(c, signature(c.text), [Candidate(b, 20)])  # B on its own: C might well join it
    whole = decide(c, signature(c.text), [Candidate(a, 10), Candidate(b, 10)])
    assert whole.incident_id is None or (alone.similarity or 0) > (whole.similarity or 0)
    assert whole.incident_id is None


def test_common_words_alone_are_no_tie() -> None:
    old = facts(1, "people crossing the river at night, please help, police doing nothing")
    new = facts(2, "la nuit des gens traversent la riviere, aidez nous, la police ne fait rien", 2, "fr")
    row = pair_features(new, old, 0.0)
    assert not has_specific_tie(row)
    assert decide(new, signature(new.text), [Candidate(old, 10)]).incident_id is None


def test_the_same_words_days_later_are_another_event() -> None:
    old = facts(1, "A boat full of people left the beach heading north.", latitude=32.93, longitude=12.08)
    new = facts(2, "A boat full of people left the beach heading north.", 24 * 9, latitude=32.93, longitude=12.08)
    assert decide(new, signature(new.text), [Candidate(old, 10)]).incident_id is None


def test_the_evaluation_command_reports_both_metrics_and_the_split_on_the_fixture() -> None:
    out = StringIO()
    call_command("evaluate_dedup", "--data", str(FIXTURES / "dedup" / "border_incidents.jsonl"), "--labels", "file",
                 "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["tips"] == 28
    ours = report["ours"]
    assert ours["pairwise"]["precision"] >= 0.9 and ours["pairwise"]["f1"] >= 0.6
    assert ours["cross_language"]["pairs_true"] > 0 and ours["same_language"]["pairs_true"] > 0
    assert {"place_time_rule", "word_overlap", "worst_false_merges"} <= set(report)


def test_the_evaluation_command_names_a_bad_line(tmp_path) -> None:  # noqa: ANN001
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1, "text": "x", "incident": "a"}\n{"id": 2, "text": "no incident"}\n', encoding="utf-8")
    with pytest.raises(CommandError, match="bad.jsonl:2: needs id, text and incident"):
        call_command("evaluate_dedup", "--data", str(bad), "--labels", "file")
    bad.write_text("{not json\n", encoding="utf-8")
    with pytest.raises(CommandError, match="bad.jsonl:1: not JSON"):
        call_command("evaluate_dedup", "--data", str(bad), "--labels", "file")


@pytest.mark.django_db
def test_the_database_index_and_the_memory_index_decide_alike() -> None:
    lines = [json.loads(line) for line in (FIXTURES / "dedup" / "border_incidents.jsonl").read_text().splitlines()][:12]
    memory = MemoryIndex()
    database = DatabaseIndex()
    window = timedelta(days=30)
    for item in lines:
        tip = Tip.objects.get(pk=submit_tip(TipSubmission(text=item["text"], channel=Channel.API)).tip_id)
        item_facts = tip_facts(tip.pk, item["text"], "", tip.received_at, tip.reporter_id)
        in_memory, bands, sig = find_duplicate(item_facts, memory, window)
        in_db, _bands, _sig = find_duplicate(item_facts, database, window)
        assert (in_memory.matched_tip_id, in_memory.similarity) == (in_db.matched_tip_id, in_db.similarity)
        [joined] = store.join_incidents([(item_facts, in_db, 0)])
        store.save_incidents([joined.incident])
        TipTriage.objects.create(tip=tip, incident=joined.incident, signature=sig.tobytes(),
                                 evidence=item_facts.evidence.as_json())
        memory.add(item_facts, bands, sig, joined.incident.pk)
        database.add(item_facts, bands, sig, joined.incident.pk)


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


@pytest.mark.django_db
def test_a_form_sent_twice_by_a_reload_is_one_reporter() -> None:
    text = "Two men with rifles are loading a grey pickup KX-4471 behind the old mill right now."
    sent = [submit_tip(TipSubmission(text=text, channel=Channel.WEB, **FORD)) for _ in range(2)]
    other = submit_tip(TipSubmission(text="grey pickup KX 4471 at the old mill, men with rifles", channel=Channel.WEB, **FORD))
    for submitted in (*sent, other):
        assert triage_tip(submitted.tip_id) == "triaged"
    incident = Incident.objects.get()
    assert (incident.tip_count, incident.reporter_count) == (3, 2)  # a reload is no second witness
    # And the split, seen from the other side: once the copy leaves, the count stays true.
    assert store.recount(incident).reporter_count == 2


@pytest.mark.django_db
def test_distinct_events_at_one_place_and_night_stay_apart_through_the_pipeline() -> None:
    cigarettes = submit_tip(TipSubmission(
        text="around 1am a white truck loaded with boxes of cigarettes crossed the old ford", channel=Channel.WEB, **FORD))
    migrants = submit_tip(TipSubmission(
        text="cerca de la 1 de la mañana seis migrantes cruzaron el vado viejo a pie con un guia", channel=Channel.WEB,
        latitude=32.5309, longitude=-117.0296))
    for submitted in (cigarettes, migrants):
        assert triage_tip(submitted.tip_id) == "triaged"
    assert Incident.objects.count() == 2
