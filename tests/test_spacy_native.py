"""reportkit's pipeline as spaCy and medspaCy users expect it: components added by name, mentions where displaCy,
medspaCy's visualizer and DocConsumer look, and a pipeline that survives ``to_disk`` / ``spacy.load``."""

import json
import subprocess
import sys

import pytest
import spacy
from medspacy.visualization import visualize_ent
from spacy import displacy

from reportkit import extract
from reportkit.pipeline import FINDINGS_KEY, ORDER, PipelineError, build_pipeline, get_pipeline

SHOULDER = ("EXAM: XR RIGHT SHOULDER\n"
            "FINDINGS: Calcific tendinitis of the supraspinatus tendon measuring 12 mm. No radiopaque foreign body.")
TEXTS = [
    SHOULDER,
    "Impression: Linear chondrocalcinosis of the left knee menisci, in keeping with CPPD.",
    "Findings: Several pelvic phleboliths. A metallic fragment in the soft tissues of the right thigh.",
    "History: ? calcific tendinitis. No calcification is seen about the hip.",
]
NAMES = ["reportkit_sections", "reportkit_target_matcher", "reportkit_gates", "reportkit_context",
         "reportkit_linker", "reportkit_deposits", "reportkit_findings"]


def _mentions(doc, key=FINDINGS_KEY):
    return [(span.start_char, span.end_char, span.label_) for span in doc.spans[key]]


def _expected(text):
    """The mentions ``extract`` gives, as (start, end, concept), in text order."""
    result = extract(text)
    return sorted((f.start, f.end, f.concept) for f in result.findings + result.queries)


@pytest.fixture(scope="module")
def with_ents():
    return build_pipeline(ents=True)


# ---------------------------------------------------------------------- components by name


def test_components_are_added_by_name_without_importing_reportkit():
    """spaCy finds the factories through the spacy_factories entry point; the script never imports reportkit."""
    script = (
        "import json, spacy, sys\n"
        "nlp = spacy.blank('en')\n"
        f"for name in {NAMES!r}:\n"
        "    nlp.add_pipe(name)\n"
        f"doc = nlp({SHOULDER!r})\n"
        f"print(json.dumps([[s.start_char, s.end_char, s.label_] for s in doc.spans[{FINDINGS_KEY!r}]]))\n"
    )
    assert "import reportkit" not in script and "from reportkit" not in script
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    found = [tuple(m) for m in json.loads(run.stdout)]
    assert found == _expected(SHOULDER)
    assert ("Calcific tendinitis" in SHOULDER[found[0][0]:found[0][1]])


def test_order_lists_the_components_to_add():
    assert list(ORDER) == NAMES


@pytest.mark.parametrize("text", TEXTS)
def test_a_pipeline_assembled_by_name_finds_what_the_built_one_finds(text):
    nlp = spacy.blank("en")
    for name in ORDER:
        nlp.add_pipe(name)
    assert _mentions(nlp(text)) == _mentions(get_pipeline()(text)) == _expected(text)


@pytest.mark.parametrize(("names", "missing"), [
    ([n for n in NAMES if n != "reportkit_gates"], "reportkit_gates"),
    ([n for n in NAMES if n != "reportkit_context"], "reportkit_context"),
    (["reportkit_linker"], "reportkit_sections"),
    (["reportkit_target_matcher", "reportkit_sections"], "reportkit_sections"),
])
def test_a_pipeline_missing_a_step_says_which(names, missing):
    nlp = spacy.blank("en")
    for name in names:
        nlp.add_pipe(name)
    with pytest.raises(PipelineError, match=missing) as caught:
        nlp(SHOULDER)
    assert "E109" not in str(caught.value)
    assert "build_pipeline()" in str(caught.value)


