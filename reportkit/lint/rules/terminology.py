"""RK2xx: terminology: syndromes named for imaging findings, deprecated and inconsistent terms."""

from __future__ import annotations

import re
from collections.abc import Iterator

from reportkit.assertion import AffirmedText
from reportkit.lint.registry import MSK_AFFIRMED, LintContext, Violation, rule
from reportkit.lint.rules.helpers import match_case, replace
from reportkit.models import Finding
from reportkit.text import find_all_words, find_words, section_at
from reportkit.triggers import MENTIONS, LexiconWords, text


@rule("RK201", "pseudogout-for-imaging-finding", "warning", safe_fix=True,
      reads=text(LexiconWords("terminology.terms.misused.term")))
def pseudogout_for_imaging_finding(ctx: LintContext) -> Iterator[Violation]:
    """A clinical syndrome's name ("pseudogout") used for an imaging finding.

    What it checks:
        Terms listed as `misused` for an imaging finding in lexicons/terminology.yaml
        ("pseudogout") used in the findings or impression as the name of what the image shows.
        Beside a clinical word ("an acute pseudogout attack is a consideration", "the clinical
        picture of pseudogout") the term names the syndrome, which is correct use: no warning.
        Negated or questioned mentions are skipped, and so is a clinical, operative or referral
        note (lint.yaml `clinical_note_titles`, `clinical_note_openers`): its author, who saw
        the patient, names the syndrome.

    Why it matters:
        Chondrocalcinosis is an imaging finding; pseudogout is a clinical syndrome (acute CPP
        crystal arthritis, EULAR 2011). Naming the syndrome from an image upgrades a finding to
        a clinical diagnosis (Freire 2018, CPPD crystal deposition disease).

    Example:
        FINDINGS: Pseudogout of the menisci.

    Use instead:
        FINDINGS: Chondrocalcinosis of the menisci.

    Fix safety:
        Safe when the term is followed by its location ("pseudogout of/in ..."): the rewrite
        names the same deposit. Unsafe otherwise, since the sentence may be about symptoms.
    """
    if ctx.clinical_note:
        return
    vocabulary = ctx.lexicon.lint
    prepositions = vocabulary.location_prepositions
    words = AffirmedText(ctx.text, ctx.result.assertion_scopes)
    for term in ctx.lexicon.terminology.terms:
        if term.category != "imaging_finding":
            continue
        for misuse in term.misused:
            if misuse.term.lower() in vocabulary.misuse_judged_elsewhere:
                continue
            for m in words.find_all([misuse.term]):
                if section_at(ctx.result.sections, m.start).category not in vocabulary.statement_sections:
                    continue  # a clinical question in the history is legitimate
                if find_words(misuse.clinical_words, _clause_around(ctx.text, m.start, m.end)):
                    continue  # the clinical syndrome, named as such: correct use (Freire 2018; EULAR 2011)
                following = ctx.text[m.end : m.end + 16].split()
                safe = bool(following) and following[0].lower() in prepositions
                yield Violation(m.start, m.end, misuse.advice,
                                replace(ctx, m.start, m.end, match_case(m.text, term.preferred), safe))


def _clause_around(text: str, start: int, end: int, reach: int = 40) -> str:
    """Up to ``reach`` characters either side of [start, end), not crossing a sentence end."""
    before = re.split(r"[.;:\n]", text[max(start - reach, 0) : start])[-1]
    after = re.split(r"[.;:\n]", text[end : end + reach])[0]
    return f"{before} {after}"


