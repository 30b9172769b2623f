"""The built book in a real browser, as a reader meets it, at a desktop's and a phone's size.

Debian's chromium (``apt-get install chromium``) driven by Playwright from PyPI, never
``playwright install``. The book is served on 127.0.0.1; every other request is aborted and
recorded. axe-core comes from npm into ``.ci/npm`` (``.ci/run`` fetches it) or ``$AXE_CORE_JS``.
Without chromium or axe-core these tests skip, unless ``BOOK_BROWSER_REQUIRED=1`` (set by .ci/run).

The server compresses text files with gzip, as static hosts such as GitHub Pages do, so the page
weight in the report is what a reader downloads (``first_load_bytes``, as transferred) beside the
files' own sizes (``first_load_bytes_uncompressed``).

Screenshots of each page's first screen and a report (page weight, axe results) are written to
``<pytest basetemp>/browser/`` (printed at the end of the run with ``-rA`` / ``-s``).
"""
import functools
import gzip
import http.server
import json
import os
import pathlib
import re
import threading
import time
import urllib.parse

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
AXE = pathlib.Path(os.environ.get("AXE_CORE_JS", ROOT / ".ci/npm/node_modules/axe-core/axe.min.js"))
REQUIRED = os.environ.get("BOOK_BROWSER_REQUIRED") == "1"
SIZES = {"desktop": (1280, 900), "phone": (390, 844)}
PAGE_WEIGHT = 3_000_000   # bytes a first visit to one page may download (the web-book issue)
pytestmark = [pytest.mark.book, pytest.mark.browser]

try:
    from playwright.sync_api import sync_playwright
except ImportError:   # pragma: no cover
    sync_playwright = None

missing = [what for what, ok in (("playwright", sync_playwright is not None),
                                 (CHROMIUM, os.path.exists(CHROMIUM)), (str(AXE), AXE.exists())) if not ok]
if missing and not REQUIRED:
    pytestmark.append(pytest.mark.skip(reason="browser test needs " + ", ".join(missing)))


def toc_pages():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]


def colab_url(docname):
    cfg = yaml.safe_load((ROOT / "_config.yml").read_text())
    repo = cfg["repository"]
    owner_repo = urllib.parse.urlparse(repo["url"]).path.strip("/")
    # The Colab button opens the plain-Markdown Colab edition (colab/, book/_ext/colab_launch.py).
    edition = docname.replace("notebooks/", "colab/", 1)
    path = "/".join(p for p in (repo.get("path_to_book", "").strip("/"), edition + ".ipynb") if p)
    return f"{cfg['launch_buttons']['colab_url']}/github/{owner_repo}/blob/{repo['branch']}/{path}"


