from __future__ import annotations

import pytest

from repairs.faults.model import CategoryModel, FaultModel, fit_list, prior


def _model() -> FaultModel:
    notes = [
        ("screen cracked", "Screen"),
        ("cracked screen glass", "Screen"),
        ("scherm kapot", "Screen"),
        ("scherm gebarsten", "Screen"),
        ("battery dead, will not charge", "Power/battery"),
        ("battery swollen", "Power/battery"),
        ("accu leeg, laadt niet", "Power/battery"),
        ("accu laadt niet", "Power/battery"),
    ]
    faults = ["Screen", "Power/battery", "Camera"]
    listed = fit_list(faults, ["", "", ""], notes)
    categories = {
        "Mobile": CategoryModel("list.csv", prior(faults, [f for _, f in notes])),
        "Tablet": CategoryModel("list.csv", [0, 9, 0]),
    }
    return FaultModel({"list.csv": listed}, categories, {"attribution": "test"})


def test_ranks_every_fault_of_the_list_best_first() -> None:
    scored = _model().scores("Mobile", "the screen is cracked")
    assert [s.fault_type for s in scored][0] == "Screen"
    assert {s.fault_type for s in scored} == {"Screen", "Power/battery", "Camera"}
    assert abs(sum(s.score for s in scored) - 1) < 1e-9
    assert [s.score for s in scored] == sorted((s.score for s in scored), reverse=True)
    assert _model().scores("Mobile", "accu laadt niet meer")[0].fault_type == "Power/battery"


def test_a_category_prior_decides_when_the_text_tells_nothing() -> None:
    assert _model().scores("Tablet", "???")[0].fault_type == "Power/battery"


def test_features_seen_once_are_dropped() -> None:
    listed = fit_list(["A", "B"], ["", ""], [("alpha", "A"), ("alpha", "B"), ("zeta", "A")])
    assert "w:alpha" in listed.rows and "w:zeta" not in listed.rows
    assert listed.row("w:alpha") == {0: 1, 1: 1}
    assert listed.row("w:zeta") == {}


def test_file_round_trip_is_exact_and_stable() -> None:
    data = _model().to_bytes()
    again = FaultModel.from_bytes(data)
    assert again.to_bytes() == data
    assert again.scores("Mobile", "scherm kapot") == _model().scores("Mobile", "scherm kapot")
    assert again.metadata == {"attribution": "test"}


def test_refuses_a_file_of_another_format() -> None:
    import gzip

    with pytest.raises(ValueError, match="kreislauf-fault-model"):
        FaultModel.from_bytes(gzip.compress(b'{"format": "other"}'))
