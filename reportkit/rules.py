"""The lint rules. Each is registered with :func:`reportkit.lint.rule`; its docstring is its
documentation, with the headings of :data:`reportkit.lint.DOC_HEADINGS`.

Rules read what extraction and reasoning found (:class:`~reportkit.lint.LintContext`);
vocabulary comes from the lexicons, not from literals here.
"""

from __future__ import annotations

from collections.abc import Iterator

from reportkit.lint import Edit, Fix, LintContext, Violation, rule
from reportkit.models import Finding
from reportkit.text import find_all_words, find_words, section_at

FINDING_SECTIONS = {"findings", "unheaded"}
STATEMENT_SECTIONS = {"findings", "impression", "unheaded"}
RADIOGRAPH_RULES = {"radiograph_correlation", "radiograph_correlation_tear_mimic"}


def _positive(f: Finding) -> bool:
    return not f.negated and not f.hypothetical


def _replace(ctx: LintContext, start: int, end: int, replacement: str, safe: bool) -> Fix:
    return Fix(f"replace '{ctx.text[start:end]}' with '{replacement}'", (Edit(start, end, replacement),), safe)


def _match_case(original: str, replacement: str) -> str:
    """Carry the original's case: SHOUTED stays shouted, Capitalised stays capitalised.
    A short all-caps original is an acronym ("HADD"), not shouting."""
    if original.isupper() and len(original) > 5:
        return replacement.upper()
    return replacement[:1].upper() + replacement[1:] if original[:1].isupper() else replacement.lower()


# ---------------------------------------------------------------------- RK1xx: follow-up


@rule("RK101", "missing-radiograph-correlation", "warning")
def missing_radiograph_correlation(ctx: LintContext) -> Iterator[Violation]:
    """A calcification reported on MRI, ultrasound or CT with no radiograph in the study or comparison.

    What it checks:
        A calcification (or a low-signal focus or "tear" on MRI that the article warns may be
        one) described on MRI, US or CT, when the report names no radiograph anywhere: exam,
        technique, comparison or body.

    Why it matters:
        MRI can overlook calcifications or mimic a tear with them; the article teaches that a
        musculoskeletal MRI must always be correlated with radiographs, whose appearance drives
        the differential (Freire 2018, Teaching points; Density).

    Example:
        EXAM: MRI RIGHT SHOULDER. FINDINGS: Calcification in the supraspinatus tendon.

    Use instead:
        Add the comparison radiograph, or recommend one: "Correlation with radiographs is
        suggested."

    Fix safety:
        No fix: whether radiographs exist is outside the text.
    """
    for rec in ctx.report.recommendations:
        if rec.id in RADIOGRAPH_RULES and rec.evidence:
            first = rec.evidence[0]
            yield Violation(first.start, first.end,
                            "finding on MRI/US/CT without radiograph correlation: consider correlating with radiographs")


# ---------------------------------------------------------------------- RK2xx: terminology


@rule("RK201", "pseudogout-for-imaging-finding", "warning")
def pseudogout_for_imaging_finding(ctx: LintContext) -> Iterator[Violation]:
    """A clinical syndrome's name ("pseudogout") used for an imaging finding.

    What it checks:
        Terms listed as `misused` for an imaging finding in lexicons/terminology.yaml
        ("pseudogout") used in the findings or impression.

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
    prepositions = ctx.lexicon.lint.location_prepositions
    for term in ctx.lexicon.terminology.terms:
        if term.category != "imaging_finding":
            continue
        for misuse in term.misused:
            if misuse.term.lower() == "cppd":
                continue  # RK202 judges CPPD, which is also a legitimate umbrella term
            for m in find_all_words([misuse.term], ctx.text):
                if section_at(ctx.result.sections, m.start()).category not in STATEMENT_SECTIONS:
                    continue  # a clinical question in the history is legitimate
                following = ctx.text[m.end() : m.end() + 16].split()
                safe = bool(following) and following[0].lower() in prepositions
                yield Violation(m.start(), m.end(), misuse.advice,
                                _replace(ctx, m.start(), m.end(), _match_case(m.group(0), term.preferred), safe))


@rule("RK202", "cppd-from-imaging-alone", "warning")
def cppd_from_imaging_alone(ctx: LintContext) -> Iterator[Violation]:
    """CPPD deposition disease asserted from imaging where the finding is chondrocalcinosis.

    What it checks:
        "CPPD" or "calcium pyrophosphate deposition" stated as a finding (not hedged, not an
        arthropathy pattern) in the findings or impression, with no crystal proof (synovial
        fluid, aspiration, crystals identified) in the report.

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
    if find_words(vocabulary.crystal_proof, ctx.text):
        return
    for f in ctx.result.findings:
        if f.concept != "cppd" or not _positive(f) or f.uncertain or f.section not in STATEMENT_SECTIONS:
            continue
        if find_words(vocabulary.cppd_not_imaging_alone, f.text):
            continue
        yield Violation(f.start, f.end,
                        f"'{f.text}' asserts CPPD deposition disease from imaging; the imaging finding is "
                        "chondrocalcinosis",
                        _replace(ctx, f.start, f.end, _match_case(f.text, "chondrocalcinosis"), safe=False))