def test_a_pipeline_in_the_wrong_order_says_so():
    nlp = spacy.blank("en")
    for name in ["reportkit_sections", "reportkit_target_matcher", "reportkit_context", "reportkit_gates",
                 "reportkit_linker"]:
        nlp.add_pipe(name)
    with pytest.raises(PipelineError, match=r"reportkit_context needs reportkit_gates \(gates\) before it"):
        nlp(SHOULDER)
    # medspaCy's own ConText checks nothing; the linker after it sees the steps out of order
    nlp = spacy.blank("en")
    nlp.add_pipe("reportkit_sections")
    nlp.add_pipe("reportkit_target_matcher")
    nlp.add_pipe("medspacy_context", config={"input_span_type": "group", "span_group_name": "reportkit_mentions"})
    nlp.add_pipe("reportkit_gates")
    nlp.add_pipe("reportkit_linker")
    with pytest.raises(PipelineError, match="reportkit_linker needs reportkit_context or medspacy_context "
                                            r"\(context\) after reportkit_gates"):
        nlp(SHOULDER)


@pytest.mark.filterwarnings("ignore:.W036.:UserWarning")  # spaCy's note that the matcher has no patterns
def test_medspacys_matcher_without_rules_is_refused_not_silent():
    nlp = spacy.blank("en")
    nlp.add_pipe("reportkit_sections")
    nlp.add_pipe("medspacy_target_matcher", config={"result_type": "group", "span_group_name": "reportkit_mentions"})
    for name in NAMES[2:]:
        nlp.add_pipe(name)
    with pytest.raises(PipelineError, match="medspacy_target_matcher .*has none"):
        nlp(SHOULDER)


# ---------------------------------------------------------------------- mentions where medspaCy and displaCy look


@pytest.mark.parametrize("text", TEXTS)
def test_mentions_are_a_labelled_span_group_and_optionally_ents(text, with_ents):
    assert _mentions(get_pipeline()(text)) == _expected(text)
    doc = with_ents(text)
    assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == _expected(text)
    assert not get_pipeline()(text).ents  # ents only when asked for


def test_span_extensions_give_what_extract_records():
    doc = get_pipeline()(SHOULDER)
    result = extract(SHOULDER)
    spans = {(s.start_char, s.end_char): s for s in doc.spans[FINDINGS_KEY]}
    assert len(spans) == len(result.findings) == 2
    for finding in result.findings:
        span = spans[finding.start, finding.end]
        assert span._.rk_finding.concept == finding.concept
        assert (span._.rk_site, span._.rk_side, span._.rk_size_mm) == (finding.site, finding.laterality,
                                                                       finding.size_mm)
        assert span._.rk_evidence == finding.evidence
        assert span._.is_negated == finding.negated
        if finding.diagnosis_basis is None:  # named by the text (extract infers one the text does not name)
            assert span._.rk_diagnosis == finding.diagnosis
    tendinitis = spans[SHOULDER.index("Calcific"), SHOULDER.index(" of the supra")]
    assert (tendinitis._.rk_side, tendinitis._.rk_size_mm, tendinitis._.rk_assertion) == ("right", 12.0, "affirmed")
    assert "supraspinatus" in tendinitis._.rk_site and tendinitis._.rk_diagnosis == "HADD"
    assert tendinitis._.rk_assertion_scopes == []
    assert {e.role for e in tendinitis._.rk_evidence} >= {"term", "site", "size"}
    foreign_body = spans[SHOULDER.index("radiopaque"), SHOULDER.index(".", SHOULDER.index("radiopaque"))]
    assert foreign_body._.is_negated and foreign_body._.rk_assertion == "negated"
    assert [(s.category, s.trigger) for s in foreign_body._.rk_assertion_scopes] == [("NEGATED_EXISTENCE", "No")]
    assert doc[0:2]._.rk_finding is None and doc[0:2]._.rk_site is None  # a span that is no mention


