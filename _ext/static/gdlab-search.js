/* Search-result snippets from a page's prose (loaded on search.html only, by
   _ext/gdlab_site.py, after Sphinx's searchtools.js).

   Sphinx builds each snippet from the text of the fetched page's [role="main"]. In this
   theme that element also holds the article's toolbar (".ipynb", ".pdf"), the print-only
   table of contents, the "Contents" sidebar and the previous/next links; and the math in
   the fetched HTML is still TeX, which MathJax typesets only on the page itself. This
   replaces the documented hook Search.htmlToText: the text comes from the article alone,
   without notebook cells (code, outputs, their toggles) or code listings, with display
   equations dropped and inline math written in plain Unicode (\(\beta_1\) becomes β₁). */
"use strict";
(() => {
  if (typeof Search === "undefined") return;

  const LEFT_OUT = [".headerlink", "script", "style", "div.cell", "div.highlight", "pre",
                    "div.math"];
  const SYMBOLS = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε",
    zeta: "ζ", eta: "η", theta: "θ", vartheta: "ϑ", kappa: "κ", lambda: "λ", mu: "μ",
    nu: "ν", xi: "ξ", pi: "π", rho: "ρ", sigma: "σ", tau: "τ", phi: "φ", varphi: "φ",
    chi: "χ", psi: "ψ", omega: "ω", Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ",
    Xi: "Ξ", Pi: "Π", Sigma: "Σ", Phi: "Φ", Psi: "Ψ", Omega: "Ω",
    nabla: "∇", partial: "∂", infty: "∞", cdot: "·", times: "×", odot: "⊙", circ: "∘",
    pm: "±", le: "≤", leq: "≤", ge: "≥", geq: "≥", ll: "≪", gg: "≫", ne: "≠", neq: "≠",
    approx: "≈", sim: "∼", propto: "∝", equiv: "≡", to: "→", rightarrow: "→",
    leftarrow: "←", gets: "←", mapsto: "↦", in: "∈", sum: "Σ", prod: "∏", int: "∫",
    ldots: "…", dots: "…", cdots: "⋯", top: "ᵀ", prime: "′", lVert: "‖", rVert: "‖",
    Vert: "‖", lvert: "|", rvert: "|", mid: "|", langle: "⟨", rangle: "⟩",
    iff: "⇔", implies: "⇒", ell: "ℓ", lesssim: "≲", lceil: "⌈", rceil: "⌉",
    lfloor: "⌊", rfloor: "⌋", quad: " ", qquad: " ",
  };
  const ACCENTS = { hat: "\u0302", widehat: "\u0302", bar: "\u0304", overline: "\u0304",
                    tilde: "\u0303", widetilde: "\u0303", dot: "\u0307", vec: "\u20d7" };
  const WORDS = new Set(["log", "ln", "exp", "min", "max", "sin", "cos", "tan", "det",
                         "lim", "sup", "inf", "arg", "sign", "tr", "diag", "mod", "bmod"]);
  const SUP = { ...pairs("0123456789+-−=()nitTk", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁻⁼⁽⁾ⁿⁱᵗᵀᵏ"), "ᵀ": "ᵀ", "′": "′", "*": "*" };
  const CONTROL = { "\\": "; ", "|": "‖", ",": " ", ";": " ", ":": " ", "!": "", " ": " " };
  const SUB = pairs("0123456789+-−=()aeoxhklmnpstijruv", "₀₁₂₃₄₅₆₇₈₉₊₋₋₌₍₎ₐₑₒₓₕₖₗₘₙₚₛₜᵢⱼᵣᵤᵥ");

  function pairs(from, to) {
    const map = {};
    [...from].forEach((c, i) => { map[c] = [...to][i]; });
    return map;
  }

  // x_{t-1} -> xₜ₋₁ where every character has a small form, else x_(t-1).
  function script(body, table, mark) {
    const chars = [...body.replace(/\s+/g, "")];
    if (chars.length && chars.every(c => c in table)) return chars.map(c => table[c]).join("");
    return chars.length === 1 ? mark + body : `${mark}(${body.trim()})`;
  }

  // A fraction's numerator or denominator: (a+b) in parentheses, a single symbol bare.
  const group = text => ([...text.trim()].length > 1 ? `(${text.trim()})` : text.trim());

  // Inline TeX as plain text a reader can follow, read token by token: a command, a braced
  // group, a sub- or superscript, or a character. Unknown commands (\left, \mathbf, \text)
  // vanish and leave their arguments as text, so no backslash command is ever shown.
  function texToText(tex) {
    const src = tex.trim().replace(/^\\\(([\s\S]*)\\\)$/, "$1");
    let i = 0;
    const argument = () => {
      while (/\s/.test(src[i] ?? "")) i++;
      return src[i] === "{" ? braced() : token();
    };
    const braced = () => {
      let out = "";
      for (i++; i < src.length && src[i] !== "}";) out += token();
      i++;
      return out;
    };
    const command = () => {
      const name = /^[a-zA-Z]+/.exec(src.slice(++i))?.[0];
      if (!name) {   // \\ (a new row), \| (a norm), \, (a thin space), \{ ...
        const c = src[i++] ?? "";
        return CONTROL[c] ?? c;
      }
      i += name.length;
      if (/^[dt]?frac$/.test(name)) {
        const top = argument();
        return `${group(top)}/${group(argument())}`;
      }
      if (name === "sqrt") return `√${group(argument())}`;
      if (name in ACCENTS) {
        const body = argument();
        return [...body].length === 1 ? body + ACCENTS[name] : body;
      }
      if (name === "begin" || name === "end") {
        const matrix = argument().includes("matrix");
        return matrix ? (name === "begin" ? "[" : "]") : " ";
      }
      if (WORDS.has(name)) return ` ${name}${/[a-zA-Z\\]/.test(src[i] ?? "") ? " " : ""}`;
      return SYMBOLS[name] ?? "";
    };
    const token = () => {
      const c = src[i];
      if (c === "\\") return command();
      if (c === "{") return braced();
      i++;
      if (c === "^" || c === "_") return script(argument(), c === "^" ? SUP : SUB, c);
      return c === "&" || c === "~" ? " " : c;
    };
    let out = "";
    while (i < src.length) out += token();
    return out.replace(/\s+/g, " ").replace(/\[ /g, "[").replace(/ (\]|;)/g, "$1").trim();
  }

  Search.htmlToText = (htmlString, anchor) => {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    const article = doc.querySelector("article.bd-article") || doc.querySelector("[role='main']");
    if (!article) return "";
    article.querySelectorAll(LEFT_OUT.join(", ")).forEach(el => el.remove());
    article.querySelectorAll(".math").forEach(el =>
      el.replaceWith(doc.createTextNode(texToText(el.textContent))));
    const id = anchor && anchor.startsWith("#") ? decodeURIComponent(anchor.slice(1)) : "";
    const part = (id && doc.getElementById(id)) || article;
    return (article.contains(part) ? part : article).textContent.replace(/\s+/g, " ").trim();
  };
  Search.gdlabTexToText = texToText;   // for the tests
})();
