"""LLM answer mode: any OpenAI-compatible endpoint through llama-index's `OpenAILike`.

Retrieval and candidate passages are the extractive pipeline's; the model writes the answer over numbered
passages, and the answer is checked before anyone sees it: links, images and HTML tags are stripped from the
model's text (a document can ask the model to write a beacon), [n] markers that point at no passage are removed,
a sentence with no valid citation, or whose figures are not in the passages it cites, is dropped, and an answer
left with no valid citation — or a timeout, an HTTP error, an empty reply — falls back to the extractive answer,
with the reason. Streaming shows only sentences that passed these checks.

Passages go into the prompt as JSON strings with `<` and `>` escaped: one line each, so a document line such as
`</sources>` or `Question: …` stays inside its passage and cannot close the block or pose as the question.
"""

from __future__ import annotations

import json
import re
from typing import Iterator

from .answerer import ExtractiveAnswerer
from .citing import citation_for
from .candidates import Candidate
from .prompts import load_prompt
from .text import numbers_in, sentence_spans
from .types import Answer, Hit

REFUSAL = "NOT_IN_DOCUMENTS"
_MARKER = re.compile(r"\s?\[(\d+)\]")


def make_llm(settings):
    from llama_index.llms.openai_like import OpenAILike

    return OpenAILike(
        model=settings.llm_model, api_base=settings.llm_base_url, api_key=settings.llm_api_key or "not-needed",
        timeout=settings.llm_timeout, max_retries=0, is_chat_model=True, temperature=0.0,
    )


_IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")  # ![alt](url)
_LINK = re.compile(r"(?<!!)\[([^\]]*)\]\([^)]*\)")  # [text](url) → text
_REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s*\S+.*$", re.M)  # [id]: url
_HTML_TAG = re.compile(r"</?[A-Za-z][^<>]*>|<!--.*?-->", re.S)
_URL = re.compile(r"\b(?:https?|ftp|file|javascript|data):[^\s)\]]*|\bwww\.[^\s)\]]+", re.I)


def strip_markup(text: str) -> str:
    """The model's text with no image, link, URL or HTML tag left in it: the page renders answers, and a reply
    steered by a document could otherwise load a beacon or offer a link to another host."""
    text = _IMAGE.sub("", text)
    text = _LINK.sub(lambda m: m.group(1) if not m.group(1).strip().isdigit() else "", text)
    text = _REFERENCE_LINK.sub("", text)
    text = _HTML_TAG.sub("", text)
    return _URL.sub("", text)


def quote_passage(text: str) -> str:
    """A passage as one prompt line: a JSON string (newlines and quotes escaped) with `<` and `>` escaped too."""
    return json.dumps(" ".join(text.split()), ensure_ascii=False).replace("<", "\\u003c").replace(">", "\\u003e")


def _sentences(text: str) -> list[str]:
    """The sentences of `text`, a citation written after the full stop ("… in 2024. [1]") kept with its sentence."""
    out: list[str] = []
    for a, b in sentence_spans(text):
        sentence = text[a:b]
        if out and not _MARKER.sub("", sentence).strip(" .!?…"):
            out[-1] += " " + sentence
        elif _MARKER.sub("", sentence).strip(" .!?…"):
            out.append(sentence)
    return out


def check_answer(text: str, sources: list[Candidate], facts: frozenset[str] = frozenset()
                 ) -> tuple[str, list[int], list[str]]:
    """Validate a model's answer against its sources. `facts`: figures computed and checked from the sources (a
    computed answer's result), which a sentence may state besides the sources' own.

    Returns (answer text renumbered in order of first use, the source indexes used in that order, problems).
    """
    problems: list[str] = []
    kept: list[str] = []
    order: list[int] = []
    for sentence in _sentences(strip_markup(text)):
        cited = [int(n) for n in _MARKER.findall(sentence)]
        valid = [n for n in cited if 1 <= n <= len(sources)]
        if len(valid) < len(cited):
            problems.append(f"removed citation(s) to missing source(s) {sorted(set(cited) - set(valid))}")
        body = _MARKER.sub("", sentence).strip()
        if not valid:  # every sentence rests on a passage: an uncited one may be a document's injected text
            problems.append(f"dropped a sentence with no valid citation: “{body}”")
            continue
        figures = numbers_in(body)
        if figures:
            supported = set().union(*(numbers_in(sources[n - 1].text) for n in valid)) if valid else set()
            supported |= facts
            if not figures <= supported:
                problems.append(f"dropped a sentence whose figures are not in its cited passages: “{body}”")
                continue
        for n in valid:
            if n not in order:
                order.append(n)
        marks = "".join(f" [{order.index(n) + 1}]" for n in dict.fromkeys(valid))
        core, end = re.match(r"(.*?)([.!?…]*)$", body, re.S).groups()
        kept.append(core + marks + end)  # "… in 2024 [1]." — markers before the full stop
    return " ".join(kept).strip(), order, problems


