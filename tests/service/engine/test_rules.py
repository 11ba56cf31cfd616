"""The answer rules, row by row: question, sentence, expected outcome. No model, no Chroma."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from citeqa.index.chunking import Chunk, Sentence
from citeqa.service.engine import rules
from citeqa.service.engine.extractive import ExtractiveAnswerer, _Candidate
from citeqa.service.engine.retrieval import Query, ScoredSentence
from citeqa.service.engine.rules import (
    ASKED_ON_CONDITION,
    ASKS_FOR_ITEMS,
    CARRIES_ON,
    CLAUSE_END,
    EXPLANATION_QUESTION,
    GIVES_REASON,
    LEANS_ON_PREVIOUS,
    OPENS_WITH_CONDITION,
    QUESTION_TYPES,
    Evidence,
    about_topic,
    asks_why_of_it,
    contradicted_specific,
    document_date_asked,
    document_part_asked,
    has_expected_type,
    metadata_asked,
    question_type,
)


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("How much did the new bridge cost?", "money"),
        ("What was the price of the tickets?", "money"),
        ("How much water does the reservoir hold?", "count"),
        ("How many ships wait in the basin?", "count"),
        ("What percentage of voters agreed?", "count"),
        ("When did the harbour open?", "time"),
        ("In what year was the charter signed?", "time"),
        ("What was the name of the new bridge?", "name"),
        ("What code name did the operation have?", "name"),
        ("Who wrote the report?", "person"),
        ("Whom did the council appoint?", "person"),
        ("Which rights does it name?", None),
        ("Why did the talks fail?", None),
    ],
)
def test_a_question_is_of_the_first_type_that_recognises_it(question: str, kind: str) -> None:
    found = question_type(question)
    assert (found[0].name if found else None) == kind


def test_money_comes_before_count_in_the_table() -> None:
    names = [kind.name for kind in QUESTION_TYPES]
    assert names.index("money") < names.index("count")


@pytest.mark.parametrize(
    ("question", "sentence", "answers"),
    [
        # money: an amount the question does not name
        ("How much did the bridge cost?", "The bridge cost $40 million to build.", True),
        ("How much did the bridge cost?", "The bridge cost more than planned.", False),
        ("How much did the bridge cost?", "Two bridges were built.", False),
        # ... or what may be charged, in words
        ("How much may I charge for a copy?", "At a charge no more than the cost of it.", True),
        ("How much do they charge for the source?", "The source is free of charge.", True),
        ("How much may I charge for a copy?", "You may charge for a copy.", False),
        # ... but only when asked what may be charged
        ("How much will it cost me?", "At a charge no more than the cost of it.", False),
        ("How much may I charge for a copy?", "It grants a royalty-free license.", False),
        # count: a number or quantity the question lacks
        ("How many ships wait in the basin?", "Nine ships wait in the outer basin.", True),
        ("How many ships wait in the basin?", "Most ships wait for the tide.", True),
        ("How many ships wait in the basin?", "Ships wait in the outer basin.", False),
        ("How many of the two ships sailed?", "The two ships stayed in port.", False),
        # ... counting the thing asked about, in digits or words
        ("By how many towns?", "The charter of the fourteen towns of Velor.", True),
        ("How many delegates signed it?", "The charter of the fourteen towns of Velor.", False),
        ("How many drones did it launch?", "It launched more than 300 drones and missiles.", True),
        # ... except parts of a whole: a number of them, or of things the question does not
        # name; not the whole's members, a length, "one", a vague count or a year
        ("How many groups were the crews split into?", "They were split into two Watches.", True),
        ("How many kinds of toll are there?", "There are three kinds: by weight, size, day.", True),
        ("How many groups were the crews split into?", "The crews were split up.", False),
        ("How many groups were the crews split into?", "Each ship has two crews.", False),
        ("How many groups were the crews split into?", "Crews serve for six Years.", False),
        ("How many kinds of tolls are there?", "The port levies one Toll on all ships.", False),
        ("How many kinds of tolls are there?", "Tolls are paid by several ports.", False),
        ("How many phases of the works were there?", "The works began in 2022.", False),
        # "for one", "no one", "one another" count nothing
        ("How many drones did Velor down?", "Velor, for one, downed drones.", False),
        ("How many drones did Velor down?", "No one downed drones.", False),
        ("How many drones did Velor down?", "Velor downed only one of the drones.", True),
        ("How many terms may a mayor serve?", "A mayor may serve for one term only.", True),
        # "when" opening a clause before the question asks no time
        ("when the board meets, must the pilots attend?", "Pilots attend every meeting.", True),
        ("When the board meets, who chairs it?", "The clerk chairs every meeting.", True),
        ("when the harbour opened?", "The harbour opened with a parade.", False),
        # length: of time or of text, or how long it lasts; a date is none
        ("How long did the talks last?", "The talks lasted two weeks.", True),
        ("How long did the talks last?", "The talks ended on July 4, 1921.", False),
        ("How long may a quote be?", "Quotes of ten or fewer lines are free.", True),
        ("How long does the permit last?", "The permit is perpetual.", True),
        ("How long is a term?", "Members are chosen every second Year.", True),
        ("How long does it last?", 'The term "Member" means a person.', False),
        ("When exactly did the board vote?", "The board votes in the town hall.", False),
        # time: a date or time the question lacks
        ("When did the harbour open?", "The harbour opened in May 1921.", True),
        ("When did the harbour open?", "The lock opens until the tide turns.", True),
        ("When did the harbour open?", "The harbour opened with a parade.", False),
        ("What happened in 1921?", "In 1921 the harbour opened.", True),  # no time asked
        ("When does my permit end?", "It ends as of the date the fee is due.", True),
        ("Do you know when the harbour opened?", "The harbour opened with a parade.", False),
        # "When is… allowed?" asks a condition as well as a time; "When did…?" a time
        ("When is a toll charged?", "If a ship is over ten metres, a toll is due.", True),
        ("So when can the lock be closed?", "But when the tide is low, it may close.", True),
        ("When was the lock closed?", "But when the tide is low, it may close.", False),
        ("When would a toll be fairer?", "A toll is fairer if ships share the cost.", True),
        ("When would a toll be fairer?", "It is fairer in a case in which all pay.", True),
        ("When does the board meet?", "The room in which the board meets is small.", False),
        ("When is the election?", "If the board agrees, a vote is held.", False),  # a time
        # ... "What was his name?" also by a full name opening the sentence; a thing's name
        ("What was his name?", "Ardo Kessel was the general.", True),
        ("What was the ship's name?", "The ship, the Kestrel, sank off Velor.", True),
        ("When is a toll charged?", "A toll is charged to every ship.", False),
        # "when" inside the question joins a clause: no time asked
        ("What do the towns share when it comes to water?", "They share one reservoir.", True),
        # name: the thing's name
        ("What was the name of the new bridge?", "The bridge was named Kingsway.", True),
        ("What was the name of the new bridge?", "They crossed the Carlow bridge.", True),
        ("What was the name of the airbase?", "Israel struck an airbase in Isfahan.", False),
        ("What code name did it have?", "It was known as the Mercy Route.", True),
        ("What code name did it have?", "It had a secret name.", False),
        # ... someone's: a person's name, not a place's ("of Velor") nor a title
        ("What was his name?", "The strike killed Ardo Kessel, a general.", True),
        ("What was Ardo Kessel’s name?", "The strike killed Ardo Kessel, a general.", True),
        ("What was King’s name?", "The present King of Great Velor ruled it.", False),
        ("What was his name?", "The history of the King of Great Velor is long.", False),
        ("What was his name?", "To prove this, let Facts be submitted.", False),
        # person: a name the question does not say
        ("Who wrote the report?", "The report was written by Ada Byron.", True),
        ("Who wrote the report?", "The report was written by a clerk.", False),
        ("Who met Ada Byron?", "They said Ada Byron met nobody.", False),
        # ... in charge: a person's name in full, not the body asking
        ("Who's in charge of it?", "and the VRG has asked Velor for help.", False),
        ("Who is the head of the port?", "The port is run by Ada Byron.", True),
        # no type: anything goes
        ("Why did the talks fail?", "Neither side trusted the other.", True),
    ],
)
def test_an_answer_must_give_what_its_question_asks_for(
    question: str, sentence: str, answers: bool
) -> None:
    assert has_expected_type(question, [sentence]) is answers


@pytest.mark.parametrize(
    ("question", "fields"),
    [
        ("Who wrote the article?", ["author"]),
        ("Who is the author of this piece?", ["author"]),
        ("Which magazine published it?", ["publication"]),
        ("Where was the essay published?", ["publication"]),
        ("What is the title of the article?", ["title"]),
        ("What is the headline of the essay?", ["title"]),
        ("Who wrote it, and what is the title of the document?", ["author", "title"]),
        ("Who leads the country?", []),
    ],
)
def test_questions_about_the_document_itself_name_byline_fields(
    question: str, fields: list[str]
) -> None:
    assert metadata_asked(question) == fields


@pytest.mark.parametrize(
    ("message", "of_it"),
    [
        ("Why?", True),
        ("why not?", True),
        ("And why?", True),
        ("Why then, what changed?", True),
        ("Why did that happen?", True),
        ("Why do visitors fly?", False),  # two words of its own: asks of something new
        ("Why did Iran attack?", False),  # names someone
        ("Why did the ferry stop running at all?", False),
        ("How did it end?", False),
    ],
)
def test_a_short_why_asks_of_the_last_answer(message: str, of_it: bool) -> None:
    assert asks_why_of_it(message) is of_it


@pytest.mark.parametrize(
    ("sentence", "reason"),
    [
        ("The ferry stopped in 2019, when the town sold its last boat.", ", when"),
        ("The port closed because the river silted up.", "because"),
        ("They built a wall so that the tide stays out.", "so that"),
        ("The ferry has run since 2019.", None),  # "since" is as often a time
        ("When the town sold its boat, the ferry stopped.", None),  # a time, opening it
    ],
)
def test_a_clause_that_gives_its_sentences_reason(sentence: str, reason: str | None) -> None:
    found = GIVES_REASON.search(sentence)
    assert (found.group() if found else None) == reason


@pytest.mark.parametrize(
    ("sentence", "leans", "carries_on"),
    [
        ("They crave such an assurance, but none comes.", True, True),
        ("All knew that this interest was shared.", True, False),
        ("However, the talks went on.", False, True),
        ("Iran retaliated two weeks later.", False, False),
        ("Such restraint was new.", True, True),
        ("All three goals have thus far eluded Israel.", True, False),  # counts listed items
        ("Both aims failed in the end.", True, False),
        ("All countries agreed to the plan.", False, False),
        ("The two countries fought a shadow war.", False, False),
        # "Then a full statement seemed fitting. Now, four years on, little is new."
        ("Now, four years on, little that is new could be said.", False, True),
        ("Nowhere was that clearer than in Syria.", False, False),
    ],
)
def test_how_a_sentence_connects_to_the_one_before(
    sentence: str, leans: bool, carries_on: bool
) -> None:
    assert bool(LEANS_ON_PREVIOUS.search(sentence)) is leans
    assert bool(CARRIES_ON.search(sentence)) is carries_on


@pytest.mark.parametrize(
    ("question", "explains"),
    [("Why did Iran hold back?", True), ("How did Israel respond?", True), ("Who won?", False)],
)
def test_why_and_how_questions_want_an_explanation(question: str, explains: bool) -> None:
    assert bool(EXPLANATION_QUESTION.search(question)) is explains


@pytest.mark.parametrize(
    ("sentence", "cuts"),
    [
        ("The gates open at dawn; ships enter at noon.", ["The gates open at dawn; "]),
        ("Ships wait, and the pilots rest.", ["Ships wait, "]),
        ("Ships wait, then sail.", []),
    ],
)
def test_a_long_sentence_is_cut_after_clause_ends(sentence: str, cuts: list[str]) -> None:
    assert [sentence[: m.end()] for m in CLAUSE_END.finditer(sentence)] == cuts


@pytest.mark.parametrize(
    ("text", "condition"),
    [
        ("and when so suspended,", True),
        ("Yet, if the tide turns,", True),
        ("the ships wait at the bar,", False),
    ],
)
def test_a_clause_that_states_a_condition(text: str, condition: bool) -> None:
    assert bool(OPENS_WITH_CONDITION.match(text)) is condition


@pytest.mark.parametrize(
    ("question", "states"),
    [
        ("what did he do once they were suspended?", True),
        ("and if the tide turns?", True),
        ("What happens when the gates close?", True),
        ("When did the gates close?", False),  # asks for a time
        ("and when did they open?", False),
        ("Since when have the gates been closed?", False),
        ("Do you know when the gates opened?", False),
        ("When the gates were closed, what did the pilots do?", True),  # condition first
        ("Who closed the gates?", False),
    ],
)
def test_a_question_that_states_a_condition(question: str, states: bool) -> None:
    assert bool(ASKED_ON_CONDITION.search(question)) is states


@pytest.mark.parametrize(
    ("question", "several"),
    [
        ("what are the 3 conditions of the harbor permit", True),
        ("in which cases is no permit granted? list them", True),
        ("list the conditions", True),
        ("which three goals did the council pursue", True),
        ("Is the ferry on the sanctions list?", False),  # "list" as a noun
        ("What happened on 1 April this year?", False),
        ("What was one of his goals?", False),
        ("Who closed the gates?", False),
    ],
)
def test_a_question_that_asks_for_several_things(question: str, several: bool) -> None:
    assert bool(ASKS_FOR_ITEMS.search(question)) is several


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("Tell me about the role of Jordan.", "Jordan"),
        ("tell me about jordan's part in the april events", "jordan"),  # X's part: X
        ("Tell me about Velor’s role.", "Velor"),
        ("Tell me about Velor's nuclear program.", "Velor's nuclear program"),
        ("Can you tell me more about the gray zone?", "the gray zone"),
        ("What does the article say about sanctions?", "sanctions"),
        ("What role does Russia play?", "Russia"),
        ("anything on the harbour fees?", "the harbour fees"),
        ("anything else on the harbour fees?", "the harbour fees"),
        ("tell me more about why that matters", None),  # a question, of what was said
        ("What is said about the pilots?", "the pilots"),
        ("How does the report describe the dam?", "the dam"),
        ("Does the piece talk about the town going bankrupt?", "the town going bankrupt"),
        ("Does the report mention tolls?", "tolls"),
        ("what does the harbor permit license say about fees?", "fees"),  # a document's name
        ("How does the harbor charter describe the dam?", "the dam"),
        ("What did the harbor master of Velor say about the flood?", None),  # a speaker
        ("Does the report say when the dam opened?", None),  # a question of its own
        ("What about Israel?", None),  # a follow-up, resolved from the conversation
        ("Who leads Iran?", None),
    ],
)
def test_tell_me_about_questions_name_their_topic(question: str, topic: str | None) -> None:
    assert about_topic(question) == topic


_CROSSING = "Velor troops crossed into Ardenia on April 9, after the March talks."
_STRIKE = "The strike in Ardenia killed seven Velor commanders."
_CLAUSE = "Clause 4 says the tenant pays the rent."
_VERSION = "Version 2.0 added the tenant rules."
_OTHER_VERSION = (
    "This text is subject to the Velor Public License, v. 2.0; it may be combined with "
    "works under the Ardenia Public License, Version 3.0."
)
_INVASION = "Velor troops crossed into Ardenia."
_PACT = "The Pact let Velor troops cross into Ardenia."
_CLASSES = "The second Class sails in June, the third Class in July."
_SHARE = "One-eighth of the whole crews lived in Velor."


@pytest.mark.parametrize(
    ("question", "sentence", "elsewhere", "specific"),
    [
        # date: the passage gives another date than the one the question names
        ("What happened in Ardenia on March 3?", _CROSSING, "", "date"),
        ("What happened in Ardenia on March 3?", _CROSSING, "The March 3 talks failed.", "date"),
        ("What happened in Ardenia on April 9?", _CROSSING, "", None),
        ("What happened in Ardenia before March 3?", _CROSSING, "", None),  # bounds it
        ("What happened in Ardenia in 2018?", "In 2021, Velor crossed into Ardenia.", "", "date"),
        ("What changed in Ardenia since 2018?", "In 2021, Velor crossed into Ardenia.", "", None),
        ("What may Velor do in Ardenia?", "In 2021, Velor crossed into Ardenia.", "", None),
        # a date its document gives nowhere, where the passage gives none ("the 1789 Pact" of
        # a pact dated 1791 in its heading)
        ("What does the 1789 Pact say of Velor?", _PACT, "The Pact of 1791.", "date"),
        ("What does the 1791 Pact say of Velor?", _PACT, "The Pact of 1791.", None),
        ("What does the 1789 Pact say of Velor?", _PACT, "", None),  # no date at all
        ("What did the Pact do after 1789?", _PACT, "The Pact of 1791.", None),  # bounds it
        # number: a count the documents give otherwise, a part or version they lack
        ("Why did Velor kill the eleven commanders?", _STRIKE, "", "number"),
        ("Why did Velor kill the seven commanders?", _STRIKE, "", None),
        ("Why did Velor kill the 7 commanders?", _STRIKE, "", None),
        ("Why were eleven commanders killed?", _STRIKE, "Raids killed eleven commanders.", None),
        # "hundreds of drones", "dozens of ships": a count the question's number is far below
        ("Why did Velor fire three drones?", "Velor fired hundreds of drones.", "", "number"),
        ("Why did Velor fire 300 drones?", "Velor fired hundreds of drones.", "", None),
        ("Why did Velor send five ships?", "Velor sent thousands of ships.", "", "number"),
        ("Why did Velor send five ships?", "Velor sent dozens of ships.", "", None),  # some
        ("Why did Velor send 5,000 ships?", "Velor sent thousands of ships.", "", None),
        ("Why did Velor send ships?", "Velor sent thouſands of ships.", "", None),  # long s
        # a count by a capitalised noun, as older documents write them ("six Years")
        ("Why do envoys serve four year terms?", "Envoys serve for six Years;", "", "number"),
        ("Why do envoys serve six year terms?", "Envoys serve for six Years;", "", None),
        # a teen, and a count past a word between ("thirteen united towns")
        ("Was the pact of the fourteen towns signed?", "The thirteen united Towns.", "", "number"),
        ("Was the pact of the thirteen towns signed?", "The thirteen united Towns.", "", None),
        ("Where did the two drones land?", "Two drones landed. Three missiles landed.", "", None),
        ("What does clause 5 say?", _CLAUSE, "", "number"),
        ("What does clause 4 say?", _CLAUSE, "", None),
        ("What changed in version 2.1?", _VERSION, "", "number"),
        ("What changed in version 2.1?", _VERSION, "Version 2.1 fixed typos.", None),
        ("What does Velor License 1.1 say?", "Velor License 2.0 sets the fees.", "", "number"),
        # a version the documents give only of something else ("Ardenia Public License 3.0")
        ("Is there a VPL 3.0 yet?", _OTHER_VERSION, "", "number"),
        ("Is the Velor Public License 3.0 out?", _OTHER_VERSION, "", "number"),
        ("What does VPL 2.0 say of fees?", _OTHER_VERSION, "", None),
        # ... a whole version with "version" or "v" is that version, with ".0" or without
        ("What does VPL version 2 say of fees?", _OTHER_VERSION, "", None),
        ("Is VPL v3 out?", _OTHER_VERSION, "", "number"),
        ("Tell me about VPL version 3.", _OTHER_VERSION, "", "number"),
        # ... after its name in the same line and sentence, not a section's number after it
        ("Is APL version 4 out?", _OTHER_VERSION, "bound by the APL.\n\n4. Fees", "number"),
        ("Is it compatible with APL 3.0?", _OTHER_VERSION, "", None),
        ("What changed in Version 3.0?", _OTHER_VERSION, "", None),  # nothing named
        # an opening word is no part of the name, nor a word the text writes in lower case
        ("Explain VPL 2.0 fees.", _OTHER_VERSION, "", None),
        ("Per VPL 2.0, what may be combined?", _OTHER_VERSION, "", None),
        ("Does Velor Combined Public License 2.0 allow it?", _OTHER_VERSION, "", None),
        ("What does Velor License 2.0 say?", "Velor License 2.0 sets the fees.", "", None),
        ("Is version 2 the latest?", "Velor License version 2.0 sets the fees.", "", None),
        # a share of a thing the document gives another share of, and never this one
        ("Where did one-third of the crews live?", _SHARE, "", "number"),
        ("Where did one-eighth of the crews live?", _SHARE, "", None),
        ("Where did one eighth of the crews live?", _SHARE, "", None),
        ("Did two-thirds of the ships sail?", _SHARE, "", None),  # nothing said of ships
        # ... a share the document gives of something else may be the one asked of
        ("Did one fifth of the crews live there?", _SHARE, "One fifth of the ships sank.", None),
        # a place in a series the document does not give that thing
        ("When does the fourth class sail?", "The first Class sails in May.", _CLASSES, "number"),
        ("When does the third class sail?", "The first Class sails in May.", _CLASSES, None),
        ("When does the fourth ship sail?", "The first Class sails in May.", _CLASSES, None),
        ("When did the first Class sail?", "The second Class sailed in May.", "", None),
        # a lettered part the document does not have
        (
            "What is Exhibit C for?",
            "Attach the notice in Exhibit B.",
            "Exhibit A: the form.",
            "number",
        ),
        ("What is Exhibit B for?", "Attach the notice in Exhibit B.", "", None),
        ("What is in appendix a?", "See Appendix A for the fees.", "", None),
        # a year is not a count, and a month opening the question is a verb
        ("Before 1790 the delegates met where?", "In 1787 the delegates met in Velor.", "", None),
        ("May I ask where the delegates met?", "In June 1787 they met in Velor.", "", None),
        # a condition is not what is asked: "if … doesn't" asks what happens then
        ("If Velor doesn't pay, what happens?", "Velor loses the permit.", "", None),
        # name: a name the documents never mention, by word, stem or initials
        ("Why did Velor invade Ardenia?", "Troops crossed into Ardenia.", "", "name"),
        ("Why did Velor invade Ardenia?", _INVASION, "", None),
        ("Why did Velor invade Ardenia?", "Velor crossed the Ardenian border.", "", None),
        ("Does the MPL allow linking?", "The Mozilla Public License allows linking.", "", None),
        ("Does the GPL allow linking?", "The Mozilla Public License allows linking.", "", "name"),
        ("Why did the VP's fleet sail?", "The Velor Provinces' fleet sailed.", "", None),
        ("What does the Charter say about fees?", "This license sets the fees.", "", "name"),
        # a word the documents write in lower case names nothing in particular
        ("What does the License say about fees?", "This license sets the fees.", "", None),
        ("What does the Quillon License say?", "This license sets the fees.", "", "name"),
        # a part of a document, by its name, is no one's
        ("What aims does the Preamble list?", "We the towns, to keep the peace, agree.", "", None),
        ("What are the Preamble's aims?", "We the towns, to keep the peace, agree.", "", None),
        # a word joined to a name by a hyphen is as known as the name; "I've" names no one
        ("Can I sell VLR-licensed code?", "The VLR grants the right to sell.", "", None),
        ("Can I sell QLN-licensed code?", "The VLR grants the right to sell.", "", "name"),
        ("What did Al-Qaeda claim?", "Al-Qaeda claimed the attack.", "", None),
        ("Once I've sold it, can Velor object?", "Velor may not object.", "", None),
        # negation: asked what did not happen, the answer must say so itself
        ("Why didn't Velor invade Ardenia?", _INVASION, "", "negation"),
        ("Why didn't Velor invade Ardenia?", _INVASION, "Velor did not stay.", "negation"),
        ("Why didn't Velor invade Ardenia?", "Velor refused to cross into Ardenia.", "", None),
        ("Why didn't Velor invade Ardenia?", "Velor did not cross into Ardenia.", "", None),
        ("Why did Velor never invade Ardenia?", _INVASION, "", "negation"),
        # denied: the question takes for granted what the answer's sentence says did not
        # happen; asked whether it happened, or told what happened instead, it answers
        ("Why did Velor invade Ardenia?", "Velor did not invade Ardenia.", "", "denied"),
        ("when did velor invade ardenia", "Velor never invaded Ardenia.", "", "denied"),
        ("Why did Velor invade?", "Velor did not invade, but it could next year.", "", None),
        (
            "Why did Velor invade Ardenia?",
            "Velor did not invade Ardenia, but it could.",
            "",
            "denied",
        ),
        # the negated verb said of something else, or "what" answered by what did not happen
        ("Why did Velor strike the depot?", "Velor could not strike Ostra.", "", None),
        ("What did Velor know of the plans?", "Velor did not know of the plans.", "", None),
        ("Did Velor invade Ardenia?", "Velor did not invade Ardenia.", "", None),
        ("What did Velor invade?", "Velor did not invade Ardenia but took Ostra.", "", None),
        ("Why did Velor invade Ardenia?", "Velor did not wait: it invaded Ardenia.", "", None),
        ("Why not?", _INVASION, "", None),  # asks the reason for a refusal already given
        ("And why not?", _INVASION, "", None),
    ],
)
def test_a_question_stating_what_its_evidence_states_otherwise_is_a_look_alike(
    question: str, sentence: str, elsewhere: str, specific: str | None
) -> None:
    """The answer's sentence is its whole passage; `elsewhere` is more of its document."""
    evidence = Evidence(sentence, sentence, f"{sentence}\n{elsewhere}")
    assert contradicted_specific(question, evidence) == specific


