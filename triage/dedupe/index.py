"""Candidate reports for the duplicate decision, found without comparing with every report.

A report's candidates are the newest earlier reports, within the time window, that share with it
an LSH band of the text sketch, a strong identifier (plate, phone ...), a name skeleton (a place
or nickname spelt alike across scripts) or a place cell (~5 km grid); then the newest members of
those candidates' incidents, so the decision can judge each incident as a whole. Each source is
an index probe on a table every worker sees (`DatabaseIndex`), or dictionaries for the
evaluation and tests (`MemoryIndex`).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol

import numpy as np
from django.db import connection
from django.db.models import Case, F, TextField, Value, When, Window
from django.db.models.expressions import RawSQL
from django.db.models.functions import RowNumber

from reporting.bulk import insert_rows, integer_array
from reporting.models import Tip

from ..models import NotSameEvent, TipBand, TipIdentifier, TipTriage
from .decision import (
    GOODS,
    MEMBERS_COMPARED,
    VEHICLES,
    Candidate,
    DuplicateDecision,
    PairModel,
    decide,
)
from .evidence import Evidence, TipFacts, stem_frequencies
from .sketches import band_hashes, signature

CELL_DEGREES = 0.05  # place cells of ~5 km; a lookup probes the 3×3 cells around the point
NAMES_INDEXED = 8  # name skeletons of a report used as index keys, longest (rarest) first
TOPICS_INDEXED = 4  # (event day, topic) keys: a category, a vehicle or goods, on the day of the event
# Index keys that are not identifiers a report carries: read back as evidence and place, not as
# the report's identifiers.
NAME_KEY, CELL_KEY, DAY_KEY = "name", "cell", "day"
UNSTORED_KINDS = (CELL_KEY, NAME_KEY, DAY_KEY)  # the longest name skeletons of a report are index keys: long ones are rarest
# Candidates per source: up to this many by similar text (LSH bands) and as many again by a
# shared identifier, name or place cell, so a busy text never crowds out the translated report
# that only shares the plate or the place.
CANDIDATE_LIMIT = 16
# Index rows read per band or key: the newest reports sharing it. A band that a popular event's
# thousands of reports share costs the same as a rare one, and those newest reports are the
# same event anyway.
ROWS_PER_KEY = 12
# The incidents of the first candidates found are completed with their newest members; the rest
# are judged on the members found. Enough for the events a report can be about, and the
# decision's cost stays bounded under the gathering lock.
INCIDENTS_COMPLETED = 3


def place_cells(latitude: float | None, longitude: float | None, neighbours: bool = False) -> list[str]:
    if latitude is None or longitude is None:
        return []
    row, col = math.floor(latitude / CELL_DEGREES), math.floor(longitude / CELL_DEGREES)
    span = (-1, 0, 1) if neighbours else (0,)
    return [f"{row + dr}:{col + dc}" for dr in span for dc in span]


class DuplicateIndex(Protocol):
    def candidates(self, facts: TipFacts, bands: list[int], since: datetime, limit: int) -> list[Candidate]: ...

    def add(self, facts: TipFacts, bands: list[int], sig: np.ndarray, incident_id: int) -> None: ...


def _name_keys(facts: TipFacts) -> list[tuple[str, str]]:
    frequency = stem_frequencies()
    everyday = facts.evidence.everyday_names
    names = sorted(facts.evidence.names,
                   key=lambda name: (name in everyday, frequency[name], -len(name), name))[:NAMES_INDEXED]
    return [(NAME_KEY, name) for name in names]


def _day_keys(facts: TipFacts) -> list[tuple[str, str]]:
    """What happened that day: how two reports with neither pin nor shared name still meet."""
    topics = sorted(facts.event_labels | (facts.evidence.details & (VEHICLES | GOODS)))[:TOPICS_INDEXED]
    day = facts.day.isoformat()
    return [(DAY_KEY, f"{day}:{topic}") for topic in topics]


def _keys(facts: TipFacts, neighbours: bool) -> list[tuple[str, str]]:
    """A tip's index keys: stored under its own place cell, looked up in the 3×3 around it."""
    cells = [(CELL_KEY, cell) for cell in place_cells(facts.latitude, facts.longitude, neighbours)]
    return [*facts.identifiers, *_name_keys(facts), *cells, *_day_keys(facts)]


