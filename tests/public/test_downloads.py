"""Downloads of a version: Markdown, standalone HTML, PDF, and JSON that verifies."""

import json
import re
import subprocess
import sys
import threading
import zlib
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from charter.public import downloads
from charter.text import hashing, sections
from tests.factories import DOCUMENT, make_charter, make_council, make_user, make_version

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "verify_charter.py"
SECRET = "a clause still under negotiation"
CHANGED = DOCUMENT.replace("Every person is welcome", "Every person is at home")


@pytest.fixture
def charter(app):
    """Versions 1 and 2 published, 3 a draft, 4 published (a gap in the public's chain)."""
    charter = make_charter("cities", "Charter of Cities", summary="Cities drafting together.")
    make_version(charter, note="First draft", author="Ana Secretariat")
    make_version(charter, CHANGED, note="After consultation — “quoted”")
    make_version(charter, CHANGED + "\n" + SECRET + "\n", publish=False, note="Internal draft")
    make_version(charter, CHANGED + "\n## Article 3 — Ünïcode\n\nÇa marche.\n", note="Adopted")
    return charter


@pytest.fixture
def sherpa(charter):
    return make_user("sherpa", councils=[make_council(charter)])


def verify(tmp_path, *documents) -> subprocess.CompletedProcess:
    paths = []
    for index, document in enumerate(documents):
        path = tmp_path / f"download-{index}.json"
        path.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        paths.append(str(path))
    return subprocess.run(
        [sys.executable, str(SCRIPT), *paths], capture_output=True, text=True, timeout=30
    )


def test_markdown_is_the_document_joined_back(client, charter):
    response = client.get("/charters/cities/versions/1/download.md")
    assert response.status_code == 200
    assert response.mimetype == "text/markdown"
    assert response.headers["Content-Disposition"] == 'attachment; filename="cities-v1.md"'
    assert response.get_data(as_text=True) == DOCUMENT
    assert sections.split(response.get_data(as_text=True)) == sections.split(DOCUMENT)


def test_standalone_html_holds_everything_and_loads_nothing(client, app):
    charter = make_charter("pics", "Pictures")
    version = make_version(
        charter, "Intro ![a map](https://tracker.example/map.png)\n\n## One\n\nText.\n"
    )
    response = client.get("/charters/pics/versions/1/download.html")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert response.mimetype == "text/html"
    assert response.headers["Content-Disposition"] == 'attachment; filename="pics-v1.html"'
    assert version.digest in page
    assert "Version 1" in page
    assert '<a href="#one">One</a>' in page  # the table of contents
    assert "@media print" in page
    assert "<style>" in page
    # Nothing is loaded: no stylesheet, script or image, only a link to the picture.
    assert not re.search(r"<(link|script|img|iframe)\b", page)
    assert '<a href="https://tracker.example/map.png">[a map]</a>' in page
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]


def test_pdf_is_printed_from_the_html(client, charter):
    response = client.get("/charters/cities/versions/2/download.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == 'attachment; filename="cities-v2.pdf"'
    assert response.data.startswith(b"%PDF-")
    # Its bookmarks are the headings of the HTML: the title, the contents, each section.
    outline = b"".join(
        zlib.decompress(stream)
        for stream in re.findall(rb"stream\n(.*?)\nendstream", response.data, re.S)
    )
    for heading in (b"Charter of Cities", b"Contents", b"Preamble"):
        assert b"/Title (" + heading + b")" in outline


def test_json_carries_sections_hashes_and_the_visible_chain(client, charter):
    response = client.get("/charters/cities/versions/4/download.json")
    assert response.mimetype == "application/json"
    assert response.headers["Content-Disposition"] == 'attachment; filename="cities-v4.json"'
    data = response.get_json()
    assert data["charter"]["slug"] == "cities"
    assert data["version"]["number"] == 4
    assert data["version"]["note"] == "Adopted"
    assert data["version"]["status"] == "published"
    assert [s["key"] for s in data["sections"]][-1] == "article-3-unicode"
    assert all(s["text_hash"] == hashing.text_hash(s["body"]) for s in data["sections"])
    # The draft (3) is left out of the public's chain; its digest is only the parent hash.
    assert [link["number"] for link in data["chain"]] == [1, 2]
    assert SECRET not in response.get_data(as_text=True)
    assert "Internal draft" not in response.get_data(as_text=True)


def test_the_json_verifies_with_the_script(client, charter, tmp_path):
    downloads = [
        client.get(f"/charters/cities/versions/{n}/download.json").get_json() for n in (1, 2, 4)
    ]
    result = verify(tmp_path, *downloads)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("verified") == 3


@pytest.mark.parametrize(
    "tamper",
    [
        lambda d: d["sections"][1].update(body=d["sections"][1]["body"].replace("home", "house")),
        lambda d: d["version"].update(note="Adopted unanimously"),
        lambda d: d["sections"].reverse(),
        lambda d: d["chain"][0].update(digest="0" * 64),
    ],
    ids=["body", "note", "order", "chain"],
)
def test_the_script_fails_on_a_tampered_download(client, charter, tmp_path, tamper):
    document = client.get("/charters/cities/versions/2/download.json").get_json()
    tamper(document)
    result = verify(tmp_path, document)
    assert result.returncode == 1
    assert "verified" not in result.stdout


def test_the_script_fails_when_two_downloads_disagree(client, charter, tmp_path):
    first = client.get("/charters/cities/versions/1/download.json").get_json()
    fourth = client.get("/charters/cities/versions/4/download.json").get_json()
    fourth["chain"][0]["digest"] = "f" * 64  # a rewritten history, consistent in itself
    result = verify(tmp_path, first, fourth)
    assert result.returncode == 1
    assert "disagree" in result.stdout


@pytest.mark.parametrize("fmt", ["md", "html", "pdf", "json"])
def test_a_draft_is_404_for_the_public(client, charter, fmt):
    response = client.get(f"/charters/cities/versions/3/download.{fmt}")
    assert response.status_code == 404
    assert SECRET.encode() not in response.data


def test_a_sherpa_downloads_the_draft_with_its_whole_chain(client, charter, sherpa, login_as):
    login_as(sherpa)
    markdown = client.get("/charters/cities/versions/3/download.md")
    assert SECRET in markdown.get_data(as_text=True)
    data = client.get("/charters/cities/versions/4/download.json").get_json()
    assert [link["number"] for link in data["chain"]] == [1, 2, 3]
    assert (
        client.get("/charters/cities/versions/3/download.json").get_json()["version"]["status"]
        == "draft"
    )


def test_unknown_format_and_version_are_404(client, charter):
    assert client.get("/charters/cities/versions/1/download.docx").status_code == 404
    assert client.get("/charters/cities/versions/9/download.md").status_code == 404
    assert client.get("/charters/nowhere/versions/1/download.md").status_code == 404


def test_the_version_page_links_to_its_downloads(client, charter):
    page = client.get("/charters/cities/versions/2").get_data(as_text=True)
    for fmt in ("md", "html", "pdf", "json"):
        assert f'href="/charters/cities/versions/2/download.{fmt}"' in page


def test_the_pdf_maker_fetches_nothing_from_the_network(app):
    """Even if an image reached the PDF's HTML, the server would not request it."""
    requested = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            requested.append(self.path)
            self.send_response(404)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        pdf = downloads._pdf(
            f'<img src="{url}/map.png"><link rel="stylesheet" href="{url}/s.css"><p>Text</p>'
        )
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
    assert pdf.startswith(b"%PDF-")
    assert requested == []
