"""The web page as readers see it: fixes applied while Sphinx builds the book (no notebook is edited).

- Every file a page uses comes from the site itself:
  * myst-nb embeds the notebook's ipywidgets state and then loads require.js and
    ``@jupyter-widgets/html-manager`` from CDNs. Every live widget's output is removed from the
    page (each has a static companion), so the state is dead weight: it is dropped.
  * matplotlib's ``Animation.to_jshtml`` links Font Awesome 4.4 from a CDN; the link is removed
    and the player's ``fa`` icons are drawn by the Font Awesome 6 webfonts the theme already serves
    (``fa-play``, ``fa-step-forward``... are kept as aliases there).
  * Thebe is off (``launch_buttons.thebe: false``), yet sphinx-thebe adds its config script (twice:
    a console error, "THEBE_JS_URL has already been declared") and its loader: both are dropped.
- The Colab setup cell (tag ``colab-setup``) is removed from the page; it stays in the notebook.
- ``book/_static/web-page.css`` / ``web-page.js`` fix the theme on phones and the solution toggles.
- Figures and animation frames are re-encoded when that saves at least 30 %: photographs as JPEG,
  antialiased line art as 256-colour PNG (anything with transparency is left alone). This keeps
  a chapter's first load near 3 MB without losing a figure.
- The bibliography's labels read like the author-year citations in the text (``Lin et al., 2014``
  instead of ``[LCY14]``): a pybtex label style, used by the ``author_year_labels`` style.
"""
import pathlib
import re

from docutils import nodes

HERE = pathlib.Path(__file__).resolve().parent
STATIC = HERE.parent / "_static"
FA4_LINK = re.compile(r'<link[^>]+font-awesome/4\.4\.0/css/font-awesome\.min\.css"?[^>]*>\s*')
# matplotlib's player gives its frame image no alt text and its slider no label (axe: critical).
ANIM_IMG = re.compile(r'<img id="(_anim_img\w+)">')
ANIM_SLIDER = re.compile(r'<input id="(_anim_slider\w+)" type="range"')


def remove_colab_setup(app, doctree):
    """Drop cells tagged colab-setup from the page (myst-nb gives each cell a tag_<tag> class)."""
    for node in list(doctree.findall(nodes.container)):
        if "tag_colab-setup" in node.get("classes", []):
            node.parent.remove(node)


def drop_widget_state(app, doctree):
    """Forget the ipywidgets state and the CDN scripts myst-nb registered for this page."""
    meta = getattr(app.env, "nb_metadata", {}).get(app.env.docname, {})
    js_files = meta.get("js_files", {})
    for key in [k for k in js_files if k.startswith("ipywidgets")]:
        del js_files[key]


# --- figures: JPEG for photographs, PNG for line art ------------------------------------------

JPEG_QUALITY, GAIN = 88, 0.7


def smaller(png_bytes):
    """(suffix, bytes) of a smaller encoding of a PNG figure, or None to keep it as it is.

    Photographs (more than 4,096 colours) become JPEG. Antialiased line art becomes a 256-colour
    palette PNG (matplotlib's plots have a few hundred to a few thousand colours, nearly all
    antialiasing shades: no visible change). Only when that saves at least 30 %."""
    import io

    from PIL import Image
    im = Image.open(io.BytesIO(png_bytes))
    if "A" in im.getbands() and im.getextrema()[im.getbands().index("A")][0] < 255:
        return None                                  # transparency: keep the PNG
    rgb = im.convert("RGB")
    out = io.BytesIO()
    if rgb.getcolors(maxcolors=4096) is None:
        rgb.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, subsampling=0)
        suffix = ".jpg"
    else:
        rgb.quantize(256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE).save(out, "PNG", optimize=True)
        suffix = ".png"
    return (suffix, out.getvalue()) if out.tell() < GAIN * len(png_bytes) else None


def jpeg_figures(app, doctree):
    """Point photographic output images at a JPEG copy (runs before Sphinx collects the images)."""
    src = pathlib.Path(app.srcdir)
    for node in doctree.findall(nodes.image):
        uri = node.get("uri", "")
        if not uri.endswith(".png") or "jupyter_execute" not in uri:
            continue
        path = src / uri.lstrip("/") if uri.startswith("/") else pathlib.Path(app.env.doc2path(app.env.docname)).parent / uri
        if not path.exists():
            continue
        found = [p for p in (path.with_name(path.stem + "-web.jpg"), path.with_name(path.stem + "-web.png"))
                 if p.exists() and p.stat().st_mtime >= path.stat().st_mtime]
        if not found:
            better = smaller(path.read_bytes())
            if better is None:
                continue
            found = [path.with_name(path.stem + "-web" + better[0])]
            found[0].write_bytes(better[1])
        node["uri"] = uri[:-len(path.name)] + found[0].name


FRAME = re.compile(r'(frames\[\d+\] = ")data:image/png;base64,((?:[A-Za-z0-9+/=]|\\\n)+)"')


