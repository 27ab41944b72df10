"""The CLI's method flags come from the attribution registry, data flags are shared, and the old
spellings of renamed flags keep working with a deprecation warning."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from rnnlens.attribution import registry
from rnnlens.attribution.registry import METHODS, MethodInfo, MethodOption
from rnnlens.cli._data import DATA_FLAGS
from rnnlens.cli._method_options import MethodFlags, method_flags
from rnnlens.cli.app import app
from rnnlens.errors import OptionError

runner = CliRunner()


def _flags_of(command: str) -> set[str]:
    click_command = _click_command(command)
    return {name for param in click_command.params for name in param.opts}


def _hidden_flags_of(command: str) -> set[str]:
    click_command = _click_command(command)
    return {name for param in click_command.params if param.hidden for name in param.opts}


def _click_command(command: str):
    import typer.main

    group = typer.main.get_command(app)
    return group.commands[command]  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def files(tmp_path_factory, forecaster, series):
    root = tmp_path_factory.mktemp("flags")
    forecaster.save(root / "forecaster.keras")
    np.save(root / "series.npy", series)
    rng = np.random.default_rng(0)
    rows = [(u, c, rng.normal()) for u, n in (("a", 14), ("b", 12)) for c in range(n)]
    pd.DataFrame(rows, columns=["unit", "cycle", "level"]).to_csv(root / "levels.csv", index=False)
    return root


def test_every_declared_option_is_a_flag_of_attribute_and_explain():
    for command in ("attribute", "explain"):
        flags = _flags_of(command)
        hidden = _hidden_flags_of(command)
        for info in METHODS:
            for option in info.options:
                assert option.flag in flags and option.flag not in hidden, (command, option.flag)
                if command == "attribute":  # the only command that had the old spellings
                    assert set(option.deprecated_flags) <= hidden


def test_method_help_lists_every_registered_method():
    for command in ("attribute", "explain"):
        method = next(p for p in _click_command(command).params if "--method" in p.opts)
        for info in METHODS:
            assert info.name in method.help and all(a in method.help for a in info.aliases)


def test_data_flags_are_shared_by_every_command_that_reads_data():
    for command in ("predict", "trace", "attribute", "explain"):
        assert {flag.flag for flag in DATA_FLAGS} <= _flags_of(command), command


def test_clashing_flags_have_one_meaning_each():
    assert "--window" not in _flags_of("trace") and "--window" not in _flags_of("explain")
    assert {"--window", "--stride"} <= _hidden_flags_of("attribute")  # occlusion's, deprecated
    assert {"--window", "--stride"} <= _hidden_flags_of("predict")  # the table's, deprecated
    assert "--samples" in _hidden_flags_of("demo")  # a count there: -n / --max-samples now
    assert {"-n", "--max-samples"} <= _flags_of("demo") and {"-n", "--max-samples"} <= _flags_of(
        "explain"
    )


def test_one_integrated_gradients_default_everywhere():
    from rnnlens.attribution.integrated_gradients import IntegratedGradients

    library = inspect.signature(IntegratedGradients.attribute).parameters["n_steps"].default
    assert library == "auto"
    for command in ("attribute", "explain", "demo"):
        steps = next(p for p in _click_command(command).params if "--steps" in p.opts)
        assert steps.default == library, command


def test_option_choices_match_the_methods():
    from rnnlens.attribution import ablation, integrated_gradients, options

    assert options.INTEGRATION_METHODS == integrated_gradients.INTEGRATION_METHODS
    assert options.MAX_N_STEPS == integrated_gradients.MAX_N_STEPS
    assert options.ABLATION_GROUPS == ablation.ABLATION_GROUPS


def test_declared_defaults_are_the_methods_own_defaults():
    from rnnlens.attribution.api import _RENAMED  # rnnlens.attribute(integration=) is IG's method=

    for info in METHODS:
        signature = inspect.signature(info.load().attribute).parameters
        for option in info.options:
            default = signature[_RENAMED.get(option.name, option.name)].default
            assert option.check(option.default, option.flag) == default


def test_a_new_method_option_becomes_a_flag_routed_to_that_method_only(monkeypatch):
    def check(value, flag):
        if value < 0:
            raise OptionError(f"{flag} must be >= 0, received {value}.")
        return value

    new = MethodInfo(
        "smooth_grad", "rnnlens.attribution.saliency", "Saliency", ("sg",), "gradient",
        False, False, "Noisy gradients.",
        (MethodOption("noise", "--noise", float, 0.1, "SmoothGrad: noise level.", check),),
    )  # fmt: skip
    monkeypatch.setattr(registry, "METHODS", (*METHODS, new))
    import rnnlens.cli._method_options as method_options

    monkeypatch.setattr(method_options, "METHODS", registry.METHODS)
    flags = {flag.flag: flag for flag in method_flags()}
    assert flags["--noise"].default == 0.1
    from rnnlens.cli._flags import FlagValue

    values = MethodFlags({f: FlagValue(flag.default, f) for f, flag in flags.items()})
    assert values.options_for(new) == {"noise": 0.1}
    assert values.options_for(registry.method_info("ig")) == {
        "n_steps": "auto",
        "integration": "gausslegendre",
    }
    bad = MethodFlags({**values.values, "--noise": FlagValue(-1.0, "--noise")})
    with pytest.raises(OptionError, match="--noise must be >= 0"):
        bad.options_for(new)


def _attribute(files, *extra):
    args = ["attribute", str(files / "forecaster.keras"), str(files / "series.npy")]
    return runner.invoke(app, [*args, "-m", "occlusion", "-t", "9,0", "--top", "0", *extra])


def test_old_occlusion_window_spelling_gives_the_same_result_with_a_warning(files):
    new = _attribute(
        files, "--occlusion-window", "3", "--occlusion-stride", "2", "-o", str(files / "a.npz")
    )
    old = _attribute(files, "--window", "3", "--stride", "2", "-o", str(files / "b.npz"))
    assert new.exit_code == 0 and old.exit_code == 0, (new.output, old.output)
    assert "deprecated" not in new.output
    assert "--window is deprecated and will be removed; use --occlusion-window." in old.output
    with np.load(files / "a.npz") as a, np.load(files / "b.npz") as b:
        np.testing.assert_array_equal(a["series/values"], b["series/values"])


def test_old_and_new_spelling_together_are_refused(files):
    result = _attribute(files, "--window", "3", "--occlusion-window", "2")
    assert result.exit_code == 1
    assert "give --occlusion-window once" in result.output


def test_bad_value_under_the_old_spelling_names_the_flag_typed(files):
    result = _attribute(files, "--window", "a")
    assert result.exit_code == 1 and "--window must be N or N,M" in result.output


def test_old_table_window_spelling_of_predict(files):
    args = ["predict", str(files / "forecaster.keras"), str(files / "levels.csv")]
    new = runner.invoke(
        app, [*args, "--table-window", "10", "--table-stride", "2", "-o", str(files / "n.csv")]
    )
    old = runner.invoke(app, [*args, "--window", "10", "--stride", "2", "-o", str(files / "o.csv")])
    assert new.exit_code == 0 and old.exit_code == 0, (new.output, old.output)
    assert "--window is deprecated and will be removed; use --table-window." in old.output
    pd.testing.assert_frame_equal(pd.read_csv(files / "n.csv"), pd.read_csv(files / "o.csv"))


def test_table_flags_reach_trace(files, forecaster):
    out = files / "t.npz"
    args = ["trace", str(files / "forecaster.keras"), str(files / "levels.csv"), "-o", str(out)]
    result = runner.invoke(app, [*args, "--table-stride", "2"])
    assert result.exit_code == 0, result.output
    from rnnlens.tracing import Trace

    # windows of 10 steps, 2 apart: 3 in sequence a (14 steps) and 2 in b (12); 5 + 3 at stride 1
    assert Trace.load(out).layers[0].n_samples == 3 + 2


def test_old_samples_count_of_demo_is_checked_like_n(files):
    new = runner.invoke(app, ["demo", "-n", "0", "-o", str(files / "d.html")])
    old = runner.invoke(app, ["demo", "--samples", "0", "-o", str(files / "d.html")])
    assert new.exit_code == old.exit_code == 1
    assert "must be a positive integer" in new.output and "must be a positive integer" in old.output
    assert "--samples is deprecated and will be removed; use --max-samples." in old.output
