"""Check each answer sentence against the one source sentence it cites, and whether it answers.

A claim is supported by a source sentence when
- every number and every date word (weekday, month, year) in it occurs in that sentence, whole
  ("18" is not in "180", nor "March" in "marched"), a number with the same scale and, where both
  name one, the same unit and currency ("113.5 grams" is not "113.5m ounces"):
  words spread over two neighbouring sentences ("sunny with highs of 18" on Tuesday, "rain"
  on Thursday) do not make "sunny on Thursday";
- every name in it occurs whole ("UK" is not in "Ukraine") in that sentence, or in the
  sentence before it where the sentence refers to it (a pronoun, an opening "the" and a noun,
  or the name's last word: "He said ...", "The country ...", "Mutu was sacked ..."), or is the
  fuller form in the article of a name the sentence uses ("Marco Rubio" for "Rubio"): a model
  that writes "Canberra" from memory fails here, and so does "the Paris talks" backed by
  "Rubio urged ..." after a sentence about Paris;
- and at least `support_threshold` of its content words (stemmed, no stopwords) are there.
A supported claim answers the question when it states the expected type of answer (a
name for "who", a date for "when", a number for "how many") and its sentence is about the
question's focus (names the person or thing asked about), so a faithful copy of an
excerpt that does not address the question is no answer. The source must score near
the best evidence sentence (twice the judge's probability that it answers is part of that
score), and a denial or a negation needs a source that negates too.

`check` applies both to every sentence the model wrote, against the evidence it was shown;
`stating` picks the evidence sentences that state the answer themselves, for quoting when
nothing the model wrote stands. Every judgement about an answer's sentences is made here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from rag.evidence import TOP_MARGIN
from rag.evidence import Sentence as EvidenceSentence
from rag.figures import amounts, readings
from rag.nlp import content_words, ends_sentence, has_number, has_word, sentence_spans
from rag.prompt import REFUSAL
from rag.question import DATE, Analysis, answer_values, demonym, holds_type, names, predicate_words, same_values

DEFAULT_THRESHOLD = 0.6
FRAGMENT_WORDS = 3
_MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
_PREAMBLE = re.compile(
    r"^\s*(?:the\s+)?(?:short\s+)?(?:answer(?:\s+is)?\s*:\s*"
    r"|(?:answer|articles?|evidence|excerpts?)\s+(?:is|are|says?|mentions?|states?|shows?)\s+(?:that\s+|:\s*))",
    re.IGNORECASE,
)
_FINISHED = re.compile(r"[.!?…\]\"'”’)]\s*$")
_CLAUSE = re.compile(r",\s+(?:which|and|but|while|as|who|where|with|after|before|stating|saying)\b|;|\s[—–-]\s")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
# A negation, a denial or a refusal ("refuse" the noun aside: "refuse collectors" refuse nothing).
_NEGATION = re.compile(
    r"\b(?:not|no|never|none|nobody|nothing|neither|nor|without|denied|denies|deny"
    r"|refus(?:e(?!\s+(?:collect|bins?\b|lorr|tips?\b|sacks?\b|workers?\b|dump|disposal))|es|ed|ing|al)"
    r"|reject(?:s|ed|ing|ion)?|turn(?:s|ed|ing)?\s+(?:[\w'’-]+\s+){0,3}?down)\b|n['’]t\b",
    re.IGNORECASE,
)
# Where what a negation governs ends: its clause ("I don't hold him responsible, but I'm ..."), or a second verb
# joined by "and" ("The union rejected the offer and called a strike": the strike is not rejected); a word in -ed
# only with an object after it ("denied he had lied and cheated", "tanks and armed vehicles" stay in scope).
_CLAUSE_END = re.compile(
    r"[,;:()\"“”—–]|\b(?:but|while|which|who|that|however|although|because)\b"
    r"|\b(?-i:and|or)\s+(?=(?-i:said|told|made|took|gave|went|began|sent|held|met|left|came|became|won|lost|paid"
    r"|kept|brought|got|spoke|wrote|chose|called|vowed|threatened|warned)\b"
    r"|(?-i:[a-z]+ed)\s+(?:a|an|the|to|that|his|her|their|its|this|these|those)\b)",
    re.IGNORECASE,
)
# A pronoun that stands for someone or something the sentence before named, or an opening "the" and a common noun
# ("The country ...", "The 25-year-old ...").
_REFERS_BACK = re.compile(
    r"\b(?i:he|she|they|him|her|them|his|hers|their|it|its)\b|^\W*(?:The|This|That|These|Those)\s+(?:\d|[a-z])"
)
NEGATION_SCOPE = 6  # words after "not" (or "n't", "never", ...) that it governs, at most


@dataclass(frozen=True)
class Claim:
    """One sentence of the model's answer, without its markers."""

    text: str
    markers: tuple[int, ...]


