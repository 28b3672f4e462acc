"""What the classifier reads: a tip's words and what they stand for, as a list of tokens.

For each tip, in order:
1. the folded words (triage/folding.py), with links read as `urlx` and digits as 0;
2. each word's Snowball stem (`stem~`), by script: Cyrillic words take the Russian stemmer,
   Arabic ones the Arabic stemmer once و ف ال ب ل ك are taken off the front, Latin ones the
   stemmer of the tip's language when it is English, Spanish, French or Portuguese;
3. Cyrillic and Arabic words once more in Latin letters (anyascii), so Russian typed in Latin
   ("vzyatku") meets Russian typed in Cyrillic ("взятку"), and their five-letter prefixes
   (`vzyat^`), which catch endings and misspellings the stemmers do not;
4. concept tokens (`§bribe`, `§fuel`) from the six-language lexicon in triage/concepts.py and
   from emoji, so what the model learns in one language reaches the others; `§?` for a
   question mark. Concept tokens come twice: they outweigh any one word.

A text with none of these (only punctuation, symbols or unknown emoji) has nothing to read:
`reading` returns an empty list and the classifier says so instead of guessing.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import snowballstemmer
from anyascii import anyascii

from .concepts import CONCEPTS, EMOJI
from .folding import fold

_WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
_URL_RE = re.compile(r"https?://\S+|www\.\S+")
_DIGITS_RE = re.compile(r"\d")
_LATIN_STEMMERS = {"en": "english", "es": "spanish", "fr": "french", "pt": "portuguese"}
_ARABIC_CONJUNCTIONS = ("و", "ف")
_ARABIC_PREFIXES = ("بال", "كال", "وال", "فال", "لل", "ال", "ب", "ل", "ك")
PREFIX_LENGTH = 5
MIN_STEM = 3  # a concept stem shorter than this would match too much
CONCEPT_MARK = "§"


def _script(word: str) -> str:
    first = next((char for char in word if char.isalpha()), "")
    if not first:
        return ""
    name = unicodedata.name(first, "")
    if name.startswith("CYRILLIC"):
        return "cyrillic"
    if name.startswith("ARABIC"):
        return "arabic"
    if name.startswith("LATIN"):
        return "latin"
    return "other"


def base_language(language: str) -> str:
    return (language or "").lower().replace("_", "-").split("-")[0]


@lru_cache(maxsize=12)
def _stemmer(name: str) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(name)


def _arabic_core(word: str) -> str:
    """The word without the conjunction and article/preposition written onto its front."""
    if len(word) > 3 and word.startswith(_ARABIC_CONJUNCTIONS):
        word = word[1:]
    for prefix in _ARABIC_PREFIXES:
        if word.startswith(prefix) and len(word) - len(prefix) >= 3:
            return word[len(prefix):]
    return word


@lru_cache(maxsize=200_000)
def _word_features(word: str, language: str) -> tuple[str, ...]:
    """Stem, Latin spelling and prefix of one folded word (cached: tips repeat their words)."""
    script = _script(word)
    features: list[str] = []
    if script == "cyrillic":
        stem = _stemmer("russian").stemWord(word)
    elif script == "arabic":
        stem = _stemmer("arabic").stemWord(_arabic_core(word))
    elif script == "latin" and language in _LATIN_STEMMERS:
        stem = _stemmer(_LATIN_STEMMERS[language]).stemWord(word)
    else:
        stem = word
    if stem != word and len(stem) >= 2:
        features.append(stem + "~")
    if script in ("cyrillic", "arabic"):
        latin = anyascii(word).lower()
        if latin and latin != word:
            features.append(latin)
        if len(latin) > PREFIX_LENGTH:
            features.append(latin[:PREFIX_LENGTH] + "^")
    elif len(word) > PREFIX_LENGTH:
        features.append(word[:PREFIX_LENGTH] + "^")
    return tuple(features)


# --- concepts ---------------------------------------------------------------------------------


_Phrase = tuple[tuple[str, ...], bool, str]  # the words after the first, last takes an ending, concept


@dataclass(frozen=True)
class _ConceptTable:
    words: dict[str, frozenset[str]]
    stems: dict[str, frozenset[str]]
    phrases: dict[str, tuple[_Phrase, ...]]
    longest_stem: int


def _compile_concepts(languages: Iterable[str]) -> _ConceptTable:
    words: dict[str, set[str]] = {}
    stems: dict[str, set[str]] = {}
    phrases: dict[str, list[_Phrase]] = {}
    for concept, entries_by_language in CONCEPTS.items():
        for language in languages:
            for raw in entries_by_language.get(language, "").split("|"):
                entry = _DIGITS_RE.sub("0", fold(raw.strip()))  # as the words are read: "ak47" → "ak00"
                parts = tuple(_WORD_RE.findall(entry.rstrip("*")))
                if not parts:
                    continue
                takes_ending = entry.endswith("*")
                if len(parts) > 1:
                    phrases.setdefault(parts[0], []).append((parts[1:], takes_ending, concept))
                elif takes_ending and len(parts[0]) >= MIN_STEM:
                    stems.setdefault(parts[0], set()).add(concept)
                else:
                    words.setdefault(parts[0], set()).add(concept)
    return _ConceptTable(
        {word: frozenset(found) for word, found in words.items()},
        {stem: frozenset(found) for stem, found in stems.items()},
        {word: tuple(found) for word, found in phrases.items()},
        max(map(len, stems), default=0),
    )


# A Latin word means one thing in one language only (French "car" is "because", Spanish "con"
# is "with"), so a tip in a known language reads its own language's entries; Cyrillic and Arabic
# entries are never ambiguous and always count. A tip of unknown language reads them all.
_ALL_LANGUAGES = sorted({language for entries in CONCEPTS.values() for language in entries})
_TABLES = {
    language: _compile_concepts({language, "ru", "ar"}) for language in _ALL_LANGUAGES
} | {"": _compile_concepts(_ALL_LANGUAGES)}


def _forms(word: str) -> tuple[str, ...]:
    if _script(word) == "arabic":
        core = _arabic_core(word)
        return (word, core) if core != word else (word,)
    return (word,)


@lru_cache(maxsize=200_000)
def _word_concepts(word: str, language: str) -> frozenset[str]:
    table = _TABLES.get(language, _TABLES[""])
    found: set[str] = set()
    for form in _forms(word):
        found |= table.words.get(form, frozenset())
        for length in range(min(len(form), table.longest_stem), MIN_STEM - 1, -1):
            found |= table.stems.get(form[:length], frozenset())
    return frozenset(found)


def _phrase_matches(words: list[str], index: int, rest: tuple[str, ...], takes_ending: bool) -> bool:
    following = words[index + 1:index + 1 + len(rest)]
    if len(following) < len(rest):
        return False
    if following[:-1] != list(rest[:-1]):
        return False
    last, wanted = following[-1], rest[-1]
    return last.startswith(wanted) if takes_ending else last == wanted


def concepts(words: list[str], text: str, language: str = "") -> list[str]:
    """The concepts the words and emoji of a tip evoke, each once, in a stable order."""
    phrases = _TABLES.get(language, _TABLES[""]).phrases
    found: set[str] = set()
    for index, word in enumerate(words):
        found |= _word_concepts(word, language)
        for form in _forms(word):
            for rest, takes_ending, concept in phrases.get(form, ()):
                if concept not in found and _phrase_matches(words, index, rest, takes_ending):
                    found.add(concept)
    found.update(EMOJI[char] for char in text if char in EMOJI)
    marks = [CONCEPT_MARK + concept for concept in sorted(found)]
    if "?" in text or "؟" in text:
        marks.append(CONCEPT_MARK + "?")
    return marks


# --- the reading --------------------------------------------------------------------------------


def folded_words(text: str) -> list[str]:
    text = fold(unicodedata.normalize("NFKC", text))
    text = _URL_RE.sub(" urlx ", text)
    return _WORD_RE.findall(_DIGITS_RE.sub("0", text))


def reading(text: str, language: str = "") -> list[str]:
    """The tokens the classifier reads for `text`; empty when there is nothing to read."""
    words = folded_words(text)
    language = base_language(language)
    extra: list[str] = []
    for word in words:
        extra.extend(_word_features(word, language))
    marks = concepts(words, unicodedata.normalize("NFKC", text), language)
    # Concepts count twice: what carries over to writers the model never read should weigh
    # more than any one word (+1 point of macro F1 on both cross-writer splits).
    return [*words, *extra, *marks, *marks]