@pytest.mark.parametrize(
    ("question", "part"),
    [
        ("How does he close his speech?", "end"),
        ("What powers do they claim at the very end of the Charter?", "end"),
        ("What does the article conclude?", "end"),
        ("what are the opening lines", "start"),
        ("How does the report begin?", "start"),
        ("What are the aims listed in the Preamble?", "start"),
        ("what's in the epilogue", "end"),
        ("What does the introduction of the Charter say?", "start"),
        # the end or start of something else, and "conclude" as "judge"
        ("How did the war end?", None),
        ("What happened at the end of the war?", None),
        ("What did Velor do at the start of April?", None),
        ("What is the conclusion of the talks?", None),
        ("What does the Charter conclude about tyrants?", None),
        ("What are the first steps he recommends?", None),
        ("What did the introduction of the tolls change?", None),
        ("What did the introductory remarks cover?", None),
        ("How have the tolls worked since their introduction?", None),
        ("How have the tolls worked since its introduction?", None),
        ("What was the preamble to the invasion?", None),
        ("What are the conclusions of the Charter?", "end"),
        # of someone, not of a document
        ("Who won in the end?", None),
        ("What were his last words?", None),
        ("What did Velor do towards the end of his life?", None),
        ("How did they start the war?", None),
        ("How did it end?", None),
    ],
)
def test_a_question_about_a_documents_end_or_start_is_told_apart(
    question: str, part: str | None
) -> None:
    assert document_part_asked(question, lambda phrase: "Charter" in phrase) == part


