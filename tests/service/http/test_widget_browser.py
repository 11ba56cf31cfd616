"""The chat widget in a real browser (Debian's Chromium driven by Playwright), against a
real `citeqa serve` on loopback, embedded from its own origin and from two others."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from citeqa.service.config import Settings
from citeqa.service.engine.engine import Engine
from tests import documents
from tests.conftest import ARTICLE, REPO
from tests.processes import free_port, running_citeqa

ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TOLLS = "The toll for a laden barge was raised to nine shillings in the spring of that year."
HOSTILE = (
    "Gallery Notes\n\nBy Ada Curator\n\n"
    "The gallery opens at nine every morning except on public holidays.\n\n"
    "The <script>window.__xss = 2</script> curator said the east wing holds the oldest maps "
    '<img src=x onerror="window.__xss = 1">.\n\n'
    'Tickets are sold at <a href="javascript:window.__xss = 3">the front desk</a> beside the '
    "cloakroom.\n"
)


@pytest.fixture(scope="module")
def widget_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An index with the article and a document full of markup."""
    folder = tmp_path_factory.mktemp("widget")
    hostile = folder / "gallery-notes.md"
    hostile.write_text(HOSTILE)
    report = folder / "harbour-report.pdf"
    report.write_bytes(documents.pdf([["Annual report of the harbour board."], [TOLLS]]))
    settings = Settings(data_dir=folder / "data")
    Engine.open(settings).library.ingest([ARTICLE, hostile, report])
    otters = folder / "otters.md"
    otters.write_text("# Otters\n\nOtters hold hands while they sleep on the river.\n")
    Engine.open(settings, "rivers").library.ingest([otters])
    return settings.index.data_dir


