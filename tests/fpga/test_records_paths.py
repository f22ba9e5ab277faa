"""Where fpga looks for the hls4ml data folder by default."""

from fpga.records import default_data_dir


def test_data_env_wins_over_shared(monkeypatch, tmp_path):
    (tmp_path / "shared" / "data" / "hls4ml").mkdir(parents=True)
    monkeypatch.setenv("FUSEBOUND_SHARED", str(tmp_path / "shared"))
    monkeypatch.setenv("FUSEBOUND_HLS4ML_DATA", str(tmp_path / "mine"))
    assert default_data_dir() == tmp_path / "mine"
    monkeypatch.delenv("FUSEBOUND_HLS4ML_DATA")
    assert default_data_dir() == tmp_path / "shared" / "data" / "hls4ml"


def test_no_default_without_environment(monkeypatch, tmp_path):
    monkeypatch.delenv("FUSEBOUND_HLS4ML_DATA", raising=False)
    monkeypatch.setenv("FUSEBOUND_SHARED", str(tmp_path))  # no data/hls4ml inside
    assert default_data_dir() is None
