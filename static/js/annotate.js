// Annotations on a section: highlight the passages comments quote, and let a reader select
// a passage to comment on it. Without JavaScript the comment form's "quote" field does it.
(function () {
  "use strict";

  const text = document.querySelector("[data-annotatable]");
  if (!text) return;
  const form = document.getElementById("comment-form");
  const quoteField = form && form.querySelector("[name=quote]");
  const positionField = form && form.querySelector("[name=position]");
  const bodyField = form && form.querySelector("[name=body]");

  // The section's text as the server reads it (whitespace collapsed to single spaces,
  // trimmed), and for each of its characters the DOM text node and offset it comes from.
  function flatten() {
    const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
    const chars = [];
    let plain = "";
    let space = false;
    while (walker.nextNode()) {
      const node = walker.currentNode;
      const value = node.nodeValue;
      // By code point, as the server counts (an emoji is one character, not two).
      for (let i = 0; i < value.length; i++) {
        const width = value.codePointAt(i) > 0xffff ? 2 : 1;
        const char = value.slice(i, i + width);
        if (/\s/.test(char)) {
          space = plain.length > 0;
          continue;
        }
        if (space) {
          plain += " ";
          chars.push(null); // a collapsed space belongs to no single node
          space = false;
        }
        plain += char;
        chars.push([node, i, width]);
        i += width - 1;
      }
    }
    return { plain, chars };
  }

  // Wrap each annotated span in <mark>, linking to its comment.
  function highlight() {
    const { chars } = flatten();
    const pieces = new Map(); // text node -> [[from, to, id]]
    document.querySelectorAll("[data-quote-start]").forEach(function (item) {
      const start = Number(item.dataset.quoteStart);
      const end = Number(item.dataset.quoteEnd);
      const id = item.id;
      let current = null;
      for (let i = start; i < Math.min(end, chars.length); i++) {
        const at = chars[i];
        if (!at) continue;
        if (current && current[0] === at[0]) { // the same text node: only spaces between
          current[2] = at[1] + at[2];
          continue;
        }
        current = [at[0], at[1], at[1] + at[2], id];
        if (!pieces.has(at[0])) pieces.set(at[0], []);
        pieces.get(at[0]).push(current);
      }
    });
    pieces.forEach(function (list, node) {
      // From the end of the node backwards, so earlier offsets stay valid; overlaps are
      // left to the first annotation.
      list.sort(function (a, b) { return b[1] - a[1]; });
      let limit = Infinity;
      list.forEach(function (piece) {
        const from = piece[1];
        const to = piece[2];
        if (to > limit) return;
        const target = node.splitText(from);
        target.splitText(to - from);
        const mark = document.createElement("mark");
        mark.className = "annotation";
        mark.tabIndex = 0;
        mark.dataset.comment = piece[3];
        mark.title = text.dataset.annotationLabel || "";
        target.parentNode.replaceChild(mark, target);
        mark.appendChild(target);
        limit = from;
      });
    });
  }

  function show(mark) {
    const comment = document.getElementById(mark.dataset.comment);
    if (!comment) return;
    window.location.hash = mark.dataset.comment;
    comment.setAttribute("tabindex", "-1");
    comment.focus();
  }

  text.addEventListener("click", function (event) {
    const mark = event.target.closest("mark.annotation");
    if (mark && window.getSelection().isCollapsed) show(mark);
  });
  text.addEventListener("keydown", function (event) {
    const mark = event.target.closest("mark.annotation");
    if (mark && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      show(mark);
    }
  });

  highlight();
  if (!quoteField || !bodyField) return;

  // Selecting a passage offers a button that puts it in the comment form. It follows the
  // text in the page's order, so Tab reaches it from the passage.
  const region = text.closest("[tabindex]") || text;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "btn btn--primary btn--small annotate-button";
  button.textContent = form.dataset.annotateLabel || "Comment on this passage";
  button.hidden = true;
  text.after(button);
  let chosen = null;

  function selected() {
    const selection = window.getSelection();
    if (!selection || selection.isCollapsed || selection.rangeCount === 0) return null;
    const range = selection.getRangeAt(0);
    if (!text.contains(range.commonAncestorContainer)) return null;
    const quote = selection.toString().replace(/\s+/g, " ").trim();
    if (!quote) return null;
    const { plain, chars } = flatten();
    let position = null;
    if (range.startContainer.nodeType === Node.TEXT_NODE) {
      position = chars.findIndex(function (at) {
        return at && at[0] === range.startContainer && at[1] >= range.startOffset;
      });
    }
    if (position === null || position < 0) position = plain.indexOf(quote);
    return { quote: quote, position: Math.max(position, 0), range: range };
  }

  function offer() {
    chosen = selected();
    if (!chosen) {
      button.hidden = true;
      return;
    }
    button.hidden = false;
    // Below the selection, in the coordinates of the box the button is placed in.
    const box = chosen.range.getBoundingClientRect();
    const parent = button.offsetParent || document.body;
    const origin = parent.getBoundingClientRect();
    button.style.top = box.bottom - origin.top + parent.scrollTop + 6 + "px";
    button.style.left = box.left - origin.left + parent.scrollLeft + "px";
  }

  // Keyboard selection without caret browsing: once the text has the focus, Shift and the
  // arrow keys (with Ctrl or Alt: by word) extend a selection that starts where the focus is.
  const steps = {
    ArrowRight: ["forward", "character"],
    ArrowLeft: ["backward", "character"],
    ArrowDown: ["forward", "line"],
    ArrowUp: ["backward", "line"],
    End: ["forward", "lineboundary"],
    Home: ["backward", "lineboundary"],
  };
  region.addEventListener("keydown", function (event) {
    const selection = window.getSelection();
    if (event.key === "Tab" && !event.shiftKey && !button.hidden) {
      event.preventDefault(); // straight from the passage to its button
      button.focus();
      return;
    }
    if (event.key === "Escape" && !button.hidden) {
      button.hidden = true;
      return;
    }
    const step = steps[event.key];
    if (!step || !event.shiftKey || !selection || !selection.modify) return;
    if (selection.rangeCount === 0 || !text.contains(selection.anchorNode)) {
      const start = document.createTreeWalker(
        text.contains(event.target) ? event.target : text,
        NodeFilter.SHOW_TEXT,
        { acceptNode: function (node) { return node.nodeValue.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP; } },
      ).nextNode();
      if (!start) return;
      selection.collapse(start, start.nodeValue.search(/\S/));
    }
    const byWord = (event.ctrlKey || event.altKey) && step[1] === "character";
    selection.modify("extend", step[0], byWord ? "word" : step[1]);
    event.preventDefault();
  });

  text.addEventListener("mouseup", function () { window.setTimeout(offer, 0); });
  region.addEventListener("keyup", function (event) {
    if (event.shiftKey || event.key === "Shift") offer();
  });
  document.addEventListener("mousedown", function (event) {
    if (event.target !== button) button.hidden = true;
  });
  button.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      button.hidden = true;
      region.focus();
    }
  });
  button.addEventListener("click", function () {
    if (!chosen) return;
    quoteField.value = chosen.quote;
    if (positionField) positionField.value = String(chosen.position);
    button.hidden = true;
    form.scrollIntoView({ block: "start" });
    bodyField.focus();
  });
})();
