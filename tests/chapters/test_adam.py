"""Chapter 6 (Adam): AdaMax, AMSGrad, the step-size bounds in gdlab.theory, the
adam_steps self-check and the Adam explorer."""

import math

import numpy as np
import pytest

import gdlab
from gdlab import checks, theory

PNG = b"\x89PNG\r\n\x1a\n"
RNG = np.random.default_rng(6)


# -- checks.adam_steps -----------------------------------------------------------------
GRADS = [[4.0, 1e-8], [-2.0, 3e-8]]


def by_hand(grads, lr=0.1, b1=0.9, b2=0.999, eps=1e-8, correct=True, eps_inside=False):
    g = np.asarray(grads, dtype=float)
    m = v = np.zeros(g.shape[1])
    out = []
    for t, gt in enumerate(g, start=1):
        m = b1 * m + (1 - b1) * gt
        v = b2 * v + (1 - b2) * gt**2
        m_hat = m / (1 - b1**t) if correct else m
        v_hat = v / (1 - b2**t) if correct else v
        denom = np.sqrt(v_hat + eps) if eps_inside else np.sqrt(v_hat) + eps
        out.append(-lr * m_hat / denom)
    return np.array(out)


def test_adam_steps_accepts_the_right_answer_and_rounding():
    assert checks.adam_steps(by_hand(GRADS), GRADS, lr=0.1)
    assert checks.adam_steps(np.round(by_hand(GRADS), 6), GRADS, lr=0.1)
    # the first step is exactly -lr * g / (|g| + eps)
    np.testing.assert_allclose(by_hand(GRADS)[0], [-0.1, -0.05])


def test_adam_steps_accepts_four_significant_digits_and_still_names_the_slip():
    # hand computations keep about four digits: that must be enough, for the right answer
    # and for recognising a typical slip (here: no bias correction)
    right = [[-0.1, -0.05], [-0.02663, -0.06342]]
    assert checks.adam_steps(right, GRADS, lr=0.1)
    no_correction = [[-0.3162, -0.009693], [-0.1132, -0.03545]]
    feedback = checks.adam_steps(no_correction, GRADS, lr=0.1)
    assert not feedback and "without bias correction" in str(feedback)
    assert not checks.adam_steps(right, GRADS, lr=0.1, rtol=1e-5)
    with pytest.raises(ValueError, match="rtol"):
        checks.adam_steps(right, GRADS, lr=0.1, rtol=0.0)


def test_adam_steps_for_a_single_parameter_takes_a_flat_list():
    grads = [1.0, 2.0, -1.0]
    assert checks.adam_steps(by_hand(np.reshape(grads, (3, 1)), lr=1e-3).ravel(), grads)


@pytest.mark.parametrize("answer, hint", [
    (by_hand(GRADS, correct=False), "without bias correction"),
    (by_hand(GRADS, eps_inside=True), "inside the square root"),
    (-by_hand(GRADS), "uphill"),
    (np.cumsum(by_hand(GRADS), axis=0), "parameters θ_t"),
])
def test_adam_steps_names_the_slip(answer, hint):
    feedback = checks.adam_steps(answer, GRADS, lr=0.1)
    assert not feedback
    assert hint in str(feedback)


def test_adam_steps_recognises_rmsprop_and_a_missing_root():
    g = np.asarray(GRADS)
    v = np.zeros(2)
    rms, no_root = [], []
    m = np.zeros(2)
    for t, gt in enumerate(g, start=1):
        m = 0.9 * m + 0.1 * gt
        v = 0.999 * v + 0.001 * gt**2
        v_hat = v / (1 - 0.999**t)
        rms.append(-0.1 * gt / (np.sqrt(v_hat) + 1e-8))
        no_root.append(-0.1 * m / (1 - 0.9**t) / (v_hat + 1e-8))
    assert "RMSProp" in str(checks.adam_steps(rms, GRADS, lr=0.1))
    assert "square root" in str(checks.adam_steps(no_root, GRADS, lr=0.1))


def test_adam_steps_explains_a_wrong_shape_and_rejects_bad_grads():
    assert "shape (2, 2)" in str(checks.adam_steps([1.0, 2.0, 3.0], GRADS, lr=0.1))
    with pytest.raises(ValueError, match="grads must contain only finite numbers"):
        checks.adam_steps([0.0], [np.nan])
    with pytest.raises(ValueError, match=r"beta2 must be in \[0, 1\)"):
        checks.adam_steps([0.0], [1.0], beta2=1.0)


# -- the explorer ----------------------------------------------------------------------
def small_explorer():
    return gdlab.widgets.adam_explorer(gdlab.rosenbrock, [-1.5, 2.0], lrs=[0.01, 0.1],
                                       beta1s=[0.0, 0.9], beta2s=[0.99, 0.999], steps=60,
                                       defaults={"lr": 0.1, "beta1": 0.9, "beta2": 0.999})


def test_explorer_result_is_an_adam_run():
    e = small_explorer()
    result = e.result(lr=0.01, beta1=0.0)
    direct = gdlab.run(gdlab.Adam(lr=0.01, beta1=0.0, beta2=0.999), gdlab.rosenbrock,
                       [-1.5, 2.0], 60)
    np.testing.assert_array_equal(result["trajectory"].xs, direct.xs)
    assert result["final_gap"] == pytest.approx(direct.gaps()[-1])
    assert result["steps_to_tol"] == direct.steps_to(1e-6, "gap")
    moves = np.abs(np.diff(direct.xs, axis=0))
    assert result["largest_step"] == pytest.approx(moves.max() / 0.01)


def test_explorer_largest_step_is_alpha_with_default_betas():
    # the first step is exactly alpha * |g| / (|g| + eps); later ones are shorter here
    result = small_explorer().result()
    assert result["largest_step"] == pytest.approx(1.0, abs=1e-6)


def test_explorer_renders_png_and_limits_frames():
    e = small_explorer()
    assert e.render().startswith(PNG)
    assert e.render(beta1=0.0) != e.render()
    with pytest.raises(ValueError, match="max_frames"):
        gdlab.widgets.adam_explorer(gdlab.rosenbrock, [-1.5, 2.0], lrs=[0.1] * 5,
                                    beta1s=[0.9] * 3, beta2s=[0.99] * 3)