@pytest.mark.parametrize(
    ("question", "asked"),
    [
        ("when was this article published?", True),
        ("When was the Charter signed?", True),
        ("what date is the Charter from?", True),
        ("When was the treaty signed?", False),  # a treaty the document speaks of
        ("When did Velor launch the drones?", False),
        ("When was he released?", False),  # someone, not the document
        ("When was it signed?", False),
    ],
)
def test_a_question_about_when_the_document_itself_was_made_is_told_apart(
    question: str, asked: bool
) -> None:
    assert document_date_asked(question, lambda phrase: "Charter" in phrase) is asked


def _candidate(text: str, score: float) -> _Candidate:
    chunk = Chunk("c", "doc", "Doc", 1, 0, len(text), text)
    sentence = Sentence(f"c:{score}", "c", 0, 0, len(text), text, text)
    return _Candidate(chunk, ScoredSentence(sentence, score, 0.0), score)


def test_a_sentence_nearly_as_good_that_has_the_asked_for_type_answers_instead() -> None:
    # "When…?": the best sentence gives no time; the next, nearly as good, does.
    query = Query("When did the board last meet the pilots?", np.zeros(1), (), {})
    best = _candidate("The board cannot meet the pilots directly.", 1.0)
    dated = _candidate("The board last met the pilots in March 2019.", 0.95)
    assert ExtractiveAnswerer._typed(query, [best, dated]) == [dated]
    assert ExtractiveAnswerer._typed(query, [best, replace(dated, score=0.5)]) == []


def test_a_versions_names_are_worked_out_without_crowding_out_the_documents() -> None:
    """The names around each place a version stands are worked out afresh: the cache of
    names keeps whole documents, which every question reads."""

    document = " ".join(
        f"Clause {n} of the Velor Public License, v. 2.0, applies." for n in range(9)
    )
    rules._names.cache_clear()
    contradicted_specific("What does VPL 2.0 say?", Evidence(document, document, document))
    assert rules._names.cache_info().currsize == 1