@dataclass(frozen=True)
class Support:
    """How well one source sentence backs one claim; `missing` names what it lacks."""

    score: float
    missing: tuple[str, ...] = ()


@dataclass(frozen=True)
class Verdict:
    """The judgement on one sentence the model wrote.

    `written` is the sentence as the model wrote it; `text` is what was judged of it (the whole
    sentence, or its leading clause when only that is backed); `evidence` is the index, in the
    evidence shown, of the sentence that backs it best; `note` says why it does not stand
    ("missing: Thursday", "states no date").
    """

    written: str
    text: str
    evidence: int
    score: float
    supported: bool
    note: str = ""


def check(
    raw: str, shown: list[EvidenceSentence], texts: dict[str, str], analysis: Analysis, threshold: float
) -> list[Verdict]:
    """A verdict for each claim in the model's reply `raw`, against the evidence sentences `shown`.

    Echoes of the question, repeats of an earlier claim and the refusal sentence are no claims
    and get no verdict. `texts` holds each cited article's text (for fuller names). The judge
    (`rag.judge`) speaks through the evidence score: a claim whose source scores far below the
    best sentence is no answer. A denial or a negation stands only on a source that negates too,
    however many words they share.
    """
    question = analysis.text
    verdicts: list[Verdict] = []
    seen: list[str] = []
    for claim in split_claims(raw):
        if claim.text.strip().rstrip(".").lower() == REFUSAL.rstrip(".").lower():
            continue
        if not informative(claim.text, question):
            continue  # an echo of the question backs nothing, however well it matches
        if any(repeats(claim.text, earlier) for earlier in seen):
            continue  # small models loop; one statement of a fact is enough
        seen.append(claim.text)
        stated = claim.text
        best_i, best = _best_sentence(stated, claim.markers, question, shown, texts, threshold)
        if best.score < threshold:
            # "X said Y, which is Z.": keep the leading clause when it alone is supported.
            for clause in leading_clauses(claim.text):
                i, s = _best_sentence(clause, claim.markers, question, shown, texts, threshold)
                if s.score >= threshold and informative(clause, question):
                    stated, best_i, best = clause, i, s
                    break
        ok = best.score >= threshold
        note = "" if ok else ("missing: " + ", ".join(best.missing) if best.missing else "unsupported")
        if ok:
            backing = shown[best_i]
            reason = answers(stated, backing.text, backing.previous, analysis)
            if reason is None and backing.score < shown[0].score - TOP_MARGIN:
                reason = "backed by a sentence that matches the question much less than the best"
            if reason:
                ok, note = False, reason
        verdicts.append(Verdict(claim.text, stated, best_i, round(best.score, 3), ok, note))
    return _negating(verdicts, shown)


