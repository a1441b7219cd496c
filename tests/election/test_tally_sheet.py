from __future__ import annotations

import pytest

from ballot.election.outcome import Counts, OutcomeRule
from ballot.election.tally_sheet import build_tally_sheet, suppressed_units

MAJORITY = OutcomeRule("majority")  # type: ignore[arg-type]  # deliberately the wrong type


def test_sheet_fields() -> None:
    sheet = build_tally_sheet(MAJORITY, Counts({"yes": 2654, "no": 2131}, 40, 8300), 67)
    data = sheet.to_json()
    assert data["approximate_eligible"] == 8300 and data["void"] == 40
    assert data["votes"] == [{"option": "yes", "count": 2654}, {"option": "no", "count": 2131}]
    assert data["valid"] == 4785 and data["challenged"] == 67
    assert data["determinative"] is False and data["status"] == "provisional"
    assert data["result"] == "approved" and data["units"] == []
    assert data["reasons"] == [
        {
            "code": "majority_reached",
            "option": "yes",
            "votes": 2654,
            "valid": 4785,
            "threshold": "1/2",
            "needed": 2393,
        }
    ]
    certified = build_tally_sheet(MAJORITY, Counts({"yes": 3, "no": 1}), 0, certified=True)
    assert certified.status == "certified"


def test_determinative_flag_on_the_sheet() -> None:
    sheet = build_tally_sheet(MAJORITY, Counts({"yes": 1000, "no": 900}), 416)
    assert sheet.determinative
    assert sheet.to_json()["determinative_reason"] == {
        "code": "challenges_could_reject",
        "undecided": 416,
        "option": "yes",
    }


def test_small_units_and_a_complement_are_suppressed() -> None:
    units = {
        "Local 1": Counts({"yes": 50, "no": 20}),
        "Local 2": Counts({"yes": 30, "no": 25}),
        "Local 3": Counts({"yes": 2, "no": 1}),
    }
    total = Counts({"yes": 82, "no": 46})
    sheet = build_tally_sheet(MAJORITY, total, 0, units=units, min_unit_size=10)
    shown = {u.unit: u.suppressed for u in sheet.units}
    # Local 3 alone could be recovered from the total, so Local 2 (the smaller) goes too.
    assert shown == {"Local 1": False, "Local 2": True, "Local 3": True}
    hidden = next(u for u in sheet.units if u.unit == "Local 3")
    assert hidden.votes is None and hidden.void is None and hidden.valid is None
    assert next(u for u in sheet.units if u.unit == "Local 1").votes == {"yes": 50, "no": 20}


def test_suppression_rules() -> None:
    assert suppressed_units({"a": 10, "b": 12}, 10) == set()
    assert suppressed_units({"a": 3, "b": 4, "c": 50, "d": 60}, 10) == {"a", "b", "c"}
    assert suppressed_units({"a": 6, "b": 5, "c": 50}, 10) == {"a", "b"}
    assert suppressed_units({"a": 1}, 10) == {"a"}


def test_units_must_add_up() -> None:
    with pytest.raises(ValueError, match="add up"):
        build_tally_sheet(
            MAJORITY, Counts({"yes": 5, "no": 5}), 0, units={"x": Counts({"yes": 4, "no": 5})}
        )
    with pytest.raises(ValueError, match="void"):
        build_tally_sheet(
            MAJORITY, Counts({"yes": 5, "no": 5}, 1), 0, units={"x": Counts({"yes": 5, "no": 5})}
        )


def test_only_undecided_challenges_can_be_determinative() -> None:
    # 1,000 against 900 with 416 challenged could turn; with 400 ruled on, 16 cannot.
    counts = Counts({"yes": 1000, "no": 900})
    open_ = build_tally_sheet(MAJORITY, counts, 416)
    assert open_.determinative and open_.undecided == 416
    ruled = build_tally_sheet(MAJORITY, counts, 416, sustained=150, overruled=250)
    assert not ruled.determinative and ruled.undecided == 16
    data = ruled.to_json()
    assert (data["sustained"], data["overruled"], data["undecided"]) == (150, 250, 16)


def test_revised_tally_has_nothing_undecided() -> None:
    sheet = build_tally_sheet(
        MAJORITY, Counts({"yes": 1100, "no": 1050}), 416, sustained=166, overruled=250
    )
    assert sheet.undecided == 0 and not sheet.determinative
    assert sheet.determinative_reason.code == "challenges_cannot_change"


def test_rulings_cannot_exceed_the_challenges() -> None:
    with pytest.raises(ValueError, match="more than the 3 challenged"):
        build_tally_sheet(MAJORITY, Counts({"yes": 5, "no": 4}), 3, sustained=2, overruled=2)
    with pytest.raises(ValueError, match="whole number"):
        build_tally_sheet(MAJORITY, Counts({"yes": 5, "no": 4}), 3, sustained=-1)
