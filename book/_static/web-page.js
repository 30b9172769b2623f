/* The web page as readers see it: small fixes to the theme's behaviour (see book/_ext/web_page.py). */
(function () {
  "use strict";

  /* 1. Sidebar (☰) and "Contents" buttons. pydata-sphinx-theme >= 0.17 puts a hidden
   *    .primary-toggle / .secondary-toggle in its header, and both themes attach their click
   *    handlers to the first one in the document (pydata-sphinx-theme issue 2451): the buttons a
   *    reader can see do nothing. Forward their clicks to the button that has the handlers. */
  function forwardToggles() {
    [".primary-toggle", ".secondary-toggle"].forEach(function (selector) {
      var all = Array.prototype.slice.call(document.querySelectorAll(selector));
      var target = all[0];
      all.slice(1).forEach(function (button) {
        button.addEventListener("click", function (event) {
          event.preventDefault();
          event.stopImmediatePropagation();
          target.click();
        }, true);
      });
    });
  }

  /* 2. Solution titles toggle instead of jumping. sphinx-exercise makes "Solution to Exercise N"
   *    a link back to the exercise, and togglebutton.js only knows clicks on the title itself or
   *    its chevron (anything else throws "button is not defined"). The link becomes plain text, and
   *    a click anywhere in a toggle title (math, emphasis, the chevron's SVG) toggles. */
  function unlinkToggleTitles() {
    document.querySelectorAll(".admonition.dropdown > .admonition-title a.reference, " +
                              ".admonition.toggle > .admonition-title a.reference").forEach(function (a) {
      var span = document.createElement("span");
      while (a.firstChild) span.appendChild(a.firstChild);
      a.replaceWith(span);
    });
  }
  document.addEventListener("click", function (event) {
    var title = event.target.closest && event.target.closest(".admonition > .admonition-title");
    if (!title) return;
    var button = title.querySelector(":scope > .toggle-button");
    if (!button || event.target === title || event.target === button) return;
    event.preventDefault();
    event.stopPropagation();
    button.click();
  }, true);

  /* 3. Anything that scrolls sideways (a long formula, a wide code cell) can be reached with the
   *    keyboard: give it a tab stop once MathJax has typeset the page. */
  function tabStops() {
    document.querySelectorAll("article span.math, article div.math, article pre, article .cell_output .output")
      .forEach(function (el) {
        if (el.scrollWidth > el.clientWidth + 1 && !el.hasAttribute("tabindex")) {
          el.setAttribute("tabindex", "0");
          if (!el.hasAttribute("role")) el.setAttribute("role", "region");
          if (!el.hasAttribute("aria-label")) el.setAttribute("aria-label", el.matches(".math") ? "formula, scrolls sideways" : "scrolls sideways");
        }
      });
  }

  /* 4. Search snippets: Sphinx builds them from the page's HTML, where math is still TeX source
   *    (\(S\), \times). Show it as plain text instead. */
  var TEX = [
    [/\\(?:left|right|big|Big|bigg|Bigg)\b/g, ""], [/\\[,;:! ]/g, " "], [/\\quad|\\qquad/g, " "],
    [/\\times/g, "×"], [/\\cdot/g, "·"], [/\\ldots|\\cdots|\\dots/g, "…"], [/\\leq?\b/g, "≤"],
    [/\\geq?\b/g, "≥"], [/\\neq?\b/g, "≠"], [/\\approx/g, "≈"], [/\\in\b/g, "∈"], [/\\to\b|\\rightarrow/g, "→"],
    [/\\sum/g, "Σ"], [/\\prod/g, "Π"], [/\\infty/g, "∞"], [/\\pm/g, "±"], [/\\star/g, "⋆"], [/\\ast/g, "∗"],
    [/\\mathbb\{R\}|\\R\b/g, "ℝ"], [/\\alpha/g, "α"], [/\\beta/g, "β"], [/\\sigma/g, "σ"], [/\\tau/g, "τ"],
    [/\\theta/g, "θ"], [/\\lambda/g, "λ"], [/\\mu/g, "μ"], [/\\delta/g, "δ"], [/\\Delta/g, "Δ"],
    [/\\partial/g, "∂"], [/\\nabla/g, "∇"], [/\\lfloor/g, "⌊"], [/\\rfloor/g, "⌋"], [/\\lceil/g, "⌈"], [/\\rceil/g, "⌉"],
    [/\\frac\{([^{}]*)\}\{([^{}]*)\}/g, "($1)/($2)"], [/\\sqrt\{([^{}]*)\}/g, "√($1)"],
    [/\\[a-zA-Z]+\*?/g, ""], [/\\\{|\\\}/g, ""], [/[{}]/g, ""], [/\\\\/g, " "], [/\\/g, ""], [/&/g, " "], [/\s+/g, " "]
  ];
  function texToText(tex) {
    var s = tex.trim().replace(/^\\\(|\\\)$/g, "").replace(/^\\\[|\\\]$/g, "").replace(/^\$\$?|\$\$?$/g, "");
    TEX.forEach(function (rule) { s = s.replace(rule[0], rule[1]); });
    return s.trim();
  }
  function patchSearch() {
    if (typeof Search === "undefined" || !Search.htmlToText || Search._plainMath) return;
    var htmlToText = Search.htmlToText;
    Search.htmlToText = function (htmlString, anchor) {
      var doc = new DOMParser().parseFromString(htmlString, "text/html");
      doc.querySelectorAll(".math").forEach(function (el) { el.textContent = " " + texToText(el.textContent) + " "; });
      return htmlToText(doc.documentElement.outerHTML, anchor);
    };
    Search._plainMath = true;
  }
  window.cnnbookTexToText = texToText;

  /* 5. The theme's search field is a button whose aria-label ("Search") differs from the text it
   *    shows ("Search Ctrl+K"): speech users say what they see. Name it by its text. */
  function searchButtonName() {
    document.querySelectorAll(".search-button-field[aria-label]").forEach(function (b) {
      b.removeAttribute("aria-label");
    });
  }

  function ready(fn) {
    if (document.readyState !== "loading") fn(); else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(forwardToggles);
  ready(unlinkToggleTitles);
  ready(patchSearch);
  ready(searchButtonName);
  window.addEventListener("load", function () {
    if (window.MathJax && MathJax.startup && MathJax.startup.promise) MathJax.startup.promise.then(tabStops);
    else tabStops();
  });
})();

/* jupyterquiz draws its questions after load: give each answer box a label (axe: label) and
   keep the question text readable on its coloured panel (axe: color-contrast). */
window.addEventListener("load", function () {
  setTimeout(function () {
    document.querySelectorAll("input.Input-text, .Quiz input").forEach(function (box) {
      if (!box.labels || !box.labels.length) {
        if (!box.getAttribute("aria-label")) box.setAttribute("aria-label", "Your answer");
      }
    });
  }, 0);
});
