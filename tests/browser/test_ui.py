"""The web UI in a real browser: Debian's headless Chromium driven by Selenium.

Chromium and chromedriver come from Debian (`scripts/install-system-deps`); the query editor
comes from the project's own static files. Screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import json
import shutil
import urllib.parse
import urllib.request
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.store import publish

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
WAIT = 20  # seconds any one thing may take to appear
BRID = "https://w3id.org/brikg/id/"
SILK_ROAD_FUND = "丝路基金"
QUOTE = "刘卫东 中国科学院地理科学与资源研究所研究员"  # printed in file 004 (Liu et al. 2023)
EVIDENCE_TRIG = f"""
@prefix oa: <http://www.w3.org/ns/oa#> .
@prefix bri: <https://w3id.org/brikg/ontology#> .
<{BRID}graph/test-evidence> {{
  <{BRID}evidence/test-liu-weidong> a bri:Evidence , oa:Annotation ;
    bri:evidenceFor <{BRID}person/liu-weidong> ;
    oa:hasTarget <{BRID}evidence/test-liu-weidong/target> .
  <{BRID}evidence/test-liu-weidong/target> a oa:SpecificResource ;
    oa:hasSource <{BRID}source/004-8f66bfcf30e05994> ;
    oa:hasSelector <{BRID}evidence/test-liu-weidong/selector> .
  <{BRID}evidence/test-liu-weidong/selector> a oa:TextQuoteSelector ; oa:exact "{QUOTE}" .
}}
"""



@pytest.fixture(scope="module")
def browser():
    webdriver = pytest.importorskip("selenium.webdriver")
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.fail("Debian chromium and chromium-driver are missing: run scripts/install-system-deps")
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,1600", "--lang=en-US", "--no-proxy-server"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    driver.set_page_load_timeout(WAIT)
    ARTIFACTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def server(built_store):
    """The real graph of the papers (as built: curated facts when they exist)."""
    from support import LiveServer

    s = LiveServer(built_store)
    yield s
    s.stop()


@pytest.fixture(scope="module")
def evidence_server(tmp_path_factory, built_store):
    """The built graph plus one evidence annotation quoting file 004, to walk to an evidence quote."""
    from support import LiveServer

    store = tmp_path_factory.mktemp("browser") / "store"
    shutil.copytree(built_store, store, symlinks=True)
    publish(store, lambda st: st.extend(ox.parse(EVIDENCE_TRIG.encode(), format=ox.RdfFormat.TRIG)),
            lambda st, path: None, from_current=True)
    s = LiveServer(store)
    yield s
    s.stop()


def wait_for(driver, css: str, count: int = 1):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, WAIT).until(lambda d: len(d.find_elements(By.CSS_SELECTOR, css)) >= count)
    return driver.find_elements(By.CSS_SELECTOR, css)


def shot(driver, name: str) -> None:
    driver.save_screenshot(str(ARTIFACTS / f"{name}.png"))


def no_foreign_requests(driver, base: str) -> list[str]:
    urls = driver.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    return [u for u in urls if not u.startswith(base)]


def test_run_an_example_query_and_see_rows(browser, server):
    from selenium.webdriver.common.by import By

    browser.get(server.url + "/")
    wait_for(browser, ".yasqe .CodeMirror")
    from selenium.webdriver.support.ui import Select

    options = Select(browser.find_element(By.ID, "example-select")).options
    assert options, "no example queries on the start page"
    # CQ-001 when the competency questions exist (it has answers), else the first built-in example
    Select(browser.find_element(By.ID, "example-select")).select_by_index(0)
    browser.find_element(By.ID, "run-example").click()
    rows = wait_for(browser, ".yasr tbody tr")
    shot(browser, "01-example-query")
    assert len(rows) >= 1 and rows[0].text.strip()
    assert no_foreign_requests(browser, server.url) == []  # everything came from this service


def test_search_a_person_switch_language_and_reach_an_evidence_quote(browser, evidence_server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    base = evidence_server.url
    browser.get(base + "/")
    box = wait_for(browser, "#q")[0]
    box.send_keys("刘卫东", Keys.ENTER)
    hits = wait_for(browser, "li.hit a")
    shot(browser, "02-search-person")
    hits[0].click()
    title = wait_for(browser, "h1#title")[0]
    assert title.text == "LIU Weidong"
    browser.find_element(By.ID, "lang-zh").click()
    assert wait_for(browser, "h1#title")[0].text == "刘卫东"
    shot(browser, "03-person-zh")
    quote = wait_for(browser, "#evidence blockquote.quote")[0]
    assert quote.text == QUOTE
    browser.find_element(By.CSS_SELECTOR, "#evidence .paper a").click()
    assert wait_for(browser, "h1#title")[0].text == '"一带一路"科技合作新格局构建研究'  # still in Chinese
    quotes = wait_for(browser, "#evidence-from blockquote.quote")
    shot(browser, "04-paper-evidence")
    assert QUOTE in [q.text for q in quotes]


def _has_silk_road_fund(server) -> bool:
    """Asked of the SPARQL endpoint, not of the search under test."""
    query = 'SELECT ?s WHERE { ?s ?p ?l FILTER(isLiteral(?l) && STR(?l) = "丝路基金") } LIMIT 1'
    url = server.sparql + "?" + urllib.parse.urlencode({"query": query})
    req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as r:
        return bool(json.loads(r.read())["results"]["bindings"])


def test_silk_road_fund_search_language_paper_and_evidence(browser, server):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    if not _has_silk_road_fund(server):
        pytest.skip(f"no resource labelled {SILK_ROAD_FUND} in the graph yet (curated facts not built)")
    browser.get(server.url + "/")
    wait_for(browser, "#q")[0].send_keys(SILK_ROAD_FUND, Keys.ENTER)
    hits = wait_for(browser, "li.hit a")
    shot(browser, "05-search-silk-road-fund")
    hits[0].click()
    wait_for(browser, "h1#title")
    browser.find_element(By.ID, "lang-zh").click()
    assert wait_for(browser, "h1#title")[0].text == SILK_ROAD_FUND
    browser.find_element(By.ID, "lang-en").click()
    assert "Silk Road Fund" in wait_for(browser, "h1#title")[0].text
    shot(browser, "06-silk-road-fund-en")
    assert wait_for(browser, "#evidence blockquote.quote")[0].text.strip()
    browser.find_element(By.CSS_SELECTOR, "#evidence .paper a").click()
    quotes = wait_for(browser, "#evidence-from blockquote.quote")
    shot(browser, "07-silk-road-fund-paper")
    assert any(q.text.strip() for q in quotes)
