"""Times named in questions, read against the day they are asked as of (questions not from the
seeds)."""

import datetime

import pytest

from newsdesk.core.errors import BadInputError
from newsdesk.inputs import Filters, check_as_of
from newsdesk.when import ages, moment, named_window, spoken, undated_note


@pytest.mark.parametrize(("question", "as_of", "first", "last"), [
    ("Which ministers resigned last week?", "2023-10-06", "2023-09-25", "2023-10-01"),
    ("Which company announced layoffs this week?", "2023-10-06", "2023-10-02", "2023-10-06"),
    ("What did the central bank say yesterday?", "2023-10-06", "2023-10-05", "2023-10-05"),
    ("Who won the mayoral race in March?", "2023-10-06", "2023-03-01", "2023-03-31"),
    ("Who won the mayoral race in March?", "2024-02-01", "2023-03-01", "2023-03-31"),
    ("How many flights were cancelled in 2022?", "2023-10-06", "2022-01-01", "2022-12-31"),
    ("What did the council decide last month?", "2024-05-01", "2024-04-01", "2024-04-30"),
    ("Who was sworn in on 12 March 2021?", "2023-10-06", "2021-03-12", "2021-03-12"),
    ("How much did the harvest fall in the summer of 2022?", "2023-10-06", "2022-01-01", "2022-12-31"),
])
def test_a_named_time_becomes_a_window_of_days(question, as_of, first, last):
    window = named_window(question, as_of)
    assert (window.first, window.last) == (first, last)


@pytest.mark.parametrize("question", [
    "What is the latest casualty count?", "What changed since the election?",
    "Who leads the union now?", "How did the price of bread change?"])
def test_no_time_named_no_window(question):
    assert named_window(question, "2023-10-06") is None


def test_a_relative_time_needs_a_moment_an_absolute_one_does_not():
    assert named_window("Who resigned last week?") is None
    assert named_window("How many flights were cancelled in 2022?").first == "2022-01-01"


def test_ages_count_from_the_window_or_the_day_asked_as_of():
    dates = ["2023-10-05", "2023-09-06T10:00:00+00:00", ""]
    assert ages(dates, "Who won?", "2023-10-06") == [1.0, 30.0, 15.5]  # undated: the mean
    assert ages(dates, "Who won in September?", "2023-10-06") == [5.0, 0.0, 2.5]
    assert ages(dates, "Who won?", "") is None  # no moment
    assert moment("Who won?", "2023-10-06").distance(datetime.date(2023, 10, 6)) == 0


def test_as_of_is_today_by_default_none_on_request_and_a_day_otherwise():
    today = datetime.date.today().isoformat()
    assert check_as_of(None) == check_as_of("") == check_as_of("now") == today
    assert check_as_of("none") == ""
    assert check_as_of("2023-10-06T12:00:00") == "2023-10-06"
    with pytest.raises(BadInputError, match="YYYY-MM-DD"):
        check_as_of("next Tuesday")
    with pytest.raises(BadInputError, match="after --as-of"):
        Filters.make(since="2024-01-01", as_of="2023-12-31")
    assert Filters.make(until="2024-01-01", as_of="2023-12-31").last_day == "2023-12-31"
    assert spoken("2024-03-10T17:15:00+00:00") == "10 March 2024" and spoken("") == ""


@pytest.mark.parametrize(("as_of", "cited", "note"), [
    ("2024-03-10", [(1, "2024-03-08"), (2, "")],
     "Source [2] is undated: it may have been written after 10 March 2024."),
    ("2024-03-10", [(3, ""), (1, ""), (1, ""), (2, "")],
     "Sources [1], [2] and [3] are undated: they may have been written after 10 March 2024."),
    ("2024-03-10", [(1, "2024-03-08")], ""),  # every source dated
    ("", [(1, "")], ""),  # no moment: nothing is later than it
    (datetime.date.today().isoformat(), [(1, "")], ""),  # nothing is written after today
])
def test_undated_sources_of_an_answer_asked_as_of_a_past_day_are_noted(as_of, cited, note):
    assert undated_note(as_of, cited) == note


def test_a_face_names_the_dates_its_own_way_the_command_line_by_its_flags():
    with pytest.raises(BadInputError, match=r"^--as-of 'next tuesday' is not a date; use YYYY-MM-DD\.$"):
        Filters.make(as_of="next Tuesday")
    named = {"since": "“From”", "until": "“To”", "as_of": "“As of”"}
    with pytest.raises(BadInputError, match=r"^“As of” 'next tuesday' is not a date") as error:
        Filters.make(as_of="next Tuesday", names=named)
    with pytest.raises(BadInputError, match=r"^“To” 2024-01-01 is before “From” 2024-02-01"):
        Filters.make(since="2024-02-01", until="2024-01-01", names=named)
    with pytest.raises(BadInputError, match=r"^“From” 2024-02-01 is after “As of” 2024-01-01"):
        Filters.make(since="2024-02-01", as_of="2024-01-01", names=named)
    assert "--" not in str(error.value)


@pytest.mark.parametrize(("question", "only"), [
    ("Using only articles from March, who won the mayoral race?", True),
    ("Which ministers resigned, only in 2022?", True),
    ("Who won the mayoral race in March?", False),
    ("What did the only survivor of the crash tell reporters in March?", False),
])
def test_a_question_that_asks_for_only_a_time_makes_it_a_filter(question, only):
    window = named_window(question, "2023-10-06")
    assert window.only is only
    filters = Filters.make(as_of="2023-10-06").within(window)
    assert (filters.since, filters.until) == ((window.first, window.last) if only else ("", ""))
