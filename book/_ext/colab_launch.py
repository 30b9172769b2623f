"""Point each chapter's Colab launch button at its Colab edition (colab/NN_slug.ipynb).

The book's notebooks use MyST, which Colab does not render; ``tools/editions.py colab`` writes a
plain-Markdown edition of each into colab/, and this swaps ``/notebooks/`` for ``/colab/`` in the
Colab link that sphinx-book-theme puts in the page header (it runs just after the theme's
``add_launch_buttons``, priority 501).
"""


def _retarget(buttons):
    for button in buttons:
        if button.get("text") == "Colab" and "/notebooks/" in button.get("url", ""):
            button["url"] = button["url"].replace("/notebooks/", "/colab/", 1)
        _retarget(button.get("buttons", []))


def colab_edition_links(app, pagename, templatename, context, doctree):
    _retarget(context.get("header_buttons", []))


def setup(app):
    app.connect("html-page-context", colab_edition_links, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
