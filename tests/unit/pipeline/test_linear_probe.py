"""The linear probe's training: the fit, folds that keep a phrase together, the penalty's choice."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from openlive.errors import ConfigError
from openlive.pipeline.linear_probe import LinearProbe, choose_l2, cross_validated, fit, folds

SIZE = 12


def test_fit_learns_which_input_tells_the_classes_apart() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(400, SIZE))
    y = x[:, 0] + 0.3 * rng.normal(size=400) > 0
    mean, scale, w, b = fit(x, y, l2=1.0)
    learned = LinearProbe(judge="j", mean=mean, scale=scale, weights=w, bias=b, offset=0.0)
    assert int(np.argmax(np.abs(w))) == 0 and w[0] > 0
    right = sum((learned.log_odds(row) > 0) == label for row, label in zip(x, y, strict=True))
    assert right >= 360


def test_a_stronger_penalty_shrinks_the_weights() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(size=(200, SIZE))
    y = x[:, 3] > 0
    loose = fit(x, y, l2=1.0)[2]
    tight = fit(x, y, l2=1000.0)[2]
    assert np.linalg.norm(tight) < np.linalg.norm(loose)


def test_an_utterances_cases_are_never_on_both_sides_of_a_fold() -> None:
    groups = np.repeat(np.arange(50), 2)  # each utterance written and heard
    held_out = folds(groups, 5)
    assert sorted(np.concatenate(held_out).tolist()) == list(range(100))
    for held in held_out:
        kept = np.setdiff1d(np.arange(100), held)
        assert not set(groups[held]) & set(groups[kept])


def test_cross_validation_gives_every_case_a_score_from_the_other_folds() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(120, 6))
    y = (x[:, 0] > 0).astype(float)
    scores = cross_validated(x, y, np.arange(120) // 2, l2=1.0)
    assert np.mean((scores > 0) == (y == 1)) > 0.85


def test_the_penalty_chosen_is_the_one_with_the_lowest_cross_validated_loss() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(150, 40))  # few cases, many inputs: an unpenalised fit overfits
    y = (x[:, 0] + rng.normal(size=150) > 0).astype(float)
    chosen, losses = choose_l2(x, y, np.arange(150), (0.01, 30.0))
    assert chosen == min(losses, key=lambda l2: losses[l2]) and set(losses) == {0.01, 30.0}
    assert chosen == 30.0


def test_a_probe_file_of_a_subclass_names_it_in_its_errors() -> None:
    class Named(LinearProbe):
        what = "the named probe"
        weights_file = "data/no_such_file.json"

    with pytest.raises(ConfigError, match="the named probe is unreadable"):
        Named.from_json("{}")
    with pytest.raises(ConfigError, match="the named probe is missing"):
        Named.packaged()


def test_a_shipped_probe_is_read_back_as_written(tmp_path: Path) -> None:
    class Shipped(LinearProbe):
        weights_file = str(tmp_path / "probe.json")  # an absolute path stands for the package's file

    rng = np.random.default_rng(5)
    probe = Shipped("j", rng.normal(size=4), np.ones(4), rng.normal(size=4), bias=0.5, offset=-0.25)
    assert probe.ship() == tmp_path / "probe.json"
    again = Shipped.packaged()
    row = rng.normal(size=4)
    assert isinstance(again, Shipped) and again.log_odds(row) == pytest.approx(probe.log_odds(row), abs=1e-4)
