"""The real server on a loopback port, called over HTTP: guards, formats, concurrency, logs."""

from __future__ import annotations

import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

httpx = pytest.importorskip("httpx")
pytest.importorskip("fastapi")
pytest.importorskip("uvicorn")

from service_server import Server  # noqa: E402

TOKEN = "test-token-4f1c"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
# a word that appears in every draft sent, so the log check can look for it
SENTINEL = "Quetzalcoatlus"
DRAFT = (
    "EXAM: MRI RIGHT SHOULDER\n"
    f"CLINICAL HISTORY: {SENTINEL} clinic referral, shoulder pain.\n"
    "FINDINGS:\n"
    "Calcific tendinitis of the supraspinatus tendon: an ill-defined 9 mm deposit.\n"
    "IMPRESSION:\n"
    "HADD of the supraspinatus tendon.\n"
)
ROUTES = {("post", "/v1/postprocess"), ("post", "/v1/extract"), ("post", "/v1/lint"), ("post", "/v1/report"),
          ("get", "/v1/rules"), ("get", "/v1/terms"), ("get", "/healthz"), ("get", "/readyz"), ("get", "/version")}


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    log = tmp_path_factory.mktemp("serve") / "server.log"
    srv = Server(log, "--workers", "2", "--timeout", "20", "--log-level", "debug", token=TOKEN)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def client(server):
    with httpx.Client(base_url=server.url, headers=AUTH, timeout=60) as c:
        yield c


def test_probes_and_token(server, client):
    assert httpx.get(f"{server.url}/healthz").json() == {"status": "ok"}
    assert httpx.get(f"{server.url}/version").status_code == 401
    wrong = httpx.get(f"{server.url}/version", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.headers["www-authenticate"] == "Bearer"
    assert httpx.post(f"{server.url}/v1/lint", json={"text": DRAFT}).status_code == 401
    assert client.get("/version").json()["reportkit"]
    assert client.get("/readyz").json() == {"status": "ready"}


def test_oversized_bodies_are_refused(client):
    big = {"text": "calcification " * 20000}  # ~280 KB of JSON, over the 256 KB default
    assert client.post("/v1/lint", json=big).status_code == 413
    # no Content-Length (chunked): counted while read
    body = json.dumps(big).encode()
    chunks = (body[i : i + 8192] for i in range(0, len(body), 8192))
    response = client.post("/v1/lint", content=chunks, headers={"content-type": "application/json"})
    assert response.status_code == 413
    assert client.post("/v1/lint", json={"text": DRAFT}).status_code == 200  # the server is fine after


def test_bad_json_and_bad_fields(client):
    bad = client.post("/v1/postprocess", content=b'{"text": "' + SENTINEL.encode(), headers={"content-type": "application/json"})
    assert bad.status_code == 400
    assert SENTINEL not in bad.text
    wrong_side = client.post("/v1/postprocess", json={"text": DRAFT, "exam": {"side": f"{SENTINEL} side"}})
    assert wrong_side.status_code == 422
    assert wrong_side.json()["detail"][0]["loc"] == ["body", "exam", "side"]
    assert SENTINEL not in wrong_side.text  # errors say where and why, never echo the input
    assert client.post("/v1/postprocess", json={"id": "x"}).status_code == 422


def test_postprocess_answers_fixes_diagnostics_and_block(client):
    answer = client.post("/v1/postprocess", json={"text": DRAFT, "id": "r1", "exam": {"patient_age": 45}}).json()
    assert answer["id"] == "r1"
    (tendinitis,) = answer["edits"]  # the name outside the preferred term moves to it; "HADD", its gloss, stays
    assert DRAFT[tendinitis["start"] : tendinitis["end"]] == "Calcific tendinitis" == tendinitis["original"]
    assert answer["text"] == (DRAFT[: tendinitis["start"]] + tendinitis["replacement"] + DRAFT[tendinitis["end"] :])
    assert "HADD" in answer["text"]
    codes = {d["code"] for d in answer["diagnostics"]}
    assert "RK101" in codes and answer["block"]["radiograph_correlation_missing"] is True
    assert answer["block"]["impression"] and answer["block"]["text"].startswith("SOFT-TISSUE")
    assert answer["exam_used"] == ["patient_age"] and answer["report"]["patient_age"] == 45
    assert answer["fhir"] is None
    with_fhir = client.post("/v1/postprocess?fhir=true", json={"text": DRAFT}).json()
    assert with_fhir["fhir"]["resourceType"] == "Bundle"


@pytest.mark.parametrize("fmt, media, marker", [
    ("text", "text/plain", "SOFT-TISSUE CALCIFICATION"), ("md", "text/markdown", "# "),
    ("html", "text/html", "<html"), ("json", "application/json", '"assessments"'),
    ("fhir", "application/fhir+json", '"resourceType": "Bundle"'),
])
def test_every_report_format(client, fmt, media, marker):
    response = client.post(f"/v1/report?format={fmt}", json={"text": DRAFT})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(media)
    assert marker in response.text


def test_extract_lint_rules_terms(client):
    result = client.post("/v1/extract", json={"text": DRAFT}).json()
    assert {f["diagnosis"] for f in result["findings"]} == {"HADD"}
    lint = client.post("/v1/lint", json={"text": DRAFT}).json()
    assert "RK204" in {d["code"] for d in lint["diagnostics"]}  # the draft as sent: the fix is offered
    rules = client.get("/v1/rules").json()
    by_code = {r["code"]: r for r in rules}
    assert by_code["RK101"]["name"] == "missing-radiograph-correlation"
    assert [r["code"] for r in rules] == sorted(by_code)
    terms = client.get("/v1/terms", params={"q": "pseudogout"}).json()
    assert terms and all("pseudogout" in json.dumps(t).lower() for t in terms)
    assert client.get("/v1/terms", params={"q": "no-such-term-at-all"}).json() == []


def test_openapi_lists_every_route(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {(method, path) for path, ops in paths.items() for method in ops} == ROUTES
    assert paths["/v1/postprocess"]["post"]["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(
        "PostprocessResult")


def test_concurrent_requests_all_answered_alike(client):
    drafts = [DRAFT.replace("9 mm", f"{n} mm") for n in range(5, 21)]
    expected = [client.post("/v1/postprocess", json={"text": d}).json() for d in drafts]
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda d: client.post("/v1/postprocess", json={"text": d}), drafts * 2))
    assert [a.status_code for a in answers] == [200] * len(answers)
    assert [a.json() for a in answers] == expected * 2