class LLMAnswerer:
    def __init__(self, llm, fallback: ExtractiveAnswerer, prompts_dir=None, max_sources: int = 6):
        self.llm = llm
        self.fallback = fallback
        self.max_sources = max_sources
        self.system = load_prompt("system", prompts_dir)
        self.template = load_prompt("answer", prompts_dir)
        self.condense_template = load_prompt("condense", prompts_dir)

    def _messages(self, prompt: str):
        from llama_index.core.llms import ChatMessage

        return [ChatMessage(role="system", content=self.system), ChatMessage(role="user", content=prompt)]

    def condense(self, question: str, history: list[tuple[str, str]], rule_based: str) -> str:
        """A standalone question from the model; the rule-based one when the model is unavailable."""
        if not history:
            return question
        convo = "\n".join(f"User: {q}\nAssistant: {a}" for q, a in history[-4:])
        try:
            reply = self.llm.chat(self._messages(self.condense_template.format(history=convo, question=question)))
            text = (reply.message.content or "").strip().splitlines()[0].strip() if reply.message.content else ""
        except Exception:
            return rule_based
        return text if 3 <= len(text) <= 500 else rule_based

    def sources_for(self, question: str, hits: list[Hit]) -> list[Candidate]:
        """The passages the model is given: the extractive answerer's best-scored candidates."""
        scored = self.fallback.rank(self.fallback.read(question, self.fallback.embedder.embed_query(question)), hits)
        return [s.candidate for s in scored[: self.max_sources]]

    def stream(self, question: str, hits: list[Hit]) -> Iterator[str | Answer]:
        """Yields the model's text as it arrives, then the checked `Answer`."""
        sources = self.sources_for(question, hits)
        if not sources:
            yield self._fallback(question, hits, "no passages were retrieved")
            return
        fact = self._computed_fact(question, hits, sources)
        allowed = frozenset(numbers_in(fact.split(" = ")[0])) if fact else frozenset()
        listing = "\n".join(f"[{i}] ({quote_passage(u.chunk.title)}, {u.chunk.date or 'no date'}) "
                            f"{quote_passage(u.text)}" for i, u in enumerate(sources, start=1))
        facts = (f"Checked computation (exact, from the sources cited): {fact}".replace("<", "\\u003c")
                 .replace(">", "\\u003e") if fact else "")
        messages = self._messages(self.template.format(sources=listing, question=" ".join(question.split()),
                                                       facts=facts))
        text, shown = "", ""
        try:
            for part in self.llm.stream_chat(messages):
                text = part.message.content or ""
                checked = self._checked_so_far(text, sources, allowed)
                if len(checked) > len(shown):
                    shown = checked
                    yield shown
        except Exception as exc:  # timeouts, connection and HTTP errors all fall back
            yield self._fallback(question, hits, f"the language model failed ({_reason(exc)})")
            return
        yield self._checked(question, hits, text.strip(), sources, allowed)

    def _computed_fact(self, question: str, hits: list[Hit], sources: list[Candidate]) -> str:
        """The extractive answerer's computed answer as one line for the prompt — "306.2 thousand = (1,452.4 −
        1,146.2) [2][1]" — with each operand's passage among the sources (added when missing): the model states the
        checked result instead of doing arithmetic, which models get wrong."""
        vector = self.fallback.embedder.embed_query(question)
        ans = self.fallback.answer(question, hits, vector)
        if ans.kind != "computed":
            return ""
        numbers = []
        for cit in ans.citations:
            n = next((i for i, u in enumerate(sources, start=1)
                      if u.chunk.id == cit.chunk_id and u.source_span[0] == cit.start), None)
            if n is None:
                scored = self.fallback.rank(self.fallback.read(question, vector), hits)
                extra = next((s.candidate for s in scored if s.candidate.chunk.id == cit.chunk_id
                              and s.candidate.source_span[0] == cit.start), None)
                if extra is None:
                    return ""
                sources.append(extra)
                n = len(sources)
            numbers.append(n)
        formula = ans.text[len(ans.value):].strip()
        for i, n in enumerate(numbers, start=1):
            formula = formula.replace(f"[{i}]", f"[#{n}]")
        return f"{ans.value} = {formula.replace('[#', '[')}"

    @staticmethod
    def _checked_so_far(text: str, sources: list[Candidate], allowed: frozenset[str] = frozenset()) -> str:
        """The checked text of the sentences the model has finished (all but the last begun, which may grow): what
        may be shown while it writes. A prefix of the final answer, which checks each sentence the same way."""
        if REFUSAL in text:
            return ""
        spans = sentence_spans(strip_markup(text))
        if len(spans) < 2:
            return ""
        done = strip_markup(text)[: spans[-1][0]]
        return check_answer(done, sources, allowed)[0]

    def answer(self, question: str, hits: list[Hit]) -> Answer:
        final = None
        for part in self.stream(question, hits):
            final = part
        return final

    def _checked(self, question: str, hits: list[Hit], text: str, sources: list[Candidate],
                 allowed: frozenset[str] = frozenset()) -> Answer:
        if not text:
            return self._fallback(question, hits, "the language model returned an empty reply")
        if REFUSAL in text:
            ans = self.fallback.answer(question, hits)
            if ans.abstained:
                ans.mode = "llm"
                return ans
            ans.note = "the language model found no answer; extractive answer shown"
            return ans
        checked, order, problems = check_answer(text, sources, allowed)
        if not order:
            return self._fallback(question, hits, "the language model's answer had no valid citation"
                                  + (f" ({'; '.join(problems)})" if problems else ""))
        citations = [citation_for(i, sources[n - 1], None) for i, n in enumerate(order, start=1)]
        conflict = bool(re.search(r"\b(disagree|differ|conflict|inconsistent)", checked, re.I))
        return Answer(checked, citations, conflict=conflict, mode="llm", note="; ".join(problems))

    def _fallback(self, question: str, hits: list[Hit], reason: str) -> Answer:
        ans = self.fallback.answer(question, hits)
        ans.note = f"{reason}; extractive answer shown"
        return ans


def _reason(exc: Exception) -> str:
    name = type(exc).__name__
    status = getattr(exc, "status_code", None)
    if "Timeout" in name:
        return "timed out"
    return f"{name}{f' {status}' if status else ''}"