@rule("RK203", "deprecated-term", "warning")
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
                                _replace(ctx, m.start(), m.end(), term.preferred, safe=False))


@rule("RK204", "hadd-term-consistency", "info")
def hadd_term_consistency(ctx: LintContext) -> Iterator[Violation]:
    """Several names for calcific tendinopathy (HADD) in one report.

    What it checks:
        Mentions of calcific tendinopathy that use a different name from the first one in the
        report ("calcific tendinitis" then "HADD" then "calcific tendinopathy").

    Why it matters:
        HADD and calcific tendinitis/tendinopathy name the same disease (Freire 2018, Calcific
        tendinopathy); switching names suggests two different findings to the reader and to
        downstream coding.

    Example:
        FINDINGS: Calcific tendinitis of the supraspinatus. IMPRESSION: HADD.

    Use instead:
        FINDINGS: Calcific tendinitis of the supraspinatus. IMPRESSION: Calcific tendinitis.

    Fix safety:
        Safe: the terms are synonyms in lexicons/terminology.yaml; the fix rewrites later
        mentions with the report's first term.
    """
    mentions = [f for f in ctx.result.findings + ctx.result.queries if f.concept == "hadd"]
    mentions.sort(key=lambda f: f.start)
    if not mentions:
        return
    first = mentions[0].text

    variants = ctx.lexicon.lint.spelling_variants

    def norm(value: str) -> str:
        words = value.lower().split()
        return " ".join(variants.get(w, w) for w in words)

    for f in mentions[1:]:
        if norm(f.text) != norm(first):
            yield Violation(f.start, f.end, f"'{f.text}' and '{first}' name the same disease: use one term",
                            _replace(ctx, f.start, f.end, _match_case(f.text, first), safe=True))


# ---------------------------------------------------------------------- RK3xx: completeness


@rule("RK301", "incomplete-hadd-description", "warning")
def incomplete_hadd_description(ctx: LintContext) -> Iterator[Violation]:
    """A calcific tendinopathy (HADD) described without its tendon, size or appearance.

    What it checks:
        A positive HADD finding in the findings section whose site is not a tendon named in
        lexicons/anatomy.yaml, that gives no size, or that does not say whether the deposit
        is well-defined or ill-defined.

    Why it matters:
        The article asks the radiologist to always describe HADD with the tendon involved, the
        size and the appearance (ill-defined deposits are more often symptomatic) for
        comparison with follow-up studies (Freire 2018, Calcific tendinopathy).

    Example:
        FINDINGS: Calcific tendinitis of the shoulder.

    Use instead:
        FINDINGS: Ill-defined 12 mm calcific deposit in the supraspinatus tendon (calcific
        tendinitis).

    Fix safety:
        No fix: the missing facts must come from the images.
    """
    for f in ctx.result.findings:
        if f.diagnosis != "HADD" or not _positive(f) or f.section not in FINDING_SECTIONS:
            continue
        tendons = {t for site in ctx.lexicon.anatomy.sites if site.category == "tendon" for t in site.terms}
        missing = []
        if (f.site or "").lower() not in tendons:
            missing.append("tendon")
        if f.size_mm is None:
            missing.append("size")
        if not set(ctx.lexicon.lint.hadd_appearance) & set(f.descriptors):
            missing.append("appearance (well-defined or ill-defined)")
        if missing:
            yield Violation(f.start, f.end, f"calcific tendinopathy described without {', '.join(missing)}")


@rule("RK302", "calcification-without-location", "warning")
def calcification_without_location(ctx: LintContext) -> Iterator[Violation]:
    """A calcification or ossification whose location is missing or ambiguous.

    What it checks:
        A positive calcification or ossification with no location category: no site at all,
        or only a body region ("in the shoulder") that could be tendon, joint or soft tissue.

    Why it matters:
        Location is the article's second step: each location (tendon, articular, other soft
        tissue) has its own short differential (Freire 2018, Table 1).

    Example:
        FINDINGS: Calcification in the shoulder.

    Use instead:
        FINDINGS: Calcification in the supraspinatus tendon.

    Fix safety:
        No fix: the location must come from the images.
    """
    for f in ctx.result.findings:
        if f.kind == "foreign_body" or not _positive(f) or f.location_category is not None:
            continue
        if f.site:
            message = f"location of '{f.text}' is ambiguous: '{f.site}' could be tendon, joint or soft tissue"
        else:
            message = f"'{f.text}' has no stated location (tendon, joint, soft tissue or vessel)"
        yield Violation(f.start, f.end, message)


