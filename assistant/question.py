"""Reading a question: what kind of answer it wants, and the constraints an answer must satisfy.

General English question patterns only — nothing here knows about any particular collection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

from .text import YEAR, canonical, content_stems, normalize_word, stem, stopwords, words

MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
          "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"}

# Nouns that name a measurement rather than the thing measured: "gold output" → the hard term is "gold".
MEASURE_NOUNS = {
    "output", "production", "exports", "export", "imports", "import", "reserves", "reserve",
    "price", "prices", "value", "revenue", "revenues", "deposits", "deposit", "extraction", "mining", "supply",
    "demand", "consumption", "share", "growth", "volume", "stockpiles", "capacity", "investment", "market",
    # agents: "a producer of copper", "tin exporters"
    "producer", "producers", "exporter", "exporters", "importer", "importers", "supplier", "suppliers",
    "consumer", "consumers", "miner", "miners",
}
# Words that only say what is being asked; never required to appear in the passage.
QUESTION_WORDS = {
    "what", "which", "who", "whom", "whose", "when", "where", "why", "how", "much", "many", "did", "does", "do",
    "was", "were", "is", "are", "the", "according", "name", "list", "tell", "give", "figure", "amount", "number",
    "total", "level", "documents", "document", "text", "source", "sources", "say", "says", "state", "stated",
    "reported", "report", "estimated", "approximately", "roughly", "about", "exactly", "year", "kind", "type",
    "percentage", "percent", "far", "range", "rate", "held", "located", "situated", "based", "take", "took",
    "place",
}
_ROLE_WORDS = {"ceo", "chairman", "chair", "minister", "head", "director", "president", "founder", "geologist",
               "deputy", "spokesperson", "analyst", "chief", "governor", "official", "secretary", "manager"}
_ORG_HINTS = {"company", "companies", "firm", "group", "organization", "organisation", "exchange", "subsidiary",
              "university", "universities", "institution", "institutions", "agency", "enterprise", "producer", "bank",
              "conglomerate", "website", "service", "survey", "owner", "operator", "partner", "partners"}
_AUX = {"did", "does", "do", "was", "were", "is", "are", "has", "have", "had", "will", "would", "can", "could",
        "should", "might", "may"}
_UNITS = {"tons", "tonnes", "ton", "tonne", "kg", "kilograms", "grams", "ounces", "barrels", "units", "times"}
_PLACE_HINTS = {"country", "countries", "region", "regions", "province", "provinces", "city", "cities", "where",
                "site", "sites", "area", "areas", "valley", "zone", "zones", "town", "nation", "nations", "destination",
                "place", "location", "located", "ridges", "deposit"}


@dataclass
class Question:
    text: str
    kind: str  # quantity | money | percent | date | person | org | place | list | explain
    years: set[str] = field(default_factory=set)
    entities: list[str] = field(default_factory=list)  # proper names as written, e.g. "Kazakhstan", "ERG"
    terms: list[str] = field(default_factory=list)  # stemmed content terms (entities and years included)
    hard_terms: set[str] = field(default_factory=set)  # stems the passage must contain (the measured thing)
    plural: bool = False
    wh_noun: str = ""  # stem of the noun after which/what ("which valley" → "valley")

    @property
    def numeric(self) -> bool:
        return self.kind in ("quantity", "money", "percent")

    @cached_property
    def asked(self) -> set[str]:
        """The stems of what the question names: its entities' words and its terms."""
        return {canonical(stem(w)) for e in self.entities for w in words(e)} | set(self.terms)


def _entities(q: str) -> list[str]:
    """Capitalised words and runs (not the question's first word unless it is clearly a name)."""
    out: list[str] = []
    tokens = re.findall(r"[A-Z][\w’'&.-]*(?:\s+[A-Z][\w’'&.-]*)*", q)
    first = words(q)[0] if words(q) else ""
    stops = stopwords() | QUESTION_WORDS | _ROLE_WORDS | MONTHS
    for tok in tokens:
        parts = [p for p in tok.split() if normalize_word(p.strip(".")) not in stops]
        if tok.split()[0] == first and normalize_word(first) in stops | {"and", "in", "for", "by"}:
            parts = [p for p in tok.split()[1:] if normalize_word(p) not in stops]
        name = " ".join(parts).strip(" .")
        name = re.sub(r"[’']s$", "", name)
        if name and not YEAR.fullmatch(name):
            out.append(name)
    return out


