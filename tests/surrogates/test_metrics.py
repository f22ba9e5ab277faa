import numpy as np
import pytest

from surrogates import metrics
from surrogates.targets import TargetScaler


def test_smape_wa_form_hand_value():
    # 200/2 * (|0-0|/(0+0+1) + |10-8|/(10+8+1)) = 100 * 2/19
    assert metrics.smape([0, 10], [0, 8]) == pytest.approx(200 / 19)


def test_r2_rmse_hand_values():
    y, yhat = np.array([1.0, 2.0, 3.0]), np.array([1.0, 2.0, 4.0])
    # SS_res = 1, SS_tot = 2 -> r2 = 0.5; rmse = sqrt(1/3)
    assert metrics.r2(y, yhat) == pytest.approx(0.5)
    assert metrics.rmse(y, yhat) == pytest.approx(np.sqrt(1 / 3))


def test_rel_err_and_within():
    # 100 (y - yhat) / (y + 1): (9 - 8)/10 -> 10%, (99 - 50)/100 -> 49%
    e = metrics.rel_err_pct([9, 99], [8, 50])
    assert e == pytest.approx([10.0, 49.0])
    assert metrics.within_pct([9, 99], [8, 50], 10) == 0.5


def test_coverage_ignores_missing_labels():
    y = np.array([1.0, 5.0, np.nan, 10.0])
    assert metrics.coverage(y, [0, 0, 0, 11], [2, 4, 9, 12]) == pytest.approx(1 / 3)


def test_scaler_round_trip_and_missing():
    y = np.array([[0.0, 10.0], [100.0, np.nan], [1000.0, 30.0]])
    s = TargetScaler.fit(y, ("lut", "ff"))
    z = s.transform(y)
    assert np.isnan(z[1, 1])
    assert np.allclose(s.inverse(z[[0, 2]]), y[[0, 2]], rtol=1e-4)
    assert s == TargetScaler.from_dict(s.to_dict())


def test_scaler_rejects_all_missing_target():
    from surrogates.errors import SurrogateError
    with pytest.raises(SurrogateError, match="target 'ff'"):
        TargetScaler.fit(np.array([[1.0, np.nan]]), ("lut", "ff"))