def _first_incidents(incident_ids: Iterable[int | None]) -> list[int]:
    """The first INCIDENTS_COMPLETED incidents among a tip's candidates, in the index's order."""
    return list(dict.fromkeys(i for i in incident_ids if i is not None))[:INCIDENTS_COMPLETED]


Probe = tuple[datetime, Sequence[tuple[object, object]]]  # (since, keys) of one tip


def _recent_matches(
    table: str, columns: tuple[str, str], key_types: str, probes: Sequence[Probe], limit: int
) -> list[list[int]]:
    """Per probe: tips with rows matching any of its keys since its `since`, most matches first,
    newest first, at most `limit`.

    On PostgreSQL one query serves a whole batch (the probes travel as arrays), and at most
    ROWS_PER_KEY newest rows per key are read straight off the (key, key, received_at) index, so a
    popular event with thousands of reports, or a busy place cell, costs no more than a quiet one.
    """
    found: list[list[int]] = [[] for _probe in probes]
    rows = [(number, since, key) for number, (since, keys) in enumerate(probes) for key in keys]
    if not rows:
        return found
    first, second = columns
    if connection.vendor == "postgresql":
        # Keys travel as one row each; each probe's `since` once, picked by its number.
        sql = (
            f"SELECT probe_number, tip_id FROM (SELECT probe.probe_number, hit.tip_id, ROW_NUMBER() OVER ("
            f"PARTITION BY probe.probe_number ORDER BY COUNT(*) DESC, MAX(hit.received_at) DESC) AS position "
            f"FROM unnest(%s::integer[], %s::{key_types}[], %s::{key_types}[]) "
            f"AS probe(probe_number, k1, k2) CROSS JOIN LATERAL ("
            f"SELECT tip_id, received_at FROM {table} r WHERE r.{first} = probe.k1 AND r.{second} = probe.k2 "
            f"AND r.received_at >= (%s::timestamptz[])[probe.probe_number + 1] ORDER BY r.received_at DESC LIMIT %s) AS hit "
            f"GROUP BY probe.probe_number, hit.tip_id) AS ranked WHERE position <= %s ORDER BY probe_number, position"
        )
        as_array = integer_array if key_types in {"integer", "bigint"} else list
        params = [integer_array(number for number, _s, _k in rows), as_array([key[0] for _n, _s, key in rows]),
                  as_array([key[1] for _n, _s, key in rows]), [since for since, _keys in probes], ROWS_PER_KEY, limit]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for number, tip_id in cursor.fetchall():
                found[number].append(tip_id)
        return found
    # SQLite (local development): no LATERAL, and its archives are small; a query per probe.
    for number, (since, keys) in enumerate(probes):
        if not keys:
            continue
        pairs = ", ".join(["(%s, %s)"] * len(keys))
        sql = (
            f"SELECT tip_id FROM {table} WHERE received_at >= %s AND ({first}, {second}) IN (VALUES {pairs}) "
            f"GROUP BY tip_id ORDER BY COUNT(*) DESC, MAX(received_at) DESC LIMIT %s"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, [since, *[item for key in keys for item in key], limit])
            found[number] = [row[0] for row in cursor.fetchall()]
    return found


