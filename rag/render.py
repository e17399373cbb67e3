"""The chat page's HTML and Markdown: answers with their citation links, the sources panel, an
article in full, the Articles table, and the conversation the browser keeps.

Everything shown from an article or a question is escaped here: article text is untrusted. Each
answer bubble carries its state as the class of its status element (`state-answering`,
`state-checking` with the words "checking citations…", `state-done`), and so do the upload
report and the removal of an article: people see what is going on, and tests wait on it. (A
class, because Gradio's sanitizer keeps classes and drops data attributes.)

Answer n's citations link to `#an-src-k`: each answer keeps its own sources in the panel, however
many questions follow.
"""

from __future__ import annotations

import datetime
import html
import re

from newsdesk import when
from newsdesk.core.plural import counted
from newsdesk.index.web import is_link
from newsdesk.library import Article, Source, shown_date
from newsdesk.types import Answer

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|~>])")
_MARKER = re.compile(r"\\\[(\d+)\\\]")
_ESCAPED = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|~>])")
_STATE = re.compile(r'<span class="answer-state[^"]*"[^>]*>[^<]*</span>')
_URL = re.compile(r"https?://[^\s<>\"'`]+[^\s<>\"'`.,;:!?)\]]")

# The page's style and script, beside the HTML they serve. Quotes are marked in colours of their
# own, readable in light and dark mode alike (contrast above 7:1); the rest follows Gradio's
# theme. At phone width the two columns of the chat become one: the answers, their sources, then
# the question box and the examples.
CSS = """
.source { border-left: 3px solid var(--border-color-primary); padding: 4px 10px; margin: 0 0 12px 0; }
.source.active { border-left-color: #f59e0b; background: var(--background-fill-secondary); }
.source-head { font-weight: 600; font-size: 0.9em; }
.source-head a { color: inherit; }
.source-also { font-size: 0.85em; opacity: 0.8; }
.source mark { background: #fde68a; color: #1c1917; padding: 0 1px; }
.dark .source mark { background: #713f12; color: #fef3c7; }
#chat .top-panel { display: none; }  /* Gradio's chat toolbar, over the first question; "New chat" */
.answer-sources > summary { cursor: pointer; margin: 0 0 8px 0; font-size: 0.9em; opacity: 0.85; }
.answer-sources > summary > span { display: inline-block; max-width: calc(100% - 1.5em);
  vertical-align: bottom; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.answer-sources[open] > summary { font-weight: 600; opacity: 1; }
#article-list [role=gridcell], #article-list [role=columnheader] { font-family: var(--font); }
#article .article-meta { opacity: 0.85; font-size: 0.9em; }
#article .article-text p { margin: 0 0 0.8em 0; }
@media (max-width: 720px) {
  #chat-row { flex-direction: column; flex-wrap: nowrap; }
  #chat-column, #sources-column { display: contents; }
  #chat { order: 1; }
  #sources-column > * { order: 2; }
  #sources { max-height: 70vh; overflow-y: auto !important; }
  #chat-column > :not(#chat) { order: 3; }
  #article-list [role=gridcell], #article-list [role=columnheader] { font-size: 0.8em; }
}
"""
# Citation links open their answer's sources and mark the source cited, in place. Gradio labels
# each chat message for screen readers with its Markdown as sent ("bot's message: **86%
# [\[1\]](#a1-src-1)**…", then the state's <span>): the script makes each label the text the
# message shows, whenever Gradio writes it.
JS = """
() => {
  const SAYS = "'s message: ";
  const relabel = () => {
    for (const message of document.querySelectorAll('#chat [aria-label]')) {
      const label = message.getAttribute('aria-label');
      if (!label.includes(SAYS)) continue;
      const plain = label.split(SAYS)[0] + SAYS + message.textContent.replace(/\\s+/g, ' ').trim();
      if (label !== plain) message.setAttribute('aria-label', plain);
    }
  };
  new MutationObserver(relabel).observe(document.body, {subtree: true, childList: true,
    characterData: true, attributeFilter: ['aria-label']});
  document.addEventListener('click', (event) => {
    const link = event.target.closest('a[href^="#a"]');
    if (!link) return;
    const target = document.getElementById(link.getAttribute('href').slice(1));
    if (!target || !target.classList.contains('source')) return;
    event.preventDefault();
    event.stopPropagation();
    const group = target.closest('details');
    if (group) group.open = true;
    document.querySelectorAll('.source.active').forEach((el) => el.classList.remove('active'));
    target.classList.add('active');
    target.scrollIntoView({behavior: 'smooth', block: 'center'});
  }, true);
}
"""