# --- fixtures ----------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def site(html):
    handler = functools.partial(Quiet, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class Quiet(http.server.SimpleHTTPRequestHandler):
    """Python's file server, quiet, sending text files gzip-compressed as static hosts do;
    ``X-Raw-Length`` gives a file's own size."""
    COMPRESSED = {".html", ".js", ".css", ".json", ".svg", ".txt", ".map"}
    delay = {}      # file name -> seconds to wait before sending it (a slow network)

    def log_message(self, *args):
        pass

    def do_GET(self):
        time.sleep(self.delay.get(pathlib.PurePosixPath(self.path.split("?")[0]).name, 0))
        path = pathlib.Path(self.translate_path(self.path))
        if path.is_dir():
            if not self.path.split("?")[0].endswith("/"):
                return super().do_GET()      # the redirect to "dir/"
            path = path / "index.html"
        if (path.suffix not in self.COMPRESSED or not path.is_file()
                or "gzip" not in self.headers.get("Accept-Encoding", "")):
            return super().do_GET()
        raw = path.read_bytes()
        body = gzip.compress(raw, compresslevel=6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Raw-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def browser():
    assert not missing, "browser test needs " + ", ".join(missing)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


@pytest.fixture(scope="module")
def outdir(tmp_path_factory):
    out = tmp_path_factory.getbasetemp() / "browser"
    (out / "screenshots").mkdir(parents=True, exist_ok=True)
    return out


REPORT = {}


@pytest.fixture(scope="module", autouse=True)
def report(outdir):
    yield REPORT
    if REPORT:
        path = outdir / "report.json"
        old = json.loads(path.read_text()) if path.exists() else {}
        old.update(REPORT)
        path.write_text(json.dumps(old, indent=1, sort_keys=True))
        print(f"\nbrowser report: {path}\nscreenshots: {outdir / 'screenshots'}")


class Visit:
    """One fresh browser context (cold cache) at one size, recording what the page asks for."""

    def __init__(self, browser, site, size):
        w, h = SIZES[size]
        self.site, self.external, self.failed, self.errors = site, [], [], []
        self.bytes = self.raw_bytes = 0
        self.context = browser.new_context(viewport={"width": w, "height": h},
                                           device_scale_factor=2 if size == "phone" else 1,
                                           is_mobile=size == "phone", has_touch=size == "phone")
        self.context.route("**/*", self._route)
        self.page = self.context.new_page()
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(
            f"uncaught: {e} at {(e.stack or '').splitlines()[1:2]}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)

    def _route(self, route):
        url = route.request.url
        if urllib.parse.urlparse(url).hostname == "127.0.0.1" or url.startswith(("data:", "blob:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def _failed(self, request):
        if request.url not in self.external:
            self.failed.append(f"{request.url}: {request.failure}")

    def _response(self, response):
        if response.status >= 400:
            self.failed.append(f"{response.url}: HTTP {response.status}")
        size = response.header_value("content-length")
        if size:
            self.bytes += int(size)
            self.raw_bytes += int(response.header_value("x-raw-length") or size)

    def open(self, path):
        self.page.goto(f"{self.site}/{path}", wait_until="load")
        self.page.evaluate("() => window.MathJax && MathJax.startup && MathJax.startup.promise")
        self.page.wait_for_load_state("networkidle")

    def close(self):
        self.context.close()


@pytest.fixture
def visit(browser, site):
    opened = []

    def make(size):
        v = Visit(browser, site, size)
        opened.append(v)
        return v
    yield make
    for v in opened:
        v.close()


# --- checks run inside the page ---------------------------------------------------------------

IMAGES_JS = """async () => {
  const imgs = Array.from(document.querySelectorAll('img'));
  for (const img of imgs) {
    if (!img.complete) { img.scrollIntoView(); await new Promise(r => { img.onload = img.onerror = r; setTimeout(r, 5000); }); }
  }
  window.scrollTo(0, 0);
  return imgs.filter(i => !(i.complete && i.naturalWidth > 0)).map(i => i.currentSrc || i.src || i.outerHTML.slice(0, 120));
}"""

# Every element of the text column must fit in it, or sit inside something that scrolls sideways;
# nothing may be cut off by overflow: hidden (the theme's span.math did that to long formulas).
WIDTH_JS = """() => {
  const column = document.querySelector('#main-content article, article.bd-article, [role=main]');
  const box = column.getBoundingClientRect();
  const scrolls = el => { const o = getComputedStyle(el).overflowX; return o === 'auto' || o === 'scroll'; };
  const insideScroller = el => { for (let a = el.parentElement; a && a !== column; a = a.parentElement) if (scrolls(a)) return true; return false; };
  const visible = el => { const r = el.getBoundingClientRect(); const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.position !== 'fixed'; };
  const hiddenByDesign = el => el.closest('mjx-assistive-mml, .visually-hidden, .sr-only, .toggle-hidden, [aria-hidden=true], .headerlink, .copybtn');
  const describe = el => { const t = (el.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 60);
    return `${el.tagName.toLowerCase()}.${(el.className && el.className.baseVal === undefined ? el.className : '').toString().split(' ').slice(0,2).join('.')} "${t}"`; };
  const bad = [];
  for (const el of column.querySelectorAll('*')) {
    if (!visible(el) || hiddenByDesign(el)) continue;
    const r = el.getBoundingClientRect();
    if ((r.right > box.right + 1 || r.left < box.left - 1) && !scrolls(el) && !insideScroller(el))
      bad.push(`wider than the column (${Math.round(r.width)} > ${Math.round(box.width)} px): ${describe(el)}`);
    const o = getComputedStyle(el).overflowX;
    if ((o === 'hidden' || o === 'clip') && el.scrollWidth > el.clientWidth + 2 && el.clientWidth > 2)
      bad.push(`clipped (${el.scrollWidth} > ${el.clientWidth} px): ${describe(el)}`);
    if (bad.length > 20) break;
  }
  return bad;
}"""

TEX_RE = re.compile(r"\\[a-zA-Z]+|\\[()\[\]]|\$\$?[^$]+\$")


def check_page(v, docname, size, outdir):
    """Everything one page must do at one size; returns (problems, facts)."""
    page, problems, facts = v.page, [], {}
    v.open(f"{docname}.html")
    facts["first_load_bytes"], facts["first_load_bytes_uncompressed"] = v.bytes, v.raw_bytes
    if v.bytes > PAGE_WEIGHT:
        problems.append(f"first load downloads {v.bytes:,} bytes, more than {PAGE_WEIGHT:,}")
    problems += [f"image not loaded: {s}" for s in page.evaluate(IMAGES_JS)]
    problems += page.evaluate(WIDTH_JS)
    if docname.startswith("notebooks/"):
        page.screenshot(path=str(outdir / "screenshots" / f"{pathlib.Path(docname).name}-{size}.png"))
        hrefs = page.eval_on_selector_all("a[href*='colab.research.google.com']", "els => els.map(e => e.href)")
        if hrefs != [colab_url(docname)]:
            problems.append(f"Colab link {hrefs} is not [{colab_url(docname)}]")

    page.add_script_tag(path=str(AXE))
    axe = page.evaluate("""async () => { const r = await axe.run(document, {resultTypes: ['violations']});
      return r.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.length,
                                     target: v.nodes.slice(0, 3).map(n => n.target.join(' '))})); }""")
    facts["axe"] = {f"{a['id']} ({a['impact']})": a["nodes"] for a in axe}
    problems += [f"axe {a['impact']}: {a['id']} on {a['nodes']} elements, e.g. {a['target']}"
                 for a in axe if a["impact"] in ("serious", "critical")]

    # Each solution opens when its title is clicked, on its text (it used to be a link that jumped).
    solutions = page.locator(".solution.dropdown")
    facts["solutions"] = solutions.count()
    for i in range(solutions.count()):
        sol = solutions.nth(i)
        url = page.url
        sol.locator(".admonition-title > span, .admonition-title").first.click()
        page.wait_for_timeout(50)
        if "toggle-hidden" in (sol.get_attribute("class") or "") or page.url != url:
            problems.append(f"solution {i + 1}: clicking its title did not open it (url {page.url})")
    if facts["solutions"]:
        problems += [f"with solutions open: {p}" for p in page.evaluate(WIDTH_JS)]

    # Each animation's Play button changes the frame.
    animations = page.locator(".animation")
    facts["animations"] = animations.count()
    for i in range(animations.count()):
        anim = animations.nth(i)
        anim.scroll_into_view_if_needed()
        before = anim.locator("img").first.get_attribute("src")
        anim.locator("button[title='Play']").click()
        try:
            page.wait_for_function("([el, src]) => el.querySelector('img').getAttribute('src') !== src",
                                   arg=[anim.element_handle(), before], timeout=5000)
        except Exception:
            problems.append(f"animation {i + 1}: Play did not change the frame")
        anim.locator("button[title='Pause']").click()
    problems += check_web_explorers(page, facts)
    return problems, facts


# The picture a web explorer shows now, once it has loaded (or failed to), with its readouts.
FRAME_JS = """async (root) => {
  const img = root.querySelector('img');
  if (!img.complete) await new Promise(r => { img.onload = img.onerror = r; setTimeout(r, 5000); });
  return {src: img.getAttribute('src'), loaded: img.complete && img.naturalWidth > 0,
          status: root.querySelector('.cnnlib-status').textContent,
          readouts: Array.from(root.querySelectorAll('output')).map(o => o.textContent)};
}"""


def check_web_explorers(page, facts):
    """Each precomputed explorer (cnnlib.explorer.web_explorer): moving each of its controls
    from the keyboard (arrow keys on a slider, a drop-down's next option) swaps in another
    frame that loads from the site, and a slider's readout follows."""
    problems = []
    explorers = page.locator(".cnnlib-explorer")
    facts["web_explorers"] = explorers.count()
    for i in range(explorers.count()):
        root = explorers.nth(i)
        root.scroll_into_view_if_needed()
        handle = root.element_handle()
        controls = root.locator("[data-control]")
        for k in range(controls.count()):
            control = controls.nth(k)
            label = root.locator(f"label[for='{control.get_attribute('id')}']").inner_text()
            if control.evaluate("el => el.type === 'range' ? +el.max : el.options.length - 1") < 1:
                continue                                  # one precomputed value: nothing to move
            before = page.evaluate(FRAME_JS, handle)
            if control.evaluate("el => el.tagName") == "SELECT":
                control.select_option(index=1)
            else:
                control.focus()
                page.keyboard.press("ArrowRight")
            after = page.evaluate(FRAME_JS, handle)
            where = f"web explorer {i + 1}, control {label!r}"
            if after["src"] == before["src"]:
                problems.append(f"{where}: moving it did not change the picture")
            elif not after["loaded"] or after["status"]:
                problems.append(f"{where}: its frame {after['src']} did not load ({after['status']})")
            if control.evaluate("el => el.type") == "range" and after["readouts"] == before["readouts"]:
                problems.append(f"{where}: its readout stayed {before['readouts']}")
    return problems


def check_navigation(v, docname, size):
    """☰ works: on a phone it opens the table of contents and a chapter link in it navigates;
    on a desktop it hides and shows the sidebar. "Contents" opens the page's contents where shown."""
    page, problems = v.page, []
    page.evaluate("window.scrollTo(0, 0)")
    toggle = page.locator(".primary-toggle:visible").first
    if size == "phone":
        toggle.click()
        dialog = page.locator("#pst-primary-sidebar-modal")
        try:
            dialog.locator("a.reference.internal").first.wait_for(state="visible", timeout=3000)
        except Exception:
            return [f"☰ did not open the table of contents"]
        links = dialog.locator("nav.bd-links a.reference.internal:visible")
        target = next((links.nth(i) for i in range(links.count())
                       if (links.nth(i).get_attribute("href") or "").split("#")[0] not in ("", "#")
                       and pathlib.Path(docname).name not in links.nth(i).get_attribute("href")), None)
        if target is None:
            return ["no chapter link in the opened table of contents"]
        href = target.get_attribute("href")
        with page.expect_navigation(timeout=10000):
            target.click()
        if pathlib.Path(urllib.parse.urlparse(page.url).path).name != pathlib.Path(href.split("#")[0]).name:
            problems.append(f"the toc link {href} led to {page.url}")
    else:
        sidebar = page.locator("#pst-primary-sidebar")
        toggle.click()
        page.wait_for_timeout(400)
        if "pst-sidebar-hidden" not in (sidebar.get_attribute("class") or ""):
            problems.append("☰ did not hide the sidebar")
        toggle.click()
        page.wait_for_timeout(400)
        if "pst-sidebar-hidden" in (sidebar.get_attribute("class") or ""):
            problems.append("☰ did not bring the sidebar back")
    contents = page.locator(".secondary-toggle:visible")
    if contents.count():
        contents.first.click()
        try:
            page.locator("#pst-secondary-sidebar-modal nav a").first.wait_for(state="visible", timeout=3000)
            page.keyboard.press("Escape")
        except Exception:
            problems.append('"Contents" did not open the page\'s contents')
    return problems


@pytest.mark.parametrize("size", SIZES)
@pytest.mark.parametrize("docname", toc_pages())
def test_page_in_browser(visit, docname, size, outdir):
    v = visit(size)
    problems, facts = check_page(v, docname, size, outdir)
    problems += check_navigation(v, docname, size)
    problems += [f"console error: {e}" for e in v.errors]
    problems += [f"failed request: {f}" for f in v.failed]
    problems += [f"third-party request (aborted): {u}" for u in sorted(set(v.external))]
    REPORT[f"{docname} {size}"] = facts
    assert not problems, f"{docname} at {SIZES[size]}:\n  " + "\n  ".join(problems)


def test_search_snippets_show_no_raw_tex(visit):
    v = visit("desktop")
    v.open("search.html?q=stride")
    page = v.page
    page.wait_for_function("() => document.querySelectorAll('#search-results li p.context').length > 0",
                           timeout=20000)
    page.wait_for_timeout(1000)   # snippets arrive one page fetch at a time
    snippets = page.eval_on_selector_all("#search-results li p.context", "els => els.map(e => e.textContent)")
    assert snippets
    raw = [s for s in snippets if TEX_RE.search(s)]
    assert not raw, f"{len(raw)} of {len(snippets)} snippets show raw TeX, e.g. {raw[0][:200]!r}"
    assert not v.errors and not v.external and not v.failed, (v.errors, v.external, v.failed)


def test_quizzes_draw_while_mathjax_is_still_loading(visit):
    """jupyterquiz draws its questions while the page loads and asked MathJax.version[0] then,
    which throws until the deferred MathJax has run (seen on a loaded CI machine); with MathJax
    held back 3 s the page must still load without errors and typeset its math, quiz included."""
    Quiet.delay["tex-chtml.js"] = 3
    try:
        v = visit("desktop")
        v.open("notebooks/03_image_processing.html")
    finally:
        Quiet.delay.clear()
    assert v.page.locator(".Quiz, [id^=quizWrap]").count() > 0
    assert v.page.locator("mjx-container").count() > 0
    assert not v.errors and not v.external and not v.failed, (v.errors, v.external, v.failed)