# ---------------------------------------------------------------------- RK4xx: step 1


def _kind_mismatch(ctx: LintContext, stated: str, assessed: str) -> Iterator[Violation]:
    """Findings written as ``stated`` whose own cues say ``assessed``; the fix swaps the word."""
    words = ctx.lexicon.lint.kind_words
    swaps = words if stated == "calcification" else {v: k for k, v in words.items()}
    for f, a in zip(ctx.result.findings, ctx.report.assessments, strict=True):
        if not (_positive(f) and a.kind.stated == stated and a.kind.kind == assessed):
            continue
        cues = ", ".join(ev.text for ev in a.kind.evidence)
        word = f.text.lower()
        fix = _replace(ctx, f.start, f.end, _match_case(f.text, swaps[word]), safe=False) if word in swaps else None
        yield Violation(f.start, f.end, f"'{f.text}' is described with {assessed} cues ({cues})", fix)


@rule("RK401", "ossification-called-calcification", "warning")
def ossification_called_calcification(ctx: LintContext) -> Iterator[Violation]:
    """Ossification cues (cortex, trabeculae, fatty marrow, zonal pattern) in a "calcification".

    What it checks:
        A finding written as a calcification whose own description carries the article's
        ossification cues.

    Why it matters:
        The first step of the article is to tell calcification from ossification: a cortical
        and trabecular pattern, fatty marrow or a zonal distribution means bone, which changes
        the differential (Freire 2018, First step; Table 1).

    Example:
        FINDINGS: Calcification in the adductor muscles with cortical and trabecular pattern.

    Use instead:
        FINDINGS: Ossification in the adductor muscles with cortical and trabecular pattern.

    Fix safety:
        Unsafe: the fix changes the kind of finding reported.
    """
    return _kind_mismatch(ctx, "calcification", "ossification")


@rule("RK402", "calcification-called-ossification", "warning")
def calcification_called_ossification(ctx: LintContext) -> Iterator[Violation]:
    """Calcification cues (amorphous, cloudlike, linear) in an "ossification".

    What it checks:
        A finding written as an ossification whose own description carries only the
        article's calcification cues.

    Why it matters:
        Amorphous, cloudlike or linear deposits without bone organisation are calcifications
        (HADD, CPPD), and the differential differs (Freire 2018, First step; Table 1).

    Example:
        FINDINGS: Amorphous cloudlike ossification in the supraspinatus tendon.

    Use instead:
        FINDINGS: Amorphous cloudlike calcification in the supraspinatus tendon.

    Fix safety:
        Unsafe: the fix changes the kind of finding reported.
    """
    return _kind_mismatch(ctx, "ossification", "calcification")


# ---------------------------------------------------------------------- RK5xx: consistency


def _sides_in(ctx: LintContext, text: str) -> set[str]:
    return {side for side, words in ctx.lexicon.anatomy.laterality.items() if find_words(words, text)}


@rule("RK501", "laterality-conflict", "error")
def laterality_conflict(ctx: LintContext) -> Iterator[Violation]:
    """The side of a finding contradicts the exam header, or findings and impression disagree.

    What it checks:
        A finding whose own sentence states left (or right) when the exam line states only the
        other side; or the same finding stated on opposite sides in the findings and the
        impression.

    Why it matters:
        Wrong-side reporting is a never-event; a side conflict must be resolved before
        signing.

    Example:
        EXAM: RIGHT SHOULDER RADIOGRAPH. FINDINGS: Calcific tendinitis of the left
        supraspinatus tendon.

    Use instead:
        EXAM: RIGHT SHOULDER RADIOGRAPH. FINDINGS: Calcific tendinitis of the right
        supraspinatus tendon.

    Fix safety:
        No fix: only the radiologist knows which side is right.
    """
    exam_sides: set[str] = set()
    for _, text in ctx.section_text("exam"):
        exam_sides |= _sides_in(ctx, text.splitlines()[0] if text else "")
    explicit = [f for f in ctx.result.findings if _positive(f) and f.laterality in ("left", "right")
                and f.laterality_source in ("mention", "sentence") and f.section != "exam"]
    if len(exam_sides) == 1 and exam_sides <= {"left", "right"}:
        (side,) = exam_sides
        for f in explicit:
            if f.laterality != side:
                ev = next((e for e in f.evidence if e.role == "laterality"), None)
                start, end = (ev.start, ev.end) if ev else (f.start, f.end)
                yield Violation(start, end, f"'{f.text}' is on the {f.laterality} but the exam is of the {side} side")
    for imp, f in _first_match_in_findings(explicit, lambda imp, f: f.diagnosis is not None
                                           and f.diagnosis == imp.diagnosis and f.laterality != imp.laterality):
        yield Violation(imp.start, imp.end, f"impression says {imp.laterality} but findings say "
                        f"{f.laterality} for {imp.diagnosis.replace('_', ' ')}")