def jpeg_frames(body):
    """matplotlib's to_jshtml embeds every frame as a base64 PNG: each gets the smaller encoding."""
    import base64

    def swap(m):
        better = smaller(base64.b64decode(m.group(2).replace("\\\n", "")))
        if better is None:
            return m.group(0)
        mime = "image/jpeg" if better[0] == ".jpg" else "image/png"
        return f'{m.group(1)}data:{mime};base64,{base64.b64encode(better[1]).decode()}"'
    return FRAME.sub(swap, body)


def _script_key(js):
    return (getattr(js, "filename", js), tuple(sorted((getattr(js, "attributes", {}) or {}).items())))


def clean_page(app, pagename, templatename, context, doctree):
    scripts = context.get("script_files")
    if scripts is not None:
        seen, kept = set(), []
        for js in scripts:
            name = str(getattr(js, "filename", js) or "")
            body = (getattr(js, "attributes", {}) or {}).get("body", "")
            if not app.config.thebe_config.get("always_load") and (
                    "THEBE_JS_URL" in body or name.endswith("sphinx-thebe.js")):
                continue
            key = _script_key(js)
            if key in seen:            # a config script some extension adds twice
                continue
            seen.add(key)
            kept.append(js)
        scripts[:] = kept
    css = context.get("css_files")
    if css is not None and not app.config.thebe_config.get("always_load"):
        css[:] = [c for c in css if not str(getattr(c, "filename", c)).endswith("sphinx-thebe.css")]
    if "body" in context:
        body = jpeg_frames(FA4_LINK.sub("", context["body"]))
        body = ANIM_IMG.sub(r'<img id="\1" alt="Animation: one frame at a time; the buttons below play it">', body)
        body = ANIM_SLIDER.sub(r'<input id="\1" aria-label="Animation frame" type="range"', body)
        # docutils lists citations in role="list" but gives each entry role="doc-biblioentry",
        # which ARIA 1.2 deprecates: a list must hold list items (axe: aria-required-children).
        body = body.replace('role="doc-biblioentry"', 'role="listitem"')
        # A collapsed cell's summary reads "Show code cell source" but is labelled "Toggle hidden
        # content" (axe: label-content-name-mismatch): let the visible words name it.
        body = body.replace('<summary aria-label="Toggle hidden content">', "<summary>")
        # jupyterquiz loads MathJax from a CDN when a page has none; ours always has the book's.
        body = body.replace("https://cdn.jsdelivr.net/npm/mathjax@3/es5/tex-svg.js",
                            "../_static/mathjax/tex-chtml.js")
        # ... and asks MathJax.version[0] as it draws, which throws while window.MathJax is still
        # the configuration (the deferred tex-chtml.js not yet run, seen on a loaded machine).
        # Then it need not typeset: MathJax's first typeset of the page covers the quiz.
        body = body.replace("var version = MathJax.version;", 'var version = MathJax.version || "";')
        body = body.replace("const v = MathJax.version;", "const v = MathJax.version; if (!v) return;")
        context["body"] = body


# --- bibliography labels that match author-year citations -------------------------------------

def _register_label_style():
    from pybtex.plugin import register_plugin
    from pybtex.style.formatting.plain import Style as Plain
    from pybtex.style.labels import BaseLabelStyle

    def last_names(person):
        return " ".join(person.prelast_names + person.last_names).replace("{", "").replace("}", "")

    class AuthorYearLabels(BaseLabelStyle):
        """'Lin et al., 2014', 'Simonyan and Zisserman, 2015', 'Goodfellow et al., 2016a'."""

        def format_labels(self, sorted_entries):
            labels = [self.label(e) for e in sorted_entries]
            counts = {}
            for lab in labels:
                counts[lab] = counts.get(lab, 0) + 1
            seen = {}
            for lab in labels:
                if counts[lab] > 1:
                    seen[lab] = seen.get(lab, 0) + 1
                    yield lab + "abcdefghijklmnopqrstuvwxyz"[seen[lab] - 1]
                else:
                    yield lab

        def label(self, entry):
            people = entry.persons.get("author") or entry.persons.get("editor") or []
            if not people:
                who = entry.fields.get("organization") or entry.fields.get("title", entry.key)
                who = who.replace("{", "").replace("}", "")
            elif len(people) == 1:
                who = last_names(people[0])
            elif len(people) == 2:
                who = f"{last_names(people[0])} and {last_names(people[1])}"
            else:
                who = f"{last_names(people[0])} et al."
            return f"{who}, {entry.fields.get('year', 'n.d.')}"

    class AuthorYearStyle(Plain):
        default_label_style = "author_year_labels"
        default_sorting_style = "author_year_title"

    register_plugin("pybtex.style.labels", "author_year_labels", AuthorYearLabels)
    register_plugin("pybtex.style.formatting", "author_year_labels", AuthorYearStyle)


def add_static(app, config):
    static = str(STATIC)
    if static not in config.html_static_path:
        config.html_static_path.append(static)


def setup(app):
    _register_label_style()
    app.connect("config-inited", add_static)
    app.connect("doctree-read", jpeg_figures, priority=400)   # before Sphinx's image collector (500)
    app.connect("doctree-read", remove_colab_setup)
    app.connect("doctree-read", drop_widget_state)
    app.connect("html-page-context", clean_page)
    app.add_css_file("web-page.css", priority=900)
    app.add_js_file("web-page.js", priority=900)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