class DatabaseIndex:
    """TipBand and TipIdentifier rows: shared by every worker, probed through their indexes."""

    def candidates(self, facts: TipFacts, bands: list[int], since: datetime, limit: int = CANDIDATE_LIMIT) -> list[Candidate]:
        return self.candidates_many([(facts, bands)], [since], limit)[0]

    def candidates_many(
        self, tips: Sequence[tuple[TipFacts, list[int]]], since: Sequence[datetime], limit: int = CANDIDATE_LIMIT
    ) -> list[list[Candidate]]:
        """Candidates of many tips in five queries, whatever their number."""
        by_band = _recent_matches(TipBand._meta.db_table, ("band", "hash"), "bigint",
                                  [(s, list(enumerate(bands))) for (_facts, bands), s in zip(tips, since, strict=True)],
                                  limit)
        by_key = _recent_matches(TipIdentifier._meta.db_table, ("kind", "value"), "text",
                                 [(s, _keys(facts, neighbours=True)) for (facts, _bands), s in zip(tips, since, strict=True)],
                                 limit)
        chosen = [
            list(dict.fromkeys([*[t for t in bands if t != facts.tip_id][:limit], *[t for t in keys if t != facts.tip_id][:limit]]))
            for (facts, _bands), bands, keys in zip(tips, by_band, by_key, strict=True)
        ]
        loaded = self.load(list({t for ids in chosen for t in ids}))
        firsts = [_first_incidents(loaded[t].incident_id for t in ids if t in loaded) for ids in chosen]
        members = self._members({incident for incidents in firsts for incident in incidents})
        loaded |= self.load([t for ids in members.values() for t in ids if t not in loaded])
        found = []
        for (facts, _bands), ids, incidents in zip(tips, chosen, firsts, strict=True):
            extra = [t for incident in incidents for t in members.get(incident, ()) if t != facts.tip_id and t not in ids]
            found.append([loaded[t] for t in dict.fromkeys([*ids, *extra]) if t in loaded])
        return found

    @staticmethod
    def _members(incident_ids: set[int]) -> dict[int, list[int]]:
        """The newest MEMBERS_COMPARED tips of each incident, so an incident is judged whole.

        Read off the (incident, tip) index, newest first: an incident of thousands of tips costs
        the same as one of three.
        """
        members: dict[int, list[int]] = defaultdict(list)
        if not incident_ids:
            return members
        if connection.vendor == "postgresql":
            table = TipTriage._meta.db_table
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT member.incident_id, member.tip_id FROM unnest(%s::bigint[]) AS wanted(id) "
                    f"CROSS JOIN LATERAL (SELECT incident_id, tip_id FROM {table} WHERE incident_id = wanted.id "
                    f"ORDER BY tip_id DESC LIMIT %s) AS member",
                    [integer_array(incident_ids), MEMBERS_COMPARED])
                for incident_id, tip_id in cursor.fetchall():
                    members[incident_id].append(tip_id)
            return members
        # SQLite (local development): small archives.
        newest = TipTriage.objects.filter(incident_id__in=list(incident_ids)).annotate(position=Window(
            RowNumber(), partition_by=[F("incident_id")], order_by=[F("tip_id").desc()]))
        for tip_id, incident_id in newest.filter(position__lte=MEMBERS_COMPARED).values_list("tip_id", "incident_id"):
            members[incident_id].append(tip_id)
        return members

    def load(self, tip_ids: list[int]) -> dict[int, Candidate]:
        if not tip_ids:
            return {}
        identifiers: dict[int, list[tuple[str, str]]] = defaultdict(list)
        wanted: object = tip_ids
        if connection.vendor == "postgresql":  # one array parameter, not a placeholder per id
            wanted = RawSQL("SELECT unnest(%s::bigint[])", [integer_array(tip_ids)])
        keys = TipIdentifier.objects.filter(tip_id__in=wanted).exclude(kind__in=UNSTORED_KINDS)
        for tip_id, kind, value in keys.values_list("tip_id", "kind", "value"):
            identifiers[tip_id].append((kind, value))
        # The text only where no sketch was stored (it is sketched again then): texts are long.
        text_if_unsketched = Case(When(triage__signature__isnull=True, then=F("text")), default=Value(""),
                                  output_field=TextField())
        rows = Tip.objects.filter(pk__in=wanted, triage__isnull=False).values_list(
            "pk", text_if_unsketched, "detected_language", "received_at", "reporter_id", "latitude", "longitude",
            "occurred_at", "triage__labels", "triage__incident_id", "triage__signature", "triage__evidence",
        )
        return {
            pk: Candidate(
                TipFacts(pk, text, language, received, reporter, tuple(sorted(identifiers[pk])), tuple(labels or ()),
                         lat, lon, occurred, Evidence.from_json(evidence)),
                incident,
                np.frombuffer(bytes(sketch), dtype=np.uint64) if sketch else None,
            )
            for pk, text, language, received, reporter, lat, lon, occurred, labels, incident, sketch, evidence in rows
        }

    def add(self, facts: TipFacts, bands: list[int], sig: np.ndarray, incident_id: int) -> None:
        self.add_many([(facts, bands, incident_id)])

    def add_many(self, tips: Sequence[tuple[TipFacts, list[int], int]]) -> None:
        # No rows exist for these tips yet: the pipeline adds them once, in the transaction that
        # moves the tips to "triaged" (a rerun finds them triaged and writes nothing).
        insert_rows(TipBand, ["tip", "band", "hash", "received_at"], [
            (facts.tip_id, band, value, facts.received_at) for facts, bands, _incident in tips for band, value in enumerate(bands)
        ])
        insert_rows(TipIdentifier, ["tip", "kind", "value", "received_at"], [
            (facts.tip_id, kind, value[:128], facts.received_at)
            for facts, _bands, _incident in tips for kind, value in dict.fromkeys(_keys(facts, neighbours=False))
        ])