def _negating(verdicts: list[Verdict], shown: list[EvidenceSentence]) -> list[Verdict]:
    """The verdicts, with a claim no longer supported when it and its source disagree on what is negated: a
    denial or a negation whose source negates nothing ("The proposal was not discussed" shares its words with
    "the US awaits a response to its proposal"), or a claim that asserts what its source negates (`asserts_negated`)."""
    out = []
    for v in verdicts:
        source = shown[v.evidence].text
        if v.supported and _NEGATION.search(v.text) and not _NEGATION.search(source):
            v = replace(v, supported=False, note="its source does not say so: it negates nothing")
        elif v.supported and asserts_negated(v.text, source):
            v = replace(v, supported=False, note="its source says the opposite: it negates what the claim states")
        out.append(v)
    return out


def negated_words(text: str) -> frozenset[str]:
    """The content words (stemmed, names aside) a negation in `text` governs: up to `NEGATION_SCOPE` words after
    it, within its clause. "I don't hold Zelenskyy responsible, but ..." negates "hold" and "responsible"."""
    negations = list(_NEGATION.finditer(text))
    if not negations:
        return frozenset()
    found: set[str] = set()
    name_words = {w for n in names(text) for w in content_words(n)}
    for negation in negations:
        rest = text[negation.end() :]
        if end := _CLAUSE_END.search(rest):
            rest = rest[: end.start()]
        found |= content_words(" ".join(rest.split()[:NEGATION_SCOPE])) - name_words
    return frozenset(found)


def asserts_negated(claim: str, source: str) -> list[str]:
    """The words (stemmed) `source` negates that `claim` states without negating any of them, sorted; empty when
    the two agree on what is negated. "Trump said that Zelenskyy is responsible for the war, not Zelenskyy himself"
    asserts "responsible", which "I don't hold Zelenskyy responsible" negates."""
    denied = negated_words(source) & content_words(claim)
    return [] if not denied or denied & negated_words(claim) else sorted(denied)


def corroborating(
    claim: str,
    cited: EvidenceSentence,
    pool: list[EvidenceSentence],
    texts: dict[str, str],
    analysis: Analysis,
    threshold: float,
) -> list[EvidenceSentence]:
    """Sentences of other stories that back `claim` too, one per story, best first.

    A story is a story group (`rag.stories`): a copy of the cited article in another outlet is the
    same report, not a second source. A sentence corroborates when it answers the question itself
    and states the same answer: a value of the type the question asks for that the claim states
    (a name's words or a list of names, a place, a date, a number; `answer_values`), the one nearest
    the question's words, and for a question of no known type the name nearest what it asks and one
    of its predicate words the claim holds too ("urged"); for a quote or a reason, or a claim with no
    such value, it supports the claim as the cited sentence does. Only the sentences retrieved for
    the question are read; a heading backs nothing.
    """
    found: dict[str, EvidenceSentence] = {cited.excerpt.story_id: cited}
    values = answer_values(claim, analysis)
    # For a question of no known type, the claim's own predicate words ("urged" for "What did Rubio
    # urge Russia to do?"): a sentence that names the same person but says nothing of urging backs nothing.
    predicate = predicate_words(analysis) & content_words(claim) if analysis.answer_type is None else frozenset()
    for s in pool:
        story = s.excerpt.story_id
        if story in found or not ends_sentence(s.text) or answers(s.text, s.text, s.previous, analysis) is not None:
            continue  # another story's sentence that answers, not a heading
        if values:
            same = same_values(values, answer_values(s.text, analysis))
            same = same and (not predicate or bool(predicate & content_words(s.text)))
        else:
            same = support(claim, s.text, s.previous, texts[s.excerpt.article_id], analysis.text).score >= threshold
        if same:
            found[story] = s
    return list(found.values())[1:]


def stating(candidates: list[EvidenceSentence], analysis: Analysis) -> list[EvidenceSentence]:
    """The evidence sentences that, quoted as they stand, answer the question."""
    return [s for s in candidates if answers(s.text, s.text, s.previous, analysis) is None]