@rule("RK202", "cppd-from-imaging-alone", "warning", reads=MENTIONS, when=MSK_AFFIRMED)
def cppd_from_imaging_alone(ctx: LintContext) -> Iterator[Violation]:
    """CPPD deposition disease asserted from imaging where the finding is chondrocalcinosis.

    What it checks:
        "CPPD" stated as the name of a finding in the findings or impression, with no affirmed
        crystal proof (synovial fluid, aspiration, crystals identified) in the report. The
        accepted umbrella term is correct use and is left alone: the disease or the deposition
        named as such ("CPPD disease", "CPPD deposition in the lateral meniscus"), a pattern or
        an arthropathy ("in a CPPD pattern"), CPPD as the category or cause of another finding
        of its sentence ("chondrocalcinosis, which falls under CPPD"), or CPPD offered as the reading
        of what its clause names ("the arthropathy is in keeping with CPPD"). Hedged mentions are
        skipped.

    Why it matters:
        Calcification in cartilage is chondrocalcinosis, a descriptive imaging finding that is
        very frequent in asymptomatic elderly people; CPPD deposition disease is the umbrella
        diagnosis (Freire 2018, CPPD crystal deposition disease).

    Example:
        FINDINGS: CPPD of the lateral meniscus.

    Use instead:
        FINDINGS: Chondrocalcinosis of the lateral meniscus, which may reflect CPPD deposition.

    Fix safety:
        Unsafe: replacing "CPPD" by "chondrocalcinosis" narrows what the radiologist wrote.
    """
    vocabulary = ctx.lexicon.lint
    asserted = [f for f in ctx.result.findings
                if f.concept == vocabulary.cppd_concept and MSK_AFFIRMED.holds(f) and not f.uncertain
                and f.section in vocabulary.statement_sections
                and not find_words(vocabulary.cppd_not_imaging_alone,
                                   f.text + " " + _clause_around(ctx.text, f.start, f.end, 40))
                # CPPD offered as the reading of what the clause names ("the arthropathy is in keeping with CPPD")
                and not find_words(ctx.lexicon.linking.interpretation_links,
                                   _clause_around(ctx.text, f.start, f.start, 40))
                and not _interprets_earlier_finding(f, ctx.result.findings)]
    # the report is searched for crystal proof only when some finding asserts CPPD: most name none
    if not asserted or AffirmedText(ctx.text, ctx.result.assertion_scopes).find(vocabulary.crystal_proof):
        return
    for f in asserted:
        yield Violation(f.start, f.end,
                        f"'{f.text}' asserts CPPD deposition disease from imaging; the imaging finding is "
                        f"{vocabulary.cppd_imaging_term}",
                        replace(ctx, f.start, f.end, match_case(f.text, vocabulary.cppd_imaging_term), safe=False))


def _interprets_earlier_finding(mention: Finding, findings: list[Finding]) -> bool:
    """Whether an affirmed finding of another concept comes before ``mention`` in its sentence: the mention
    then names its category or cause ("meniscal calcification, which falls under CPPD"), not the deposit."""
    return any(other.concept != mention.concept and not other.negated and not other.hypothetical
               and mention.sentence_start <= other.start < mention.start for other in findings)


@rule("RK203", "deprecated-term", "warning", reads=text(LexiconWords("terminology.terms.deprecated")))
def deprecated_term(ctx: LintContext) -> Iterator[Violation]:
    """A deprecated term where lexicons/terminology.yaml names a preferred one.

    What it checks:
        Any term listed as `deprecated` in lexicons/terminology.yaml ("pseudo-osteoarthritis",
        "pseudo-OA").

    Why it matters:
        Deprecated names blur imaging findings and clinical syndromes; one preferred term per
        concept keeps reports comparable (Freire 2018; EULAR 2011 CPPD terminology).

    Example:
        IMPRESSION: Pseudo-osteoarthritis of the wrist.

    Use instead:
        IMPRESSION: CPPD crystal deposition disease of the wrist.

    Fix safety:
        Unsafe: the preferred term is broader or narrower than some uses of the old one.
    """
    for term in ctx.lexicon.terminology.terms:
        for old in term.deprecated:
            for m in find_all_words([old], ctx.text):
                yield Violation(m.start(), m.end(), f"'{m.group(0)}' is deprecated: prefer '{term.preferred}'",
                                replace(ctx, m.start(), m.end(), term.preferred, safe=False))