def escape_markdown(text: str) -> str:
    """Text shown literally in Markdown: HTML escaped, Markdown syntax backslashed, and web
    addresses made into links that go where they say."""
    parts, last = [], 0
    for match in _URL.finditer(text):
        parts.append(_escaped(text[last:match.start()]))
        url = match.group()
        parts.append(f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">'
                     f"{_escaped(url)}</a>")
        last = match.end()
    parts.append(_escaped(text[last:]))
    return "".join(parts)


def _escaped(text: str) -> str:
    return _MARKDOWN_SPECIAL.sub(r"\\\1", html.escape(text, quote=False))


def bubble(markdown: str, state: str) -> str:
    """An answer bubble's content: its text, then its state as the page shows it."""
    label = {"answering": "", "checking": "checking citations…", "done": ""}[state]
    return f'{markdown}\n\n<span class="answer-state state-{state}" role="status">{label}</span>'


def answer_markdown(answer: Answer, number: int = 1) -> str:
    """Answer `number` of the chat as Markdown, each [n] a link to its source n in the panel."""
    text = _cited(escape_markdown(answer.text), number)
    text = text.replace("\n", "  \n")
    paragraphs = text.split("  \n  \n")
    if answer.short_answer:  # the first paragraph is the short answer: in bold, above the quotes
        paragraphs[0] = f"**{paragraphs[0]}**"
    if answer.conflicts:  # then the sources' disagreement, marked as a warning
        at = 1 if answer.short_answer else 0
        paragraphs[at] = f"⚠️ *{paragraphs[at]}*"
    text = "  \n  \n".join(paragraphs)
    if answer.notice:
        text = f"*⚠️ {escape_markdown(answer.notice)}*  \n\n{text}"
    if answer.answerer != "extractive":
        text += f"  \n\n<sub>written by {escape_markdown(answer.answerer)}, checked against the sources</sub>"
    if answer.as_of and answer.as_of != datetime.date.today().isoformat():
        text += f"  \n\n<sub>as of {escape_markdown(when.spoken(answer.as_of))}</sub>"
    undated = "" if answer.refused else when.undated_note(
        answer.as_of, [(c.n, c.date) for c in answer.citations])
    if undated:
        text += f"  \n\n<sub>{_cited(escape_markdown(undated), number)}</sub>"
    return text


def _cited(markdown: str, number: int) -> str:
    """Escaped Markdown with each [n] a link to source n of answer `number` in the panel."""
    return _MARKER.sub(rf"[\[\1\]](#a{number}-src-\1)", markdown)


def kept_answer(number: int, answer: Answer, sources: list[Source]) -> dict:
    """What the browser keeps of answer `number` for the sources panel: its question and sources."""
    return {"number": number, "question": answer.question, "refused": answer.refused,
            "sources": [source.to_dict() for source in sources]}


def sources_html(answers: list[dict]) -> str:
    """The sources panel: each answer's sources under its question, the newest first and open.

    `answers` are `kept_answer`s; the elements are named by answer (`a3-src-1`), so an older
    answer's citations still open its own quotes.
    """
    groups: list[str] = []
    for answer in reversed(answers):
        number, sources = answer["number"], [Source(**source) for source in answer["sources"]]
        if answer["refused"]:
            body = "<p><b>No answer in the articles.</b> Closest passages:</p>"
        else:
            body = "" if sources else "<p>No sources.</p>"
        body += "".join(_source_block(number, source) for source in sources)
        count = counted(len(sources), "source")
        groups.append(f'<details class="answer-sources" id="a{number}-sources"'
                      f'{" open" if not groups else ""}><summary title="{html.escape(answer["question"])}">'
                      f"<span>Answer {number} · {html.escape(answer['question'])} · {count}</span>"
                      f"</summary>{body}</details>")
    return "".join(groups)


