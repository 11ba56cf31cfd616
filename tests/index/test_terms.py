from index.terms import question_terms, terms


def test_terms_are_stemmed_content_words() -> None:
    assert terms("The strikes on Israel’s airbases") == ["strike", "israel", "airbas"]


def test_question_terms_leave_out_the_words_that_frame_the_question() -> None:
    question = "What does the author suggest Iran was trying to achieve?"
    assert question_terms(question) == ["iran", "achiev"]


def test_a_question_made_only_of_framing_words_keeps_them() -> None:
    assert question_terms("What does the author argue?") == ["author", "argu"]