def _best_sentence(
    claim: str,
    markers: tuple[int, ...],
    question: str,
    shown: list[EvidenceSentence],
    texts: dict[str, str],
    threshold: float,
) -> tuple[int, Support]:
    """The evidence sentence that backs `claim` best: the ones it cites first, then any other."""
    marked = [m - 1 for m in markers if 1 <= m <= len(shown)]
    candidates = marked + [i for i in range(len(shown)) if i not in marked]
    best_i, best = candidates[0], None
    for i in candidates:
        e = shown[i]
        s = support(claim, e.text, e.previous, texts[e.excerpt.article_id], question)
        if best is None or s.score > best.score:
            best_i, best = i, s
        if i in marked and s.score >= threshold:
            break
    assert best is not None
    return best_i, best


def split_claims(answer: str) -> list[Claim]:
    """The answer's sentences, each with the `[n]` markers it carries."""
    claims = []
    spans = sentence_spans(answer)
    for i, span in enumerate(spans):
        raw = answer[span.start : span.end]
        if i == len(spans) - 1 and i > 0 and not _FINISHED.search(raw):
            break  # cut off by the token limit mid-sentence: half a claim is not a claim
        markers = tuple(int(n) for group in _MARKER.findall(raw) for n in re.split(r"\s*,\s*", group))
        text = _PREAMBLE.sub("", _MARKER.sub("", raw)).strip()
        if re.search(r"\w", text):
            claims.append(Claim(text, markers))
    return claims


def informative(claim: str, question: str) -> bool:
    """Whether a claim says something the question did not ("Steve Witkoff." does not)."""
    return bool(content_words(claim) - content_words(question))


def leading_clauses(claim: str) -> list[str]:
    """The claim cut at each clause boundary, longest first, each closed with a full stop."""
    cuts = [m.start() for m in _CLAUSE.finditer(claim)]
    return [claim[:cut].rstrip(" ,;:—-") + "." for cut in reversed(cuts) if cut > 0]


def repeats(claim: str, earlier: str) -> bool:
    """Whether `claim` says nothing `earlier` did not already say."""
    return content_words(claim) <= content_words(earlier)


def _normal(text: str) -> str:
    return text.replace("’", "'").replace("‘", "'").lower()


def support(claim: str, sentence: str, previous: str = "", article: str = "", question: str = "") -> Support:
    """How well one source `sentence` backs `claim` (see the module docstring).

    A fragment ("The United States.") is an answer only together with the question it
    answers, so for a claim of at most `FRAGMENT_WORDS` content words the score is capped at
    the share of the question's other content words the sentence holds: "The Ukrainian
    president." does not answer "Who is the Kremlin spokesperson?" from a sentence that
    mentions "Kremlin narratives" but no spokesperson.
    """
    here, whole = _normal(sentence), _normal(article)
    referred = _referred(sentence, previous)
    before = _normal(" ".join(referred))
    missing = {n for n in _NUMBER.findall(claim) if not has_number(n, here)}
    missing |= _quantities_not_in(claim, here)
    missing |= {m.group() for m in DATE.finditer(claim) if not has_word(_normal(m.group()), here)}
    for name in names(claim):
        if DATE.fullmatch(name):
            continue
        parts = [_normal(w) for w in name.split()]
        in_sentence = all(has_word(p, here) for p in parts)
        in_previous = all(has_word(p, before) for p in parts)
        fuller = has_word(parts[-1], here) and has_word(_normal(name), whole)
        if not (in_sentence or in_previous or fuller):
            missing.add(name)
    words = content_words(claim)
    if not words:
        return Support(0.0, tuple(sorted(missing)))
    bag = content_words(sentence) | {w for n in referred for w in content_words(n)}
    score = len(words & bag) / len(words)
    if question and len(words) <= FRAGMENT_WORDS:
        context = content_words(question) - words
        if context:
            score = min(score, len(context & content_words(sentence)) / len(context))
    if missing:
        return Support(0.0, tuple(sorted(missing)))
    return Support(round(min(score, 1.0), 4))