class _HostPage(SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def host_pages(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """Two third-party sites on other ports: (allowed origin, refused origin, their folder)."""
    folder = tmp_path_factory.mktemp("host")
    servers = []
    for _ in range(2):
        server = ThreadingHTTPServer(
            ("127.0.0.1", free_port()), partial(_HostPage, directory=str(folder))
        )
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
    allowed, refused = (f"http://127.0.0.1:{s.server_address[1]}" for s in servers)
    try:
        yield allowed, refused, folder
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


@pytest.fixture(scope="module")
def citeqa_url(widget_index: Path, host_pages: tuple[str, str, Path]) -> Iterator[str]:
    """citeqa over the widget index; only the first host page's origin may call it."""
    allowed, _, folder = host_pages
    with running_citeqa(widget_index, cors_origins=allowed) as url:
        (folder / "page.html").write_text(
            "<!doctype html><html><head><style>button{background:red!important}"
            "*{font-size:40px!important}</style></head><body><h1>A third-party page</h1>"
            f'<script src="{url}/widget.js" data-citeqa-url="{url}" defer></script>'
            "</body></html>"
        )
        (folder / "rivers.html").write_text(
            "<!doctype html><html><body><h1>River notes</h1>"
            f'<script src="{url}/widget.js" data-citeqa-url="{url}" data-collection="rivers" '
            "defer></script></body></html>"
        )
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    assert executable, "Chromium is missing: apt-get install -y chromium (make test does it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.on("dialog", lambda dialog: pytest.fail(f"a dialog opened: {dialog.message}"))
    yield page
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"))
    context.close()


def _ask(page: Page, question: str) -> None:
    # A question typed while an answer still streams stays in the box: wait for the last one.
    expect(page.get_by_role("button", name="Send")).to_be_enabled(timeout=15000)
    box = page.get_by_label("Ask a question")
    box.fill(question)
    box.press("Enter")


def _answers(page: Page):  # type: ignore[no-untyped-def]
    return page.locator("#citeqa-widget .msg.assistant")


def test_ask_see_the_streamed_answer_and_the_highlighted_quote(page: Page, citeqa_url: str) -> None:
    page.goto(citeqa_url + "/")
    page.get_by_role("button", name="Open chat").click()
    expect(page.get_by_label("Ask a question")).to_be_focused()
    with page.expect_response("**/v1/chat/stream") as streamed:
        _ask(page, "How many Revolutionary Guard commanders were killed in the consulate strike?")
    assert streamed.value.headers["content-type"].startswith("text/event-stream")
    expect(_answers(page).last).to_contain_text("seven", timeout=15000)
    marker = page.get_by_role("button", name="[1]")
    marker.click()
    passage = page.get_by_role("region", name="Cited passage")
    expect(passage).to_contain_text("Why Iran and Israel Stepped Back From the Brink")
    # The passage takes room from the conversation; the marker that opened it stays in sight.
    shown, seen = marker.bounding_box(), page.locator("#citeqa-widget .log").bounding_box()
    assert shown and seen
    assert seen["y"] <= shown["y"] and shown["y"] + shown["height"] <= seen["y"] + seen["height"]
    expect(passage.locator("mark")).to_have_text(
        "On April 1, an Israeli airstrike on the Iranian consulate in Damascus killed seven "
        "Islamic Revolutionary Guard Corps commanders, including two generals."
    )


def test_a_follow_up_question_uses_the_conversation(page: Page, citeqa_url: str) -> None:
    page.goto(citeqa_url + "/")
    page.get_by_role("button", name="Open chat").click()
    _ask(page, "Who was killed in the consulate strike?")
    expect(_answers(page)).to_have_count(1, timeout=15000)
    expect(_answers(page).first).to_contain_text("Zahedi")
    _ask(page, "Why was he important?")
    expect(_answers(page)).to_have_count(2, timeout=15000)
    expect(_answers(page).last).to_contain_text("Zahedi")
    expect(_answers(page).last).not_to_contain_text("do not contain an answer")


def test_conversation_survives_a_reload_and_escape_closes(page: Page, citeqa_url: str) -> None:
    page.goto(citeqa_url + "/")
    page.get_by_role("button", name="Open chat").click()
    _ask(page, "Who wrote this article?")
    expect(_answers(page).first).to_contain_text("Vali Nasr", timeout=15000)
    page.reload()
    expect(_answers(page).first).to_contain_text("Vali Nasr")
    page.get_by_label("Ask a question").press("Escape")
    expect(page.get_by_role("dialog")).to_be_hidden()
    expect(page.get_by_role("button", name="Open chat")).to_be_focused()


def test_markup_in_documents_is_shown_as_text(page: Page, citeqa_url: str) -> None:
    page.goto(citeqa_url + "/")
    page.get_by_role("button", name="Open chat").click()
    _ask(page, "What does the curator say the east wing holds?")
    answer = _answers(page).last
    expect(answer).to_contain_text("<script>window.__xss = 2</script>", timeout=15000)
    expect(answer).to_contain_text('<img src=x onerror="window.__xss = 1">')
    page.get_by_role("button", name="[1]").click()
    expect(page.get_by_role("region", name="Cited passage")).to_contain_text("<img src=x")
    assert page.evaluate("window.__xss") is None
    assert page.locator("#citeqa-widget img, #citeqa-widget script").count() == 0


def test_widget_works_from_an_allowed_origin_unstyled_by_the_host(
    page: Page, citeqa_url: str, host_pages: tuple[str, str, Path]
) -> None:
    allowed, _, _ = host_pages
    page.goto(f"{allowed}/page.html")
    launcher = page.get_by_role("button", name="Open chat")
    assert launcher.evaluate("b => getComputedStyle(b).backgroundColor") != "rgb(255, 0, 0)"
    launcher.click()
    _ask(page, "Who wrote this article?")
    expect(_answers(page).first).to_contain_text("Vali Nasr", timeout=15000)


def test_widget_on_an_unlisted_origin_says_so(
    page: Page, citeqa_url: str, host_pages: tuple[str, str, Path]
) -> None:
    _, refused, _ = host_pages
    page.goto(f"{refused}/page.html")
    page.get_by_role("button", name="Open chat").click()
    _ask(page, "Who wrote this article?")
    expect(page.get_by_role("alert")).to_contain_text("may not be allowed to use it", timeout=15000)
    expect(_answers(page)).to_have_count(0)


def test_phone_width_keeps_the_panel_on_screen(browser: Browser, citeqa_url: str) -> None:
    context = browser.new_context(viewport={"width": 375, "height": 740}, is_mobile=True)
    page = context.new_page()
    page.goto(citeqa_url + "/")
    page.get_by_role("button", name="Open chat").click()
    _ask(page, "Who wrote this article?")
    expect(_answers(page).first).to_contain_text("Vali Nasr", timeout=15000)
    box = page.get_by_role("dialog").bounding_box()
    assert box is not None
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375
    assert box["y"] >= 0 and box["y"] + box["height"] <= 740
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "phone-width.png"))
    context.close()


def test_a_citation_opens_in_the_reader_highlighted_on_its_page(
    page: Page, citeqa_url: str
) -> None:
    page.goto(citeqa_url + "/")
    page.get_by_role("button", name="Open chat").click()
    _ask(page, "How much was the toll for a laden barge raised to?")
    expect(_answers(page).last).to_contain_text("nine shillings", timeout=15000)
    page.get_by_role("button", name="[1]").click()
    passage = page.get_by_role("region", name="Cited passage")
    expect(passage).to_contain_text("Page 2")
    quote = passage.locator("mark").inner_text()
    with page.context.expect_page() as opened:
        passage.get_by_role("link", name="Open in the document").click()
    reader = opened.value
    reader.wait_for_load_state()
    expect(reader.locator("mark#cited")).to_have_text(quote)
    expect(reader.locator("#place")).to_have_text("Page 2")
    assert reader.locator("mark#cited").evaluate(
        "m => { const r = m.getBoundingClientRect(); return r.top >= 0 && r.bottom <= innerHeight }"
    )


def test_a_widget_with_data_collection_answers_from_that_collection(
    page: Page, citeqa_url: str, host_pages: tuple[str, str, Path]
) -> None:
    allowed, _, _ = host_pages
    page.goto(f"{allowed}/rivers.html")
    page.get_by_role("button", name="Open chat").click()
    _ask(page, "What do otters do while they sleep?")
    expect(_answers(page).last).to_contain_text("hold hands", timeout=15000)
