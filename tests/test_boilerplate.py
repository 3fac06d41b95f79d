"""The phrase filters the reader applies to an article's blocks (ticker.boilerplate), without
an extractor: what they take out and, as much, what they must leave in."""

from __future__ import annotations

from ticker.boilerplate import keep

STORY = (
    "The harbour board met on Tuesday to settle the new mooring fees for the summer, and "
    "the fishermen who came to the meeting asked for a year's grace before the rise."
)


def test_an_about_section_goes_only_when_it_is_about_the_author_or_the_site() -> None:
    blocks = [STORY, "## About Python", "Python is a language the board's clerk uses.", "## Fees"]
    assert list(keep(blocks, "")) == blocks
    bio = [STORY, "## About the author", "Ann Sheard covers the harbour.", "## Fees", STORY]
    assert list(keep(bio, "")) == [STORY, "## Fees", STORY]


def test_a_label_takes_its_list_of_headlines_and_not_the_paragraphs_after_it() -> None:
    blocks = [STORY, "Read more", "- Harbour fees rise in spring", "Ferry timetable changes", STORY]
    assert list(keep(blocks, "")) == [STORY, STORY]


def test_a_byline_goes_and_a_sentence_that_starts_with_by_stays() -> None:
    by = "By eliminating the berths that stood empty the board found room for twelve more boats"
    assert list(keep([STORY, "By Ann Sheard", by], "")) == [STORY, by]
    assert list(keep(["Posted by Ann Sheard, harbour reporter", STORY], "")) == [STORY]
    # A date line ending with "a.m." is still a date line; a sentence that starts alike is not.
    assert list(keep(["Posted on April 21, 2015, at 11:29 a.m.", STORY], "")) == [STORY]
    notice = "Posted on the wall of the harbour office."
    assert list(keep([notice, STORY], "")) == [notice, STORY]


def test_a_pitch_goes_and_a_line_of_code_or_a_long_paragraph_that_names_one_stays() -> None:
    pitch = "Sign up for our newsletter"
    code = "`#include <std/disclaimer.h>`"
    prose = (
        "The clerk, who also runs a start-up that lets boat owners sign up for discounts at "
        "the chandlery, said the board would publish the fees on its website next week, "
        "together with the minutes of the meeting and the letters the fishermen sent before it."
    )
    assert list(keep([STORY, pitch, code, prose], "")) == [STORY, code, prose]


def test_a_see_also_section_and_a_related_line_in_the_text_stay() -> None:
    # Both are the article's own (readability keeps them: mozilla's expected texts of cnn and
    # wikipedia-3); a bare label with its list of headlines still goes.
    see_also = [STORY, "## See also", "- Mooring", "- Harbour master"]
    assert list(keep(see_also, "")) == see_also
    related = [STORY, "Related: Harbour fees rise in spring", STORY]
    assert list(keep(related, "")) == related
    assert list(keep([STORY, "Related", "- Harbour fees rise in spring"], "")) == [STORY]