def _referred(sentence: str, previous: str) -> list[str]:
    """The names of the sentence before `sentence` that `sentence` refers to: all of them when it refers back with a
    pronoun or opens on "the" and a common noun ("He said ...", "The 25-year-old has ..."), else those whose last
    word it repeats ("Mutu was sacked ..." after "... signing Adrian Mutu ..."). "Rubio urged Russia ..." lends a
    claim no "Paris talks" from the sentence before it."""
    found = names(previous)
    if _REFERS_BACK.search(sentence):
        return found
    here = _normal(sentence)
    return [n for n in found if has_word(_normal(n.split()[-1]), here)]


def _quantities_not_in(claim: str, here: str) -> set[str]:
    """The numbers of `claim` given with a scale, unit or currency that `here` (lower-cased) never gives them
    with: "113.5 grams" is not in "3,217 tonnes of gold, or about 113.5m ounces". The scale must be the same
    ("113.5 ounces" is not "113.5m ounces"); a unit or currency differs only where both name one. A number
    that may be read two ways stands when either reading is there."""
    counted = [r for r in readings(_normal(claim)) if any(any(q[1:]) for q in r)]  # a scale, unit or currency
    if not counted:
        return set()  # most claims: no sentence to read
    given = [q for these in readings(here) for q in these]
    missing = set()
    for these in counted:
        number = these[0][0]
        same = [q for q in given if q[0] == number]
        if same and not any(
            q[1] == scale and (not unit or not q[2] or q[2] == unit) and (not currency or not q[3] or q[3] == currency)
            for _, scale, unit, currency in these
            for q in same
        ):
            _, scale, unit, currency = these[0]
            missing.add(" ".join(p for p in (number, scale, unit or currency) if p))
    return missing


def _named(name: str, about: str) -> bool:
    """Whether `about` names `name`, or its country or people ("Ukrainian" for "Ukraine"; `demonym`)."""
    return has_word(name, about) or any(demonym(name, w) for w in re.findall(r"[a-z]+", about))


def answers(claim: str, sentence: str, previous: str, analysis: Analysis) -> str | None:
    """Why a supported claim does not answer the question, or None when it does.

    A number must be the amount its sentence gives as the answer (`answer_values`: of several, the one
    nearest the question's words; "£1.2bn" is "1.2 billion pounds"), not another figure of the sentence. The sentence
    (or the one before it, or the claim) must name one of the question's names. Requiring the
    rarest name instead cost a third of the BBC dev answers (questions name several things, and a
    sentence that answers names only some), so it is any of them.
    """
    if analysis.answer_type == "quote":
        if not holds_type(f"{previous} {sentence}", analysis):
            return "not said by " + " or ".join(analysis.speaker)
    elif analysis.answer_type == "reason":
        if not holds_type(f"{sentence} {claim}", analysis):
            return "states no reason"
    elif not holds_type(claim, analysis):
        return f"states no {analysis.answer_type}"
    if analysis.answer_type == "number" and claim != sentence:
        # "1.7" from "for 2003/2004, Asians were 1.9 times more likely ..., compared with 1.7 times ... in the
        # previous year": a figure of the sentence, not the one it gives for what was asked.
        answer = answer_values(sentence, analysis)
        given = {a for v in answer for a in amounts(v)}
        stated = {a for v in answer_values(claim, analysis) for a in amounts(v)}
        if given and stated and not given & stated:
            return f"its sentence gives {', '.join(sorted(answer))} for what was asked"
    if analysis.names:
        about = _normal(sentence + " " + previous + " " + claim)
        if not any(_named(_normal(n.split()[-1]), about) for n in analysis.names):
            return "not about " + " or ".join(analysis.names)
    elif analysis.words and not analysis.words & (content_words(sentence) | content_words(previous)):
        return "not about the question"
    return None
