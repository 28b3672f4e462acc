"""Duplicate reports: gather tips about the same event into one Incident (docs/triage.md).

- `evidence`: what a report says that survives translation (names, day and hours, vehicles,
  colours, goods, counts), read once per tip before the gathering lock;
- `sketches`: MinHash sketches of the text and their LSH bands;
- `index`: candidates from the bands, identifiers, names and place cells, and the members of
  their incidents (in the database for the pipeline, in memory for the evaluation);
- `decision`: the learned pair model and the judgement of an incident as a whole;
- `store`: incidents as stored: reference, categories, independent reporters, urgency, news;
- `training` and `evaluation`: the pair model fitted on the development set, and the scores.
"""