def _first_match_in_findings(findings: list[Finding], match) -> Iterator[tuple[Finding, Finding]]:
    """For each impression finding, the first finding of the findings section that ``match``es it."""
    body = [f for f in findings if f.section in FINDING_SECTIONS]
    for imp in (f for f in findings if f.section == "impression"):
        hit = next((f for f in body if match(imp, f)), None)
        if hit is not None:
            yield imp, hit


@rule("RK601", "findings-impression-disagreement", "warning")
def findings_impression_disagreement(ctx: LintContext) -> Iterator[Violation]:
    """A finding negated in the findings but asserted in the impression, or the reverse.

    What it checks:
        The same diagnosis (or concept) stated as absent in one section and present in the
        other.

    Why it matters:
        The impression is what clinicians act on; a contradiction with the findings makes the
        report unreliable.

    Example:
        FINDINGS: No chondrocalcinosis. IMPRESSION: Chondrocalcinosis.

    Use instead:
        Make both sections say the same thing.

    Fix safety:
        No fix: only the radiologist knows which statement is right.
    """
    def same_finding(imp: Finding, f: Finding) -> bool:
        named = f.diagnosis is not None and f.diagnosis == imp.diagnosis and f.diagnosis not in ctx.lexicon.lint.broad_diagnoses
        specific = f.concept == imp.concept and ctx.lexicon.concept(f.concept).role != "generic"
        return (named or specific) and f.negated != imp.negated

    for imp, f in _first_match_in_findings(ctx.result.findings, same_finding):
        state = "absent" if f.negated else "present"
        yield Violation(imp.start, imp.end, f"'{imp.text}' is {'absent' if imp.negated else 'present'} in the "
                        f"impression but {state} in the findings ('{f.text}')")


@rule("RK602", "finding-missing-from-impression", "info")
def finding_missing_from_impression(ctx: LintContext) -> Iterator[Violation]:
    """A finding that calls for a recommendation is not carried into the impression.

    What it checks:
        A positive finding in the findings section that triggers a follow-up recommendation,
        when the impression names no finding with the same diagnosis.

    Why it matters:
        Findings that change management belong in the impression, which is often all that is
        read.

    Example:
        FINDINGS: Multiloculated periarticular calcified mass. IMPRESSION: No fracture.

    Use instead:
        IMPRESSION: Periarticular calcified mass, consider tumoral calcinosis.

    Fix safety:
        No fix: the wording of the impression is the radiologist's.
    """
    if not any(s.category == "impression" for s in ctx.result.sections):
        return
    impression = {f.diagnosis for f in ctx.result.findings if f.section == "impression" and _positive(f)}
    driving = {i for rec in ctx.report.recommendations for i in rec.findings}
    for i, f in enumerate(ctx.result.findings):
        if i in driving and f.section in FINDING_SECTIONS and _positive(f) and f.diagnosis not in impression:
            yield Violation(f.start, f.end, f"'{f.text}' leads to a recommendation but is not in the impression")


# ---------------------------------------------------------------------- RK7xx: recommendations


@rule("RK701", "recommendation-omitted", "info")
def recommendation_omitted(ctx: LintContext) -> Iterator[Violation]:
    """A follow-up the article calls for is not mentioned in the draft.

    What it checks:
        Recommendations from lexicons/followup.yaml that fire for this report (CPPD work-up,
        calcinosis laboratory tests, Doppler for a venous malformation, follow-up of early
        myositis ossificans ...) when none of the rule's `satisfied_by` words is in the draft.
        Radiograph correlation has its own rule (RK101).

    Why it matters:
        The article ties each finding to a short, specific work-up (Freire 2018); naming it in
        the report avoids unnecessary investigations and missed ones.

    Example:
        FINDINGS: Subcutaneous calcinosis of the fingertips. HISTORY: Scleroderma.

    Use instead:
        Add: "Consider serum calcium, phosphate and an antibody screen."

    Fix safety:
        No fix: recommendations are the radiologist's to make; this is a suggestion.
    """
    by_id = {r.id: r for r in ctx.lexicon.followup.rules}
    for rec in ctx.report.recommendations:
        words = by_id[rec.id].satisfied_by
        if rec.id in RADIOGRAPH_RULES or not words or find_words(words, ctx.text):
            continue
        anchor = rec.evidence[0] if rec.evidence else None
        start, end = (anchor.start, anchor.end) if anchor else (0, 0)
        yield Violation(start, end, f"consider adding: {rec.text}")
