"""The body system a deposit lies in: the reference article's advice is for musculoskeletal soft tissue only.

A finding's scope is, in order: what its concepts themselves say (an organ-specific entity, or a
word of the mention for a concept of several organs), a modality that shows one system only
(mammography), the scope of its site (lexicons/anatomy.yaml; a generic site word yields to another
system its own clause names), the nearest place its sentence names, the one system every place the
report names agrees on; else "unknown". What a place says is lexicon data (site ``scope``,
``scope_weak`` and ``scope_words``; modality ``scope``).
"""

from __future__ import annotations

import functools
import re

from reportkit.lexicon import Lexicon, Scope
from reportkit.lexicon.loader import kept_regexes_file
from reportkit.models import Finding
from reportkit.reasoning.context import ReportContext
from reportkit.regex_syntax import KeptRegexes
from reportkit.text import find_words, trie_pattern

UNKNOWN: Scope = "unknown"
MSK: Scope = "msk"  # the article's body system
MSK_LOCATIONS = frozenset({"tendon", "articular", "soft_tissue"})  # the article's three places
SENTENCE_END = re.compile(r"[.!?](?=\s)|\n\s*\n")


class ScopeReader:
    """The scope of a finding, from lexicon data: concept, site, then the places of its sentence and report."""

    def __init__(self, lexicon: Lexicon) -> None:
        self._concepts = {c.id: c for c in lexicon.concepts.concepts}
        anatomy = lexicon.anatomy
        self._site_scope: dict[str, Scope | None] = {t: s.scope for s in anatomy.sites for t in s.terms}
        self._weak_sites = {t for s in anatomy.sites if s.scope_weak for t in s.terms}
        self._site_category = {t: s.category for s in anatomy.sites for t in s.terms}
        self._modality_scope = {m.id: m.scope for m in lexicon.modalities.modalities if m.scope}
        places: dict[str, Scope] = {t: s.scope for s in anatomy.sites if s.scope for t in s.terms}
        for scope, words in anatomy.scope_words.items():
            places.update({w.strip().lower(): scope for w in words})
        self._places = places
        self._regexes_file = kept_regexes_file(lexicon, "scope")

    @functools.cached_property
    def _place_words(self) -> re.Pattern[str]:
        """Any place word, whole; compiled on first use (about 20 ms: a report whose findings' concepts or sites
        give their scope never reads it), and kept in the cache folder for the next process."""
        # a trie of the words: each position fails on its first character (an alternation of hundreds of
        # words tried them all at every character of a long report)
        alternation = trie_pattern([re.escape(c) for c in word] for word in self._places)
        regexes = KeptRegexes(self._regexes_file)
        pattern = regexes.compile(rf"(?<![\w-])(?:{alternation})(?![\w-])", re.IGNORECASE)
        regexes.save()
        return pattern

    def of(self, finding: Finding, ctx: ReportContext) -> Scope:
        """The body system of ``finding`` (``unknown`` when nothing places it)."""
        for concept_id in dict.fromkeys([finding.concept, *finding.named_concepts]):  # its own concept first
            concept = self._concepts.get(concept_id)
            if concept is None:
                continue
            for scope, words in concept.term_scopes.items():
                if find_words(tuple(words), finding.text):
                    return scope
            if concept.scope:
                return concept.scope
        if finding.modality in self._modality_scope:
            return self._modality_scope[finding.modality]
        site_scope = self._site(finding.site)
        if site_scope and (finding.site or "").lower() in self._weak_sites:
            site_scope = self._other_in_own_clause(finding, ctx, site_scope) or site_scope
            if site_scope != UNKNOWN and self._site_category.get((finding.site or "").lower()) == "articular":
                # a joint word (capsule, cartilage) is named by the organ it belongs to, which a report may name
                # only in the sentence before ("... the breast. ... the capsule."); soft tissue stays soft tissue
                site_scope = self._other_before_site(finding, ctx, site_scope) or site_scope
        if site_scope:
            return site_scope
        nearest = self._nearest_in_sentence(finding, ctx)
        if nearest:
            return nearest
        named = {scope for start, end, scope in self._report_places(ctx) if ctx.affirmed(start, end, finding)}
        return named.pop() if len(named) == 1 else UNKNOWN

    def leaves_site(self, finding: Finding, scope: Scope) -> bool:
        """Has ``scope``, another body system, overruled a generic musculoskeletal site word ("capsule" of a breast
        implant, "cartilage" of the airway)? The site then names no musculoskeletal location."""
        return (finding.location_category in MSK_LOCATIONS and (finding.site or "").lower() in self._weak_sites
                and self._site(finding.site) == MSK and scope not in (MSK, UNKNOWN))

    def _site(self, site: str | None) -> Scope | None:
        """The scope of a site as written: its anatomy entry's, else that of the longest place it names."""
        if not site:
            return None
        lowered = site.lower()
        if lowered in self._site_scope:
            return self._site_scope[lowered]
        found = [m.group(0).lower() for m in self._place_words.finditer(lowered)]
        return self._places[max(found, key=len)] if found else None

    def _other_in_own_clause(self, finding: Finding, ctx: ReportContext, scope: Scope) -> Scope | None:
        """Another body system an affirmed place in the finding's own clause names, else None."""
        for start, end in ctx.own_clauses(finding):
            for m in self._place_words.finditer(ctx.text, start, end):
                if m.group(0).lower() in self._weak_sites:  # a generic word ("nodule") overrules no other
                    continue
                other = self._places[m.group(0).lower()]
                if other != scope and ctx.affirmed(m.start(), m.end(), finding):
                    return other
        return None

    def _other_before_site(self, finding: Finding, ctx: ReportContext, scope: Scope) -> Scope | None:
        """The one other body system the sentence before a generic site word names, when that sentence names
        no place of the site's own system ("... turned to the breast. Dissection reached the capsule.")."""
        sites = [ev.start for ev in finding.evidence if ev.role == "site"]
        if not sites:
            return None
        site = min(sites)
        ends = [m.end() for m in SENTENCE_END.finditer(ctx.text, 0, site)]
        if not ends:
            return None
        start = ends[-2] if len(ends) > 1 else 0
        named = {self._places[m.group(0).lower()] for m in self._place_words.finditer(ctx.text, start, ends[-1])
                 if ctx.affirmed(m.start(), m.end(), finding)}
        return named.pop() if len(named) == 1 and scope not in named else None

    def _nearest_in_sentence(self, finding: Finding, ctx: ReportContext) -> Scope | None:
        """The scope of the affirmed place nearest the mention in its sentence."""
        start, end = finding.sentence_start, finding.sentence_end
        best: tuple[int, Scope] | None = None
        for m in self._place_words.finditer(ctx.text, start, end):
            if not ctx.affirmed(m.start(), m.end(), finding):
                continue
            distance = max(finding.start - m.end(), m.start() - finding.end, 0)
            if best is None or distance < best[0]:
                best = (distance, self._places[m.group(0).lower()])
        return best[1] if best else None

    def _report_places(self, ctx: ReportContext) -> list[tuple[int, int, Scope]]:
        """Every place the report names, with its scope (kept on the context: every finding asks)."""
        if ctx.places is None:
            ctx.places = [(m.start(), m.end(), self._places[m.group(0).lower()])
                          for m in self._place_words.finditer(ctx.text)]
        return ctx.places