@dataclass
class MemoryIndex:
    """The same behaviour in dictionaries: for evaluate_dedup and tests."""

    facts: dict[int, TipFacts] = field(default_factory=dict)
    incidents: dict[int, int] = field(default_factory=dict)
    bands: dict[tuple[int, int], list[int]] = field(default_factory=lambda: defaultdict(list))
    keys: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(list))
    signatures: dict[int, np.ndarray] = field(default_factory=dict)
    members: dict[int, list[int]] = field(default_factory=lambda: defaultdict(list))
    order: dict[int, int] = field(default_factory=dict)  # tip id → position of arrival

    def candidates(self, facts: TipFacts, bands: list[int], since: datetime, limit: int = CANDIDATE_LIMIT) -> list[Candidate]:
        def usable(tip_ids: Iterable[int]) -> list[int]:
            return [t for t in dict.fromkeys(tip_ids) if t != facts.tip_id and self.facts[t].received_at >= since][:limit]

        counts = Counter(t for band, value in enumerate(bands) for t in self.bands.get((band, value), []))
        by_text = usable(t for t, _n in counts.most_common())
        key_counts = Counter(t for key in dict.fromkeys(_keys(facts, neighbours=True)) for t in self.keys.get(key, []))
        # Most keys in common first, then newest (added last), as the database ranks them.
        order = self.order
        by_key = usable(t for t, _n in sorted(key_counts.items(), key=lambda item: (-item[1], -order[item[0]])))
        chosen = list(dict.fromkeys(by_text + by_key))
        extra = [t for incident in _first_incidents(self.incidents.get(t) for t in chosen)
                 for t in self.members[incident][-MEMBERS_COMPARED:][::-1] if t != facts.tip_id and t not in chosen]
        return [Candidate(self.facts[t], self.incidents.get(t), self.signatures.get(t)) for t in chosen + extra]

    def add(self, facts: TipFacts, bands: list[int], sig: np.ndarray, incident_id: int) -> None:
        self.facts[facts.tip_id] = facts
        self.order[facts.tip_id] = len(self.order)
        self.incidents[facts.tip_id] = incident_id
        self.members[incident_id].append(facts.tip_id)
        self.signatures[facts.tip_id] = sig
        for band, value in enumerate(bands):
            self.bands[(band, value)].append(facts.tip_id)
        for key in _keys(facts, neighbours=False):
            self.keys[key].append(facts.tip_id)


def caseworker_judgements() -> list[tuple[TipFacts, TipFacts]]:
    """Pairs caseworkers split apart ("not the same event"), loaded as candidates are: the
    negative pairs `train_dedup` adds to the development set's."""
    pairs = list(NotSameEvent.objects.values_list("tip_id", "other_id"))
    loaded = DatabaseIndex().load(sorted({tip for pair in pairs for tip in pair}))
    return [(loaded[a].facts, loaded[b].facts) for a, b in pairs if a in loaded and b in loaded]


def find_duplicate(facts: TipFacts, index: DuplicateIndex, window: timedelta,
                   model: PairModel | None = None) -> tuple[DuplicateDecision, list[int], np.ndarray]:
    sig = signature(facts.text)
    bands = band_hashes(sig)
    candidates = index.candidates(facts, bands, facts.received_at - window, CANDIDATE_LIMIT)
    return decide(facts, sig, candidates, model), bands, sig


