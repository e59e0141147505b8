"""Follow-up questions: rewrite a question that leans on the conversation into one that stands alone.

Only two things make a question depend on the conversation: a pronoun with nothing in the question to refer to
("How much did it cost?") and an ellipsis, a fragment that only makes sense as a variation of the previous question
("And in 2023?", "what about Norway?", "and for a repeat offence?", "the second one?"). Anything else is returned
unchanged. The grammar comes from spaCy's small English pipeline (tags, dependency parse, entities, noun chunks),
so nothing here knows about any topic; the rewrite only ever swaps or adds whole phrases of the two questions.
"""

from __future__ import annotations

import re
from functools import lru_cache

YEAR = re.compile(r"\b(?:1[5-9]|20)\d{2}\b")

# Pronouns whose referent lies outside a question; "that", "this"... only count when they stand alone (not "this bridge").
PERSONAL = {"it", "its", "they", "them", "their", "he", "she", "his", "her", "him"}
DEMONSTRATIVE = {"this", "that", "these", "those"}
PERSON_PRONOUNS = {"he", "she", "his", "her", "him"}
# Entity labels that name a thing a question can be about (not dates, amounts or ordinals).
NAMED = {"PERSON", "NORP", "FAC", "ORG", "GPE", "LOC", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE"}
PLACES = {"GPE", "LOC", "FAC"}
CLAUSE_DEPS = {"ROOT", "ccomp", "advcl", "relcl", "xcomp", "csubj", "pcomp"}
# Openers that turn a fragment into "the previous question, but with ...".
ELLIPSIS_OPENERS = re.compile(r"^\s*(?:(?:and|but|so|also)\s+)?(?:(?:what|how)\s+about|what\s+of)\s+", re.I)
LEADING_CONJUNCTION = re.compile(r"^\s*(?:and|but|so|also)\b[\s,]*", re.I)

def nlp():
    """The spaCy pipeline, whole (the parse is needed), loaded on first use and once per process (0.25 s)."""
    from .spans import load_spacy

    return load_spacy()


@lru_cache(maxsize=512)
def parse(text: str):
    return nlp()(text)


def standalone_question(question: str, history: list[tuple[str, str]]) -> str:
    """Resolve `question` against the conversation, oldest turn first (each turn resolved against the one before)."""
    previous = ""
    for prev_q, _answer in history or []:
        previous = resolve(prev_q, previous) if previous else prev_q.strip()
    return resolve(question, previous) if previous else question


def resolve(question: str, previous: str) -> str:
    """`question` as a self-contained question, given the previous (already standalone) question."""
    q = question.strip()
    if not previous.strip() or not q:
        return q
    if is_ellipsis(q):
        return _fill_ellipsis(q, previous.strip()) or q
    dangling = dangling_pronouns(parse(q))
    if dangling:
        return _replace_pronouns(q, dangling, previous.strip()) or q
    return q


# -- deciding whether a question needs the conversation ---------------------------------------------------------

def is_ellipsis(question: str) -> bool:
    """"what about 2023?", "And in 2023?", "the second one?": an explicit opener or a fragment without a verb."""
    if ELLIPSIS_OPENERS.match(question):
        return True
    body = LEADING_CONJUNCTION.sub("", question)
    doc = parse(body)
    words = [t for t in doc if not t.is_punct]
    return bool(words) and not any(t.pos_ in ("VERB", "AUX") for t in words)


def dangling_pronouns(doc) -> list:
    """The pronoun tokens of `doc` that nothing earlier in the question can stand for."""
    return [t for t in doc if _is_referring_pronoun(t) and not _has_antecedent(doc, t)]


def _is_referring_pronoun(t) -> bool:
    low = t.lower_
    if low in PERSONAL:
        return t.pos_ == "PRON"
    if low in DEMONSTRATIVE:  # "that" as a conjunction or relative pronoun (IN / WDT) refers to nothing outside
        return t.tag_ == "DT" and t.dep_ != "det"
    if low == "there":  # "How many live there?" (an adverb), not "Is there a fee?" (existential)
        return t.tag_ == "RB"
    return False


def _clause(t):
    """The head of the clause `t` belongs to: pronouns in another clause may refer back across it."""
    while t.dep_ not in CLAUSE_DEPS and not (t.dep_ == "conj" and t.pos_ in ("VERB", "AUX", "ADJ")) and t.head is not t:
        t = t.head
    return t


def _has_antecedent(doc, pronoun) -> bool:
    """A name anywhere before the pronoun, or a noun in an earlier clause ("When did the bridge open and how much did
    it cost?"), or any noun before a possessive ("did the bridge add to its cost")."""
    for chunk in doc.noun_chunks:
        if chunk.end > pronoun.i:
            break
        root = chunk.root
        if root.pos_ == "PRON" or root.tag_ in ("WP", "WDT"):
            continue
        if _is_named(chunk) or pronoun.tag_ == "PRP$" or _clause(root).i != _clause(pronoun).i:
            return True
    return False


def _is_named(span) -> bool:
    return any(t.pos_ == "PROPN" for t in span) or any(t.ent_type_ in NAMED for t in span)


# -- pronouns ---------------------------------------------------------------------------------------------------

def _replace_pronouns(question: str, pronouns: list, previous: str) -> str:
    doc = parse(question)
    prev = parse(previous)
    out: list[str] = []
    targets = {t.i for t in pronouns}
    for t in doc:
        if t.i in targets:
            subject = (_is_bare_subject(t) and measured_thing(prev)) or subject_of(prev, t.lower_)
            if not subject:
                return ""
            out.append(_pronoun_replacement(t, subject) + t.whitespace_)
        elif t.i == 0 and t.pos_ == "CCONJ":  # "And how much did it cost?" → drop the dangling "And"
            continue
        else:
            out.append(t.text_with_ws)
    text = "".join(out).strip()
    text = text[:1].upper() + text[1:]
    asks_when = any(t.lower_ == "when" and t.tag_ == "WRB" for t in doc)
    if not YEAR.search(text) and not asks_when:  # the previous question's time frame still holds ("in 2024")
        frame = _time_frame(prev)
        if frame:
            text = _append_phrase(text, frame)
    return text


def _pronoun_replacement(t, subject: str) -> str:
    low = t.lower_
    if t.i > 0 and subject.split()[0] in ("The", "A", "An"):
        subject = subject[0].lower() + subject[1:]
    if low in ("its", "their", "his", "her") and t.tag_ == "PRP$":
        return subject + ("'" if subject.endswith("s") else "'s")
    if low == "there":
        return "in " + subject
    return subject


def subject_of(prev, pronoun: str = "it") -> str:
    """What the previous question is about: the noun phrase holding its name (a person for he/she, a place for
    there, preferably not a person for it/they), else its first plain noun phrase."""
    chunks = [c for c in prev.noun_chunks if c.root.pos_ != "PRON" and c.root.tag_ not in ("WP", "WDT")]
    named = [c for c in chunks if _is_named(c)]

    def label(c) -> str:
        return next((t.ent_type_ for t in c if t.ent_type_ in NAMED), "")

    if pronoun in PERSON_PRONOUNS:  # "she" never stands for a company: no person named, no rewrite
        return next((_strip_possessive(c.text) for c in named if label(c) == "PERSON"), "")
    elif pronoun == "there":
        preferred = [c for c in named if label(c) in PLACES]
    else:
        preferred = [c for c in named if label(c) != "PERSON"]
    for group in (preferred, named, chunks):
        if group:
            return _strip_possessive(group[0].text)
    return ""


def _is_bare_subject(t) -> bool:
    """"By how much did it fall?": "it" is the subject of an active verb with no object — it stands for the
    quantity the previous question measured, not for whoever the previous question named."""
    if t.lower_ != "it" or t.dep_ != "nsubj":
        return False
    if any(c.dep_ in ("dobj", "attr", "acomp", "oprd") for c in t.head.children):
        return False
    # the parser sometimes attaches a fronted object ("How many workers did it employ?") elsewhere: any other noun
    # phrase that is not inside a prepositional phrase counts as an object too
    return not any(c.root.i != t.i and c.root.dep_ not in ("pobj", "npadvmod", "pcomp") for c in t.doc.noun_chunks)


def measured_thing(prev) -> str:
    """"How much refined copper did Norland produce?" → "Norland's refined copper": the singular noun a
    how-much/how-many question measures, owned by the name it is asked about; "" for other questions."""
    for chunk in prev.noun_chunks:
        words = list(chunk)
        if len(words) > 2 and words[0].lower_ == "how" and words[1].lower_ in ("much", "many") \
                and chunk.root.tag_ == "NN":
            thing = prev[words[2].i : chunk.end].text
            owners = [c for c in prev.noun_chunks if c.start != chunk.start and _is_named(c)]
            return f"{_strip_possessive(owners[0].text)}'s {thing}" if owners else thing
    return ""


def _strip_possessive(text: str) -> str:
    return re.sub(r"(?:'s|’s|'|’)$", "", text.strip())


def _time_frame(prev) -> str:
    """The previous question's "in 2024" / "during 2023" phrase, if it has one."""
    for t in prev:
        if YEAR.fullmatch(t.text) and t.head.pos_ == "ADP" and t.head.i < t.i:
            prep = t.head
            return prev[prep.i : max(prep.right_edge.i, t.i) + 1].text
    return ""


def _append_phrase(question: str, phrase: str) -> str:
    return question.rstrip(" ?") + " " + phrase + "?"


# -- ellipsis ---------------------------------------------------------------------------------------------------

def _fill_ellipsis(question: str, previous: str) -> str:
    """The previous question with the fragment's year, name, prepositional phrase or noun phrase put in place of
    its counterpart; "" when the fragment offers nothing that fits (then the question is left as it was)."""
    fragment = ELLIPSIS_OPENERS.sub("", question)
    fragment = LEADING_CONJUNCTION.sub("", fragment).strip().rstrip("?!. ").strip()
    if not fragment:
        return ""
    out, changed = previous, False

    years = YEAR.findall(fragment)
    if years:
        old = YEAR.findall(previous)
        if old:  # the i-th year named before becomes the i-th year named now, in one pass
            order = list(dict.fromkeys(old))
            out = YEAR.sub(lambda m: years[min(order.index(m.group(0)), len(years) - 1)], out)
        else:
            out = _append_phrase(out, "in " + " and ".join(years))
        changed = True
        fragment = _drop_years(fragment)
        if not fragment:
            return out

    frag = parse(fragment)
    prev = parse(out)
    first = next((t for t in frag if not t.is_punct), None)
    names = [c for c in _phrases(frag) if _is_named(c)]
    if first is not None and first.pos_ == "ADP" and first.dep_ in ("ROOT", "prep"):
        same = [t for t in prev if t.dep_ == "prep" and t.lower_ == first.lower_]
        # "and at the Oslo marina?" replaces "at the Harbin marina"; a name never replaces a phrase without one
        if same and (not names or _is_named(prev[same[0].i : same[0].right_edge.i + 1])):
            return _swap_prepositional(out, prev, frag, first)
    if names:
        return _swap_name(out, prev, names[0]) or (out if changed else "")
    if first is not None and first.pos_ == "ADP" and first.dep_ in ("ROOT", "prep"):
        return _swap_prepositional(out, prev, frag, first)
    chunk = next(iter(frag.noun_chunks), None) or (frag[:] if frag[:].root.pos_ in ("NOUN", "NUM", "PROPN") else None)
    if chunk is not None and chunk.root.pos_ == "PRON":  # "what about it?": nothing new to put in
        return out if changed else ""
    if chunk is not None:
        return _swap_noun_phrase(out, prev, chunk) or (out if changed else "")
    return out if changed else ""


def _drop_years(fragment: str) -> str:
    """What the fragment says besides its years, once they are placed: "in 2023 for Velmora" → "for Velmora"."""
    rest = re.sub(rf"\b(?:(?:in|for|during|of)\s+)?(?:the\s+year\s+)?{YEAR.pattern}(?:\s*(?:,|and|or)\s*{YEAR.pattern})*",
                  " ", fragment, flags=re.I)
    rest = re.sub(r"^\W*(?:(?:and|or)\b\W*)?|\W*(?:\b(?:and|or))?\W*$", "", rest.strip(), flags=re.I)
    return " ".join(rest.split())


def _phrases(doc):
    """Noun chunks, and named entities the chunker missed."""
    spans = list(doc.noun_chunks)
    covered = {i for s in spans for i in range(s.start, s.end)}
    spans += [e for e in doc.ents if e.label_ in NAMED and e.start not in covered]
    return spans


def _swap_name(previous: str, prev, name) -> str:
    """Put the fragment's name where the previous question's name was ("what about Norway?")."""
    new = _strip_possessive(name.text)
    new_label = next((t.ent_type_ for t in name if t.ent_type_ in NAMED), "")
    old_names = [e for e in prev.ents if e.label_ in NAMED]
    old_names += [c for c in prev.noun_chunks if _is_named(c) and not any(c.start <= e.start < c.end for e in old_names)]
    if not old_names:
        return _append_phrase(previous, ("in " if new_label in PLACES else "for ") + new)
    same = [e for e in old_names if getattr(e, "label_", "") == new_label]
    target = (same or old_names)[0]
    old = _strip_possessive(target.text)
    after = prev[target.end] if target.end < len(prev) else None
    if after is not None and after.lower_ == name.root.lower_:  # "the Harbin marina" + "the Oslo marina": "Oslo"
        new = " ".join(t.text for t in name if t.ent_type_ in NAMED or t.pos_ == "PROPN") or new
    start = target.start_char
    rest = previous[start + len(old):]
    if rest[:1] in ("'", "’") and rest[1:2] != "s" and not new.endswith("s"):  # "Kayaks' revenue" → "Water's revenue"
        rest = rest[:1] + "s" + rest[1:]
    return previous[:start] + new + rest


def _swap_prepositional(previous: str, prev, frag, prep) -> str:
    """"and for a repeat offence?": replace the previous question's phrase with the same preposition."""
    phrase = frag[prep.i : prep.right_edge.i + 1].text
    for t in prev:
        if t.dep_ == "prep" and t.lower_ == prep.lower_:
            span = prev[t.i : t.right_edge.i + 1]
            # the phrase's own trailing modifiers ("at the marina") stay
            inner = [c for c in t.children if c.dep_ == "pobj"]
            end = inner[0].i + 1 if inner else span.end
            return previous[: span.start_char] + phrase + previous[prev[end - 1].idx + len(prev[end - 1].text):]
    return _append_phrase(previous, phrase)


def _swap_noun_phrase(previous: str, prev, chunk) -> str:
    """"the second one?" after "Who was the first mayor of X?" → "Who was the second mayor of X?"; "what about profit?"
    after "What was the firm's revenue?" → "What was the firm's profit?"."""
    candidates = [c for c in prev.noun_chunks
                  if c.root.pos_ not in ("PRON", "PROPN") and c.root.tag_ not in ("WP", "WDT") and not _is_named(c)]
    if not candidates:
        return ""
    head = chunk.root
    if head.lower_ == "one":  # "the second one": the previous phrase with the fragment's modifiers
        target = next((c for c in candidates if any(t.dep_ in ("amod", "nummod") for t in c)), candidates[0])
        new = chunk[: head.i - chunk.start].text + " " + target.root.text
        return previous[: target.start_char] + new.strip() + previous[target.end_char:]
    same = [c for c in candidates if c.root.lemma_ == head.lemma_]
    if same:
        target = same[0]
        return previous[: target.start_char] + chunk.text + previous[target.end_char:]
    target = candidates[0].root  # keep the previous phrase's determiner and possessor, change what it names
    words = chunk[1:] if chunk[0].pos_ == "DET" else chunk
    return previous[: target.idx] + words.text + previous[target.idx + len(target.text):]