def classify(q: str) -> tuple[str, bool]:
    # "value-added" naming a table or an exporter is a label, not a request for money
    low = re.sub(r"\bvalue[- ]added\s+(?=(\w+\s+)?(tables?|metrics|exporters?|importers?|hubs?|projects?)\b)", "",
                 q.lower())
    ws = [normalize_word(w) for w in words(low)]
    wset = set(ws)
    plural = False
    if re.search(r"\b(percent|percentage|%|share of|what share|growth rate|growth|by how much|how much .*\b(fall|fell|drop|"
                 r"decline|declined|rise|rose|increase|increased|grow|grew|decrease|decreased|change)\b)", low) \
            and not re.search(r"\b(tons?|tonnes?|kg|dollars?|\$)\b", low):
        return "percent", plural
    if re.search(r"\b(when|what year|which year|what date|which date|what month|which month|what day|since when)\b", low):
        return "date", plural
    if re.search(r"\b(how much (money|(did|will|does|do|would|has|have) .* (cost|invest|spend|pay|raise|earn))|cost|costs|"
                 r"invest(ed|ment)?|spend|spent|pay|paid|"
                 r"price|prices|priced|worth|revenue|revenues|value added|value|dollars?|usd|yuan|tenge|spent|"
                 r"offer price|earnings|income|tax(es)? revenue|\$)\b", low) and not re.search(r"\bwhich\b", low):
        return "money", plural
    if re.search(r"\b(how many|how much|how large|how big|how high|what quantity|what volume|output|production|"
                 r"produce[ds]?|reserves?|tons?|tonnes?|capacity|volume|imports?|exports?)\b", low) \
            and not re.search(r"\b(which|who|why|where|when)\b", low):
        return "quantity", plural
    if re.match(r"\s*(who|whom|whose)\b", low) or (wset & _ROLE_WORDS and re.search(r"\b(who|name)\b", low)):
        return "person", plural
    m = re.search(r"\b(which|what)\s+((?:\w+\s+){0,5}\w+)", low)
    if m:
        following = [normalize_word(x) for x in m.group(2).split()]
        hinted = [x for x in following if x in _ORG_HINTS | _PLACE_HINTS | _ROLE_WORDS
                  or x.rstrip("s") in _ORG_HINTS | _PLACE_HINTS]
        noun = hinted[0] if hinted else (following[1] if following[0] in _AUX and len(following) > 1 else following[0])
        plural = noun.endswith("s") and not noun.endswith("ss")
        if noun in _ORG_HINTS or noun.rstrip("s") in _ORG_HINTS:
            return ("list" if plural else "org"), plural
        if noun in _PLACE_HINTS or noun.rstrip("s") in _PLACE_HINTS:
            return ("list" if plural else "place"), plural
        if noun in _ROLE_WORDS:
            return "person", plural
        if plural and noun not in ("is", "was", "does", "did", "has"):
            return "list", plural
    if re.match(r"\s*where\b", low):
        return "place", plural
    if re.match(r"\s*(name|list)\b", low):
        return "list", True
    return "explain", plural


def analyze(q: str) -> Question:
    kind, plural = classify(q)
    years = set(YEAR.findall(q))
    entities = _entities(q)
    drop = {stem(w) for w in QUESTION_WORDS}
    wh_noun = re.search(r"\b(?:which|what)\s+(\w+)", q.lower())
    wh = ""
    if wh_noun and kind in ("org", "place", "list", "person"):
        wh = canonical(stem(wh_noun.group(1)))
        drop.add(wh)  # "which city": the answer's type, not a word it contains
    terms = [t for t in content_stems(q) if t not in drop]
    hard: set[str] = set()
    ws = [normalize_word(w) for w in words(q)]
    stops = stopwords() | QUESTION_WORDS
    for i, w in enumerate(ws):
        if w in MEASURE_NOUNS:
            # "gold output", "zinc production": the word before names the measured thing
            if i > 0 and ws[i - 1] not in stops and ws[i - 1].isalpha() and ws[i - 1] not in MEASURE_NOUNS:
                hard.add(stem(ws[i - 1]))
            # "production of copper"
            if i + 2 < len(ws) and ws[i + 1] == "of" and ws[i + 2] not in stops and ws[i + 2].isalpha():
                hard.add(stem(ws[i + 2]))
        # "how much gold", "how many more tons of zinc": the counted thing
        if w in ("much", "many") and i > 0 and ws[i - 1] == "how":
            # the noun phrase up to the verb: "how much refined gold did" → "gold"; "how many tons of ore" → "ore"
            phrase = []
            for x in ws[i + 1 :]:
                if x in _AUX:
                    break
                phrase.append(x)
            if "of" in phrase:
                phrase = phrase[phrase.index("of") + 1 :]
            nouns = [x for x in phrase if x.isalpha() and x not in stops and x not in MEASURE_NOUNS and x not in _UNITS
                     and x not in ("more", "less", "fewer", "additional", "extra")]
            if nouns:
                hard.add(stem(nouns[-1]))
    if kind == "person":
        hard |= {stem(w) for w in ws if w in _ROLE_WORDS or stem(w) in {stem(r) for r in _ROLE_WORDS}}
    entity_stems = {stem(w) for e in entities for w in words(e)}
    hard = {canonical(h) for h in hard - entity_stems}  # entities are checked on their own
    return Question(q, kind, years, entities, terms, hard, plural, wh)