def _source_block(number: int, source: Source) -> str:
    """One source: its article named (the doc_id as a tooltip), the quote marked in its paragraph."""
    kind, label = ("related", f"Related {source.n}") if source.related else ("src", f"[{source.n}]")
    name = _link(source.url, source.name)
    meta = " · ".join([name] + [html.escape(x) for x in (shown_date(source.date), source.publisher) if x])
    copies = ", ".join(_link(url, outlet) for outlet, url in source.also)
    also = f'<div class="source-also">Also in: {copies}</div>' if copies else ""
    return (f'<div class="source" id="a{number}-{kind}-{source.n}"><div class="source-head" '
            f'title="{html.escape(source.doc_id)}">{html.escape(label)} {meta}</div>{also}'
            f"<p>{html.escape(source.before)}<mark>{html.escape(source.quote)}</mark>"
            f"{html.escape(source.after)}</p></div>")


def _link(url: str, text: str) -> str:
    """`text` escaped, as a link to `url` when that is a web address."""
    if not is_link(url or ""):
        return html.escape(text)
    return (f'<a href="{html.escape(url)}" target="_blank" rel="noopener noreferrer">'
            f"{html.escape(text)}</a>")


def kept_chat(history: list[dict], answers: list[dict]) -> dict:
    """What the browser keeps of the chat: its messages as shown, and each answer's sources."""
    return {"chat": [{"role": m["role"], "content": _text(m["content"])} for m in history
                     if m.get("role") in ("user", "assistant")],
            "answers": answers}


def restored(kept) -> tuple[list[dict], list[dict]]:
    """The chat and its answers' sources as the browser kept them; nothing if they do not read
    (kept by another version of newsdesk)."""
    try:
        chat, answers = list(kept["chat"]), list(kept["answers"])
        sources_html(answers)
        if not all(m["role"] in ("user", "assistant") and isinstance(m["content"], str) for m in chat):
            raise ValueError
    except (TypeError, KeyError, ValueError):
        return [], []
    return chat, answers


def article_html(article: Article, text: str, read_only: bool) -> str:
    """An article in full, escaped: its name (the doc_id as a tooltip), byline, and text."""
    meta = [shown_date(article.date), article.publisher, article.author and f"by {article.author}",
            counted(article.words, "word")]
    link = (f' · <a href="{html.escape(article.url)}" target="_blank" rel="noopener noreferrer">'
            "original</a>" if article.url.startswith(("http://", "https://")) else "")
    note = ("<p><i>This newsdesk is read-only: articles cannot be removed here.</i></p>"
            if read_only else "")
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n") if p.strip())
    return (f'<div class="article-view state-open"><h3 title="{html.escape(article.doc_id)}">'
            f"{html.escape(article.name)}</h3><p class=\"article-meta\">"
            f"{html.escape(' · '.join(x for x in meta if x))}{link}</p>{note}"
            f'<div class="article-text">{paragraphs}</div></div>')


def article_rows(articles: list[Article]) -> list[list[str]]:
    """The Articles table: name, date, publisher, size."""
    return [[a.name, shown_date(a.date), a.publisher, counted(a.words, "word")] for a in articles]


def pieces(text: str, words: int = 6) -> list[str]:
    """`text` in runs of a few words, to stream an answer that arrived whole."""
    parts = re.split(r"(\s+)", text)
    return ["".join(parts[i:i + 2 * words]) for i in range(0, len(parts), 2 * words)]


def _text(content) -> str:
    """A chat message's text, whichever shape Gradio gives it in."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(_text(part) for part in content)
    if isinstance(content, dict):
        return str(content.get("text") or content.get("content") or "")
    return ""


def prior_turns(history: list[dict]) -> list[dict]:
    """The chat so far as plain turns: what was said, without the page's markup."""
    return [{"role": m["role"], "content": _plain(_text(m["content"]))} for m in history
            if m.get("role") in ("user", "assistant")]


def _plain(shown: str) -> str:
    """A message as typed or written, from its escaped form in the chat."""
    return html.unescape(re.sub(r"<[^>]+>", "", _ESCAPED.sub(r"\1", _STATE.sub("", shown)))).strip()




def state_block(kind: str, state: str, markdown: str) -> str:
    """`markdown` in a block whose class says what it reports and its state (`upload-state
    state-done`): what a test waits on."""
    return f'<div class="{kind} state-{state}">\n\n{markdown}\n\n</div>'


def arrivals(count: int, last_looked: str) -> str:
    """The "N new since you last looked" line ("" on a first visit), in its block."""
    line = "" if not last_looked else "No new articles since you last looked." if not count \
        else f"**{counted(count, 'new article')}** since you last looked."
    return state_block("arrivals", "done", line)