@rule("RK204", "hadd-term-consistency", "info", safe_fix=True, reads=MENTIONS)
def hadd_term_consistency(ctx: LintContext) -> Iterator[Violation]:
    """Several names for calcific tendinopathy (HADD) in one report.

    What it checks:
        A report that names calcific tendinopathy in more than one way ("calcific tendinitis"
        then "HADD"): every mention whose name is not part of the preferred term of
        lexicons/terminology.yaml (`reportkit terms`: "calcific tendinopathy (hydroxyapatite
        deposition disease, HADD)") is reported. The preferred term pairs the tendon form with the
        deposition disease, as the article does, so a report that names the deposit "calcific
        tendinopathy" and its disease "hydroxyapatite deposition" or "HADD" is left alone, as is
        one that keeps to one name throughout. A mention placed outside a tendon (a ligament, a joint's
        soft tissue) is not asked to say "tendinopathy", and a negated one ("LEFT: No calcific
        tendinopathy.") names no finding to keep consistent with.

    Why it matters:
        HADD and calcific tendinitis/tendinopathy name the same disease (Freire 2018, Calcific
        tendinopathy); switching names suggests two different findings to the reader and to
        downstream coding. Unifying on the lexicon's preferred term, rather than on whichever
        name came first, keeps reports comparable with each other.

    Example:
        FINDINGS: Calcific tendinitis of the supraspinatus. IMPRESSION: HADD.

    Use instead:
        FINDINGS: Calcific tendinopathy of the supraspinatus. IMPRESSION: Calcific tendinopathy.

    Fix safety:
        The fix replaces only the name (not the descriptors, site or side around it) with the
        preferred term, so it always moves toward the preferred term, never away from it. Safe
        when both the name and the preferred term are listed as synonyms in
        lexicons/terminology.yaml. Unsafe for other names of the concept ("calcific bursitis",
        names that carry a site), which can move the finding.
    """
    concept = ctx.lexicon.lint.hadd_concept
    # the preferred name says tendon: a deposit placed elsewhere ("in the radial collateral ligament", "calcific
    # periarthritis") is hydroxyapatite deposition by another name, rightly
    # the clinical question is the referrer's wording ("query calcific tendinitis"), not the report's
    mentions = sorted((f for f in ctx.result.findings
                       if f.concept == concept and f.location_category in (None, "tendon") and not f.negated),
                      key=lambda f: f.start)
    entry = ctx.lexicon.term_for_concept(concept)
    if not mentions or entry is None:
        return
    names = ctx.lexicon.concept(concept).terms
    variants = ctx.lexicon.lint.spelling_variants

    def norm(value: str) -> str:
        return " ".join(variants.get(w, w) for w in value.lower().split())

    synonyms = {norm(synonym) for synonym in entry.synonyms}
    preferred = entry.preferred_name
    preferred_in_full = f" {' '.join(re.findall(r'[a-z0-9]+', norm(entry.preferred)))} "

    def in_preferred(name: str) -> bool:
        """Is the name one the preferred term itself uses (its gloss included)?"""
        return f" {' '.join(re.findall(r'[a-z0-9]+', norm(name)))} " in preferred_in_full

    def name_in(f) -> tuple[int, int]:
        """Where the concept's name is inside the mention (the whole mention if no name is found)."""
        m = find_words(names, f.text)
        return (f.start + m.start(), f.start + m.end()) if m else (f.start, f.end)

    written = [(f, *name_in(f)) for f in mentions]
    if len({norm(ctx.text[start:end]) for _, start, end in written}) < 2:
        return  # one name throughout: consistent, whichever it is
    for f, start, end in written:
        name = ctx.text[start:end]
        if in_preferred(name):
            continue
        other = next(ctx.text[s:e] for _, s, e in written if norm(ctx.text[s:e]) != norm(name))
        safe = norm(name) in synonyms and norm(preferred) in synonyms
        # an acronym ("HADD") has no case to carry: the preferred term is written as the sentence needs
        acronym = name.isupper() and len(name) <= 5
        replacement = _name_in_case_of(ctx.text, start, preferred) if acronym else match_case(name, preferred)
        yield Violation(f.start, f.end, f"'{name}' and '{other}' name the same disease: use one term, "
                        f"the preferred '{preferred}'", replace(ctx, start, end, replacement, safe=safe))


def _name_in_case_of(text: str, start: int, name: str) -> str:
    """``name`` to write at ``start``: acronyms kept, capitalised at a sentence start, else as given."""
    if name != name.lower():
        return name  # an acronym such as HADD keeps its capitals
    before = text[:start]
    stripped = before.rstrip()
    sentence_start = not stripped or stripped[-1] in ".:!?" or "\n" in before[len(stripped):]
    return name[:1].upper() + name[1:] if sentence_start else name