def test_cors_off_by_default(client):
    response = client.get("/version", headers={"Origin": "https://ris.example"})
    assert "access-control-allow-origin" not in response.headers


def test_time_limit_answers_504_and_worker_stays_healthy(tmp_path):
    srv = Server(tmp_path / "slow.log", "--timeout", "0.1", "--workers", "2")
    try:  # ~150 KB of draft: well past 0.1 s even with the linear-time linker
        slow = httpx.post(f"{srv.url}/v1/postprocess", json={"text": (DRAFT + "\n") * 500}, timeout=60)
        assert slow.status_code == 504
        quick = httpx.post(f"{srv.url}/v1/postprocess", json={"text": "FINDINGS: Calcific tendinitis."}, timeout=60)
        assert quick.status_code == 200
    finally:
        assert srv.stop() in (0, -15)  # uvicorn re-raises SIGTERM after a graceful shutdown


def test_no_request_text_in_the_logs_of_a_full_session(server, client):
    """Runs last in this module: a request in flight at SIGTERM completes, then the whole log is read."""
    client.post("/v1/postprocess", content=b"{" + SENTINEL.encode(), headers={"content-type": "application/json"})
    in_flight: dict = {}

    def slow_request():
        in_flight["response"] = client.post("/v1/postprocess", json={"text": (DRAFT + "\n") * 8})

    worker = threading.Thread(target=slow_request)
    worker.start()
    threading.Event().wait(0.3)
    assert server.stop() in (0, -15)
    worker.join(60)
    assert in_flight["response"].status_code == 200  # graceful shutdown finished it
    log = server.log.read_text()
    assert '"POST /v1/postprocess HTTP/1.1" 200' in log  # uvicorn's access log was captured
    assert SENTINEL.lower() not in log.lower()
    for word in ("supraspinatus", "tendinitis", "HADD"):
        assert word not in log
