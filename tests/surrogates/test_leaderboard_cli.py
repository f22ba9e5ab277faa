"""``fusebound leaderboard``: JSON rows, outputs, exit codes of bad input."""

from __future__ import annotations

import json

from fusebound.cli import main

REQUIRED = {"model", "dataset", "split", "target", "r2", "smape", "rmse", "p75_abs_rel_err",
            "within_10pct", "n"}


def test_cli_json_rows_and_files(hls_root, tmp_path, capsys):
    code = main(["leaderboard", "--data", "wa-hls4ml-csv", "--path", str(hls_root), "--quick",
                 "--max-designs", "80", "--models", "gbt", "wa-gnn", "--no-plots",
                 "--no-progress", "--out", str(tmp_path), "--json"])
    out = capsys.readouterr().out
    assert code == 0
    rows = json.loads(out)  # stdout holds only the JSON
    assert rows and all(REQUIRED <= set(r) for r in rows)
    assert {r["model"] for r in rows if r["status"] == "ok"} == {"gbt", "wa-gnn"}
    assert all(r["dataset"] == "wa-hls4ml-csv" for r in rows)
    for f in ("leaderboard.md", "leaderboard.csv", "leaderboard.json"):
        assert (tmp_path / f).stat().st_size > 0
    # rerun from the checkpoints just written: same numbers, table output
    code = main(["leaderboard", "--data", "wa-hls4ml-csv", "--path", str(hls_root), "--quick",
                 "--max-designs", "80", "--models", "gbt", "wa-gnn", "--no-plots",
                 "--no-progress", "--from-checkpoints", str(tmp_path / "checkpoints")])
    table = capsys.readouterr().out
    assert code == 0 and "target wa-hls4ml-csv/in-distribution" in table
    lut = next(r for r in rows if r["model"] == "gbt" and r["target"] == "lut"
               and r["split"] == "in-distribution")
    assert f"{lut['r2']:.4g}" in table


def test_cli_bad_input_exits_2(hls_root, tmp_path, capsys):
    assert main(["leaderboard", "--data", "wa-hls4ml-csv", "--path", str(hls_root),
                 "--models", "not-a-model", "--quick"]) == 2
    assert "leaderboard models must be among" in capsys.readouterr().err
    assert main(["leaderboard", "--data", "wa-hls4ml-csv", "--path", str(hls_root), "--quick",
                 "--from-checkpoints", str(tmp_path / "nowhere")]) == 2
    assert "--from-checkpoints must exist" in capsys.readouterr().err
    assert main(["leaderboard", "--quick", "--max-epochs", "0"]) == 2


def test_cli_seeds_summary_is_the_mean_of_the_per_seed_rows(hls_root, tmp_path, capsys):
    code = main(["leaderboard", "--data", "wa-hls4ml-csv", "--path", str(hls_root), "--quick",
                 "--max-designs", "80", "--models", "gbt", "wa-gnn", "wa-transformer",
                 "--no-plots", "--no-progress", "--seeds", "0", "1", "--out", str(tmp_path),
                 "--json"])
    assert code == 0
    summary = json.loads(capsys.readouterr().out)
    per = {s: json.loads((tmp_path / f"seed-{s}" / "leaderboard.json").read_text())["rows"]
           for s in (0, 1)}
    row = next(r for r in summary["rows"] if r["model"] == "gbt" and r["target"] == "lut")
    r2s = [next(x["r2"] for x in per[s] if x["model"] == "gbt" and x["target"] == "lut"
                and x["split"] == row["split"]) for s in (0, 1)]
    assert row["n_seeds"] == 2 and abs(row["r2"] - sum(r2s) / 2) < 1e-12
    assert r2s[0] != r2s[1]  # the seeds really differ (split and initialization)
    assert (tmp_path / "seeds.md").read_text().count("+-") > 0
    assert summary["targets_check"]


def test_cli_seeds_bad_input(hls_root, tmp_path, capsys):
    base = ["leaderboard", "--data", "wa-hls4ml-csv", "--path", str(hls_root), "--quick",
            "--no-progress", "--out", str(tmp_path)]
    assert main(base + ["--seeds", "1", "1"]) == 2
    assert "seeds must be distinct integers >= 0" in capsys.readouterr().err
    assert main(base + ["--seeds", "0", "1", "--seed", "3"]) == 2
    assert "either --seed or --seeds" in capsys.readouterr().err
