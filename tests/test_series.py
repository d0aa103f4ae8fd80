"""Numeric series: CSV reading, windows, scaling, baselines, season, the regressor, the CLI."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from main import main
from models.regressor import RegressorConfig, SeriesRegressor
from nlp.errors import ConfigError, CorpusError
from nlp.tasks.series.data import (
    Scaler,
    SeriesDataSpec,
    detect_season,
    make_windows,
    naive_forecast,
    naive_one_step,
    read_header,
    read_series,
    sample_series_path,
    seasonal_naive_forecast,
    seasonal_one_step,
    split_series,
)
from nlp.tasks.series.task import SeriesTask, forecast_report, prepare_series, verdict
from nlp.training.config import TrainConfig

ROOT = Path(__file__).resolve().parents[1]


def write_csv(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.encode(encoding))
    return path


def sine_csv(path: Path, n: int = 120, period: int = 12) -> Path:
    rows = "".join(f"{math.sin(2 * math.pi * t / period):.6f}\n" for t in range(n))
    return write_csv(path, "value\n" + rows)


# -- windows, split, scaling --------------------------------------------------------

def test_windows_are_left_padded_with_a_mask():
    scaled = np.array([1.0, 2.0, 3.0, 4.0, 5.0])
    x = make_windows(scaled, np.array([1, 2, 4, 5]), window=3)
    assert x.shape == (4, 3, 2) and x.dtype == np.float32
    assert x[0, :, 0].tolist() == [0, 0, 1] and x[0, :, 1].tolist() == [0, 0, 1]
    assert x[1, :, 0].tolist() == [0, 1, 2] and x[1, :, 1].tolist() == [0, 1, 1]
    assert x[2, :, 0].tolist() == [2, 3, 4] and x[2, :, 1].tolist() == [1, 1, 1]
    assert x[3, :, 0].tolist() == [3, 4, 5]  # the window after the last value


def test_split_holds_out_the_horizon_and_a_validation_part():
    split = split_series(1000, window=28, horizon=20)
    assert split.sizes == (880, 100, 20)  # validation: a tenth of the series
    assert split_series(100, window=28, horizon=20).sizes == (60, 20, 20)
    with pytest.raises(CorpusError, match="needs at least 68"):
        split_series(67, window=28, horizon=20)


def test_scaling_is_fitted_on_the_training_part_only(tmp_path):
    values = [float(t % 7) for t in range(200)]
    calm = write_csv(tmp_path / "calm.csv", "v\n" + "".join(f"{v}\n" for v in values))
    values[-10:] = [1000.0] * 10  # wild values in the test part
    wild = write_csv(tmp_path / "wild.csv", "v\n" + "".join(f"{v}\n" for v in values))
    spec = dict(window=10, horizon=10)
    a = prepare_series(SeriesDataSpec(csv=str(calm), **spec))
    b = prepare_series(SeriesDataSpec(csv=str(wild), **spec))
    assert a.scaler == b.scaler
    train = np.array(values[:a.split.train_end])
    assert a.scaler.mean == pytest.approx(train.mean())
    assert a.scaler.std == pytest.approx(train.std())
    assert Scaler.fit(np.full(5, 3.0)).std == 1.0  # a constant series is not divided by 0


def test_training_windows_predict_only_training_values(series_csv):
    data = prepare_series(SeriesDataSpec(csv=str(series_csv), window=6, horizon=12))
    task = SeriesTask(SeriesRegressor(RegressorConfig(hidden=(4,))), data)
    assert len(task.y_train) == data.split.train_end - 1  # every training point but the first
    assert np.allclose(task.y_train.numpy(), data.scaled[1:data.split.train_end])


def test_an_epoch_takes_every_window_once_and_resumes_in_order(series_csv):
    data = prepare_series(SeriesDataSpec(csv=str(series_csv), window=6, horizon=12))
    task = SeriesTask(SeriesRegressor(RegressorConfig(hidden=(4,))), data)
    cfg = TrainConfig(max_epochs=1, batch_size=16)
    task.setup(torch.device("cpu"), cfg, 0, 1)
    epoch = [y for _, y in task.train_batches()]
    assert sorted(torch.cat(epoch).tolist()) == sorted(task.y_train.tolist())
    second = task.train_batches()
    first_batch = next(second)[1]
    state = task.state_dict()
    rest = [y for _, y in second]
    again = SeriesTask(task.model, data)
    again.setup(torch.device("cpu"), cfg, 0, 1)
    again.load_state_dict(state)
    assert [y.tolist() for _, y in again.train_batches()] == [y.tolist() for y in rest]
    assert not torch.equal(first_batch, epoch[0])  # a new pass, a new order


# -- baselines and season ----------------------------------------------------------

def test_baselines_on_a_toy_series():
    history = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
    assert naive_forecast(history, 3).tolist() == [6, 6, 6]
    assert seasonal_naive_forecast(history, 5, season=3).tolist() == [4, 5, 6, 4, 5]
    values = np.array([1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0])
    assert naive_one_step(values, np.array([5, 6])).tolist() == [5, 6]
    assert seasonal_one_step(values, np.array([5, 6]), season=3).tolist() == [3, 4]


def test_season_is_found_on_a_sine_and_not_on_noise():
    t = np.arange(240)
    assert detect_season(np.sin(2 * np.pi * t / 12))[0] == 12
    assert detect_season(0.05 * t + np.sin(2 * np.pi * t / 30))[0] == 30  # despite a trend
    noise = np.random.default_rng(0).normal(size=240)
    assert detect_season(noise)[0] is None


def test_the_sample_series_is_regenerable_and_weekly(tmp_path):
    spec = importlib.util.spec_from_file_location("make_series", ROOT / "corpora" /
                                                  "make_series.py")
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    assert gen.main(["--out", str(sample_series_path()), "--check"]) == 0
    data = prepare_series(SeriesDataSpec(csv=str(sample_series_path())))
    assert data.split.n == 1095 and data.series.column == "value"
    assert data.season.length == 7 and data.season.how == "detected"


def test_without_a_season_only_the_naive_forecast_competes(tmp_path):
    noise = np.random.default_rng(1).normal(size=200)
    csv = write_csv(tmp_path / "noise.csv", "v\n" + "".join(f"{v:.4f}\n" for v in noise))
    data = prepare_series(SeriesDataSpec(csv=str(csv), window=8, horizon=10))
    assert data.season.length is None and "none found" in data.season.describe()
    report = forecast_report(SeriesRegressor(RegressorConfig(hidden=(4,))), data)
    assert set(report.metrics) == {"model", "naive"}
    assert len(report.forecasts["model"]) == len(report.truth) == 10
    assert report.history_start + len(report.history) == 190  # the test part follows


def test_the_verdict_says_which_baselines_were_beaten():
    def metrics(ours, naive, seasonal=None):
        m = {"model": {"forecast": {"mse": ours}}, "naive": {"forecast": {"mse": naive}}}
        if seasonal is not None:
            m["seasonal_naive"] = {"forecast": {"mse": seasonal}}
        return m

    assert verdict("GRU 8", metrics(0.41, 2.3, 0.87)) == (
        "the GRU 8 beats both baselines: MSE 0.41 vs 2.3 naive, 0.87 seasonal-naive")
    assert "beats the naive baseline but not the seasonal-naive one" in verdict(
        "GRU 8", metrics(1.0, 2.3, 0.87))
    assert "does not beat the baselines" in verdict("GRU 8", metrics(3.0, 2.3, 0.87))
    assert verdict("GRU 8", metrics(1.0, 2.3)) == "the GRU 8 beats the naive baseline: MSE 1 vs 2.3 naive"


# -- reading CSV files ---------------------------------------------------------------

def test_csv_delimiters_decimal_commas_and_columns(tmp_path):
    semi = write_csv(tmp_path / "semi.csv", "Datum;Menge;Preis\n2024-01-01;3,5;1\n"
                     "2024-01-02;4,25;2\n")
    assert read_header(semi) == ["Datum", "Menge", "Preis"]
    assert read_series(semi, "menge").values.tolist() == [3.5, 4.25]  # any case
    with pytest.raises(ConfigError, match="its columns are: 'Datum', 'Menge', 'Preis'"):
        read_series(semi, "amount")
    with pytest.raises(ConfigError, match="choose the one to forecast"):
        read_series(semi)  # two numeric columns
    tabs = write_csv(tmp_path / "tabs.tsv", "day\tvalue\nmon\t1\ntue\t2\n", "utf-16")
    series = read_series(tabs)  # UTF-16 with a BOM; the only numeric column
    assert series.column == "value" and series.values.tolist() == [1, 2]


def test_csv_problems_are_explained(tmp_path):
    with pytest.raises(CorpusError, match="holds numbers, not column names"):
        read_series(write_csv(tmp_path / "a.csv", "1,2\n3,4\n"))
    with pytest.raises(CorpusError, match="no data rows"):
        read_series(write_csv(tmp_path / "b.csv", "date,value\n"))
    bad = write_csv(tmp_path / "c.csv", "date,value\nd1,1\nd2,\n\nd3,oops\nd4,4\nd5,NaN\n")
    with pytest.raises(CorpusError, match=r"line 3: column 'value' is empty \(2 more rows"):
        read_series(bad)
    dropped = read_series(bad, missing="drop")
    assert dropped.values.tolist() == [1, 4] and "left out 3 rows" in dropped.notes[0]
    filled = read_series(bad, missing="interpolate")
    assert filled.values.tolist() == [1, 2, 3, 4, 4]  # the end takes the nearest value
    with pytest.raises(ConfigError, match="drop, interpolate"):
        read_series(bad, missing="zero")


# -- the regressor -------------------------------------------------------------------

def test_regressor_shapes_and_config():
    torch.manual_seed(0)
    model = SeriesRegressor(RegressorConfig(cell="gru", hidden=(8, 8, 4)))
    assert len(model.rnns) == 2  # 8 8 fused, then 4
    assert model(torch.randn(5, 10, 2)).shape == (5,)
    cfg = RegressorConfig.from_dict({"cell": "lstm", "hidden": [50, 50]})
    assert cfg.hidden == (50, 50) and RegressorConfig.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError, match="hidden"):
        RegressorConfig(hidden=())
    with pytest.raises(ConfigError, match="Valid settings"):
        RegressorConfig.from_dict({"cells": "gru"})
    with pytest.raises(ConfigError, match="mask channel"):
        RegressorConfig(inputs=1)


def test_a_centred_model_follows_the_level_of_its_window():
    torch.manual_seed(0)
    x = torch.randn(4, 6, 2)
    x[..., 1] = 1.0
    x[0, :2] = 0.0  # a padded window: its padding must not count in the level
    shifted = x.clone()
    shifted[..., 0] += 5.0 * x[..., 1]
    centred = SeriesRegressor(RegressorConfig(hidden=(8,)))
    assert torch.allclose(centred(shifted), centred(x) + 5.0, atol=1e-5)
    plain = SeriesRegressor(RegressorConfig(hidden=(8,), centre=False))
    assert not torch.allclose(plain(shifted), plain(x) + 5.0, atol=1e-2)


# -- the command line ----------------------------------------------------------------

def test_the_model_beats_both_naive_forecasts_on_the_sample(tmp_path, capsys):
    out = tmp_path / "forecast.json"
    code = main(["series", "--cell", "lstm", "--hidden", "24", "24", "--epochs", "15",
                 "--threads", "1", "--device", "cpu", "--out", str(out), "--name", "sample",
                 "--workspace", str(tmp_path / "ws")])
    assert code == 0
    report = json.loads(out.read_text())
    assert report["beats"] == {"naive": True, "seasonal_naive": True}, report["verdict"]
    assert report["data"]["season"] == 7 and len(report["forecasts"]["model"]) == 28
    printed = capsys.readouterr()
    assert "using the sample series" in printed.err
    assert "verdict: the LSTM 24/24 beats both baselines" in printed.out
    listed = json.loads(_run_list(tmp_path / "ws", capsys))
    assert listed[0]["task"] == "series" and listed[0]["best"]["val_loss"] > 0


def _run_list(ws: Path, capsys) -> str:
    assert main(["runs", "list", "--json", "--workspace", str(ws)]) == 0
    return capsys.readouterr().out


def test_cli_draws_a_png_and_explains_a_bad_column(tmp_path, capsys):
    csv = sine_csv(tmp_path / "sine.csv", n=80)
    png = tmp_path / "plot.png"
    args = ["series", "--csv", str(csv), "--hidden", "4", "--window", "6", "--horizon", "12",
            "--steps", "3", "--device", "cpu", "--workspace", str(tmp_path / "ws")]
    assert main([*args, "--out", str(png)]) == 0
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "season: 12 (detected" in capsys.readouterr().out
    assert main([*args, "--column", "price"]) == 1
    assert "error: " in capsys.readouterr().err
    assert main([*args, "--out", str(tmp_path / "x.txt")]) == 1


def test_cli_continues_a_series_run(tmp_path, capsys):
    csv = sine_csv(tmp_path / "sine.csv", n=80)
    ws = ["--workspace", str(tmp_path / "ws")]
    assert main(["series", "--csv", str(csv), "--hidden", "4", "--window", "6", "--horizon",
                 "12", "--steps", "3", "--device", "cpu", "--name", "s", *ws]) == 0
    capsys.readouterr()
    assert main(["series", "--resume", "s", "--minutes", "0.01", *ws]) == 0
    printed = capsys.readouterr()
    assert "resumed at step 3 " in printed.err and "verdict: " in printed.out
    assert main(["series", "--resume", "s", "--steps", "5", *ws]) == 1
    assert "cannot be used with --resume" in capsys.readouterr().err