def test_displacy_renders_the_span_group():
    html = displacy.render(get_pipeline()(SHOULDER), style="span", options={"spans_key": FINDINGS_KEY},
                           jupyter=False)
    assert "Calcific" in html and "hadd" in html.lower() and "foreign_body" in html.lower()


def test_displacy_renders_the_ents(with_ents):
    html = displacy.render(with_ents(SHOULDER), style="ent", jupyter=False)
    assert "Calcific tendinitis" in html and ">hadd</span>" in html


def test_medspacy_visualizer_shows_the_mentions_and_their_modifiers(with_ents):
    html = visualize_ent(get_pipeline()(SHOULDER), target_span_type="group", span_group_name=FINDINGS_KEY,
                         jupyter=False)
    assert "Calcific tendinitis" in html and ">HADD</span>" in html and ">FOREIGN_BODY</span>" in html
    html = visualize_ent(with_ents(SHOULDER), jupyter=False)
    assert ">HADD</span>" in html and ">NEGATED_EXISTENCE</span>" in html


def test_medspacy_doc_consumer_reads_the_mentions():
    nlp = build_pipeline()
    nlp.add_pipe("medspacy_doc_consumer", config={"dtypes": ("group",), "span_group_name": FINDINGS_KEY})
    group = nlp(SHOULDER)._.data["group"]
    assert group["label_"] == ["hadd", "foreign_body"] and group["is_negated"] == [False, True]
    nlp = build_pipeline(ents=True)
    nlp.add_pipe("medspacy_doc_consumer",
                 config={"dtype_attrs": {"ents": ["text", "label_", "rk_side", "rk_size_mm", "rk_diagnosis"]}})
    ents = nlp(SHOULDER)._.data["ents"]
    assert ents["text"] == ["Calcific tendinitis", "radiopaque foreign body"]
    assert ents["rk_side"][0] == "right" and ents["rk_size_mm"][0] == 12.0 and ents["rk_diagnosis"][0] == "HADD"


# ---------------------------------------------------------------------- to_disk / spacy.load


def test_a_saved_pipeline_loads_and_finds_the_same_mentions(tmp_path):
    build_pipeline(ents=True).to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    for text in TEXTS:
        doc = loaded(text)
        assert _mentions(doc) == _expected(text)
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == _expected(text)
    assert any(_expected(text) for text in TEXTS)


def test_a_saved_pipeline_loads_in_a_fresh_process_without_importing_reportkit(tmp_path):
    get_pipeline().to_disk(tmp_path / "pipeline")
    script = (
        "import json, spacy\n"
        f"doc = spacy.load({str(tmp_path / 'pipeline')!r})({SHOULDER!r})\n"
        f"print(json.dumps([[s.start_char, s.end_char, s.label_] for s in doc.spans[{FINDINGS_KEY!r}]]))\n"
    )
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert [tuple(m) for m in json.loads(run.stdout)] == _expected(SHOULDER)


def test_the_plain_build_is_refused_when_saved(tmp_path):
    """medspaCy's own matcher keeps rules added by hand only in memory: saved, it would find nothing."""
    with pytest.raises(PipelineError, match="only in memory"):
        build_pipeline(plain=True).to_disk(tmp_path / "plain")


def test_loading_a_pipeline_whose_matcher_has_no_rules_is_refused(tmp_path):
    get_pipeline().to_disk(tmp_path / "pipeline")
    config = tmp_path / "pipeline" / "config.cfg"
    text = config.read_text()
    section = text.index("[components.medspacy_target_matcher]")
    end = text.index("\n[", section + 1)
    # the same step filled by medspaCy's own matcher, which has no rules of its own to load
    config.write_text(text[:section] + "[components.medspacy_target_matcher]\nfactory = \"medspacy_target_matcher\"\n"
                      "result_type = \"group\"\nspan_group_name = \"reportkit_mentions\"\n" + text[end:])
    with pytest.raises(PipelineError, match="has none"):
        spacy.load(tmp_path / "pipeline")
