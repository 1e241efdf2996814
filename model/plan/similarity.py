"""Finding audits like the one being registered, so a re-audit is picked up, not duplicated.

Titles are compared after normalising: lower case, punctuation removed, common words
("audit", "of", "the"…) dropped and a plural "s" trimmed. The score is the best of three
plain measures, each between 0 and 1:

- word overlap (Dice): 2 × shared words / (words in both titles together);
- coverage: the share of the typed words found in the existing title, counted only when
  at least one shared word is distinctive (see below);
- difflib's similarity ratio of the normalised titles (catches typos).

A title of one distinctive word ("Sepsis", "VTE", "Falls") already finds the audits whose
titles contain that word: it is how people start typing a re-audit's title. Words found in
many audit titles ("care", "patients", "risk", "assessment") are not distinctive, and neither
are numbers or words under three letters: one of them typed alone suggests nothing.

An audit measuring the same standard gets a bonus, because that is a re-audit candidate
even when the titles differ.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from sqlite_utils import Database

from model.plan.audits import Audit, list_audits

STOP_WORDS = frozenset({"a", "an", "and", "are", "at", "audit", "audits", "by", "clinical", "for", "from", "in",
                        "into", "is", "of", "on", "or", "re", "reaudit", "the", "to", "with", "within"})
# Words too common in audit titles to point at one audit on their own (after plural trimming).
COMMON_WORDS = frozenset({"adult", "assessment", "care", "compliance", "department", "documentation", "hospital",
                          "management", "medical", "nhs", "patient", "practice", "quality", "record", "review",
                          "risk", "service", "standard", "trust", "ward"})
# Below this score a title is not shown as similar (tuned on the demo and test titles).
MIN_SCORE = 0.45
# A single distinctive typed word found in a title: shown, but below a match of several words.
SINGLE_WORD_SCORE = 0.6
SAME_STANDARD_BONUS = 0.3
# Coverage alone is weighted down slightly: a short typed title inside a long one is a hint.
COVERAGE_WEIGHT = 0.9
_WORD = re.compile(r"[a-z0-9]+")


@dataclass(frozen=True)
class SimilarAudit:
    """An existing audit that looks like the one being registered."""

    audit_id: int
    title: str
    score: float
    reason: str


def title_words(title: str) -> list[str]:
    """The significant words of a title, normalised (order kept, repeats dropped)."""
    words = []
    for word in _WORD.findall(title.lower()):
        if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "is", "us")):
            word = word[:-1]  # admissions → admission; sepsis, thrombosis, status stay whole
        if word not in STOP_WORDS and word not in words:
            words.append(word)
    return words


def is_distinctive(word: str) -> bool:
    """True for a normalised title word that can point at an audit on its own ('sepsis', 'vte')."""
    return len(word) >= 3 and not word.isdigit() and word not in COMMON_WORDS


def title_score(typed: str, existing: str) -> tuple[float, list[str]]:
    """How alike two titles are (0–1) and the significant words they share."""
    a, b = title_words(typed), title_words(existing)
    if not a or not b or (len(a) == 1 and not is_distinctive(a[0])):
        return 0.0, []  # a lone common word ("care", "patients") points at nothing in particular
    shared = [w for w in a if w in b]
    dice = 2 * len(shared) / (len(a) + len(b))
    # Coverage counts only when a distinctive word is shared: "risk assessment" alone is in many titles.
    if not any(is_distinctive(w) for w in shared):
        coverage = 0.0
    elif len(a) >= 2:
        coverage = COVERAGE_WEIGHT * len(shared) / len(a)
    else:  # one typed word, distinctive and in the title
        coverage = SINGLE_WORD_SCORE
    ratio = difflib.SequenceMatcher(None, " ".join(a), " ".join(b)).ratio()
    return max(dice, coverage, ratio), shared


def _reason(shared: list[str], same_standard: bool) -> str:
    parts = []
    if shared:
        parts.append(f"shares the word{'s' if len(shared) > 1 else ''} " + ", ".join(f"“{w}”" for w in shared))
    elif not same_standard:
        parts.append("similar title")
    if same_standard:
        parts.append("measures against the same standard")
    text = "; ".join(parts)
    return text[:1].upper() + text[1:]


def _score_audit(audit: Audit, title: str, standard_id: int | None) -> SimilarAudit | None:
    score, shared = title_score(title, audit.title)
    same = standard_id is not None and audit.standard_id == standard_id
    if same:
        score = min(1.0, score + SAME_STANDARD_BONUS)
    if score < MIN_SCORE or audit.id is None:
        return None
    return SimilarAudit(audit.id, audit.title, round(score, 3), _reason(shared, same))


def similar_audits(db: Database, title: str, standard_id: int | None = None, limit: int = 5) -> list[SimilarAudit]:
    """Audits in the register (not the bin) that look like a new one, most alike first.

    Args:
        db: the store.
        title: the title being typed.
        standard_id: the standard chosen for the new audit, if any.
        limit: at most this many results.

    Returns:
        SimilarAudit items with score ≥ MIN_SCORE, best first (ties by title).
    """
    if not title_words(title) and standard_id is None:
        return []
    found = [s for a in list_audits(db) if (s := _score_audit(a, title, standard_id)) is not None]
    found.sort(key=lambda s: (-s.score, s.title.lower()))
    return found[:limit]
