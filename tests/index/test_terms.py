from citeqa.index.terms import question_terms, terms, title_words, titles_named


def test_terms_are_stemmed_content_words() -> None:
    assert terms("The strikes on Israel’s airbases") == ["strike", "israel", "airbas"]


def test_question_terms_leave_out_the_words_that_frame_the_question() -> None:
    question = "What does the author suggest Iran was trying to achieve?"
    assert question_terms(question) == ["iran", "achiev"]


def test_a_question_made_only_of_framing_words_keeps_them() -> None:
    assert question_terms("What does the author argue?") == ["author", "argu"]


def test_asking_what_a_text_names_or_lists_is_framing() -> None:
    assert question_terms("Which rights does the charter name?") == ["right", "charter"]
    assert question_terms("What does the report list?") == ["report"]


def test_a_name_asked_for_is_a_search_term() -> None:
    # "The bridge was named Kingsway" answers it: "name" is what the question is about.
    assert question_terms("What is the name of the new bridge?") == ["name", "new", "bridg"]
    assert question_terms("Which names are on the list?") == ["name", "list"]


DECLARATION = {"declaration": frozenset({"declaration", "independence"})}


def test_a_question_naming_a_document_by_its_title_is_framed_by_it() -> None:
    question = "What does the Declaration of Independence say about standing armies?"
    named = titles_named(question, DECLARATION)
    assert named == {"declaration", "independence"}
    assert question_terms(question, named) == ["stand", "armi"]
    assert titles_named("Why does the Declaration blame the King?", DECLARATION) == {"declaration"}


def test_title_words_used_as_plain_words_are_not_framing() -> None:
    # An article titled "Why Iran and Israel Stepped Back From the Brink" is not named by
    # a question about Iran, nor is a declaration in general the Declaration.
    titles = {**DECLARATION, "iran": frozenset(title_words("Why Iran and Israel Stepped Back"))}
    assert titles_named("What did Iran declare after the strike?", titles) == frozenset()
    assert titles_named("Was the declaration of war signed?", titles) == frozenset()


def test_the_measure_a_how_question_asks_for_is_no_search_term() -> None:
    # "long" asks for a length of time; the passage that answers says "30 days", not "long".
    assert question_terms("How long do I have to cure a breach?") == ["cure", "breach"]
    assert question_terms("how far is the port?") == ["port"]
    assert "long" in question_terms("What does the long notice period cover?")


def test_contractions_of_pronouns_are_stop_words() -> None:
    # "I'm" would otherwise be a rare word no passage has, and make a question look unanswerable.
    assert terms("I'm told you're late and they'll leave") == ["told", "late", "leav"]
