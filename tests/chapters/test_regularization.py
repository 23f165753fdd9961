"""The appendix on regularization: the companion ``gdlab.chapters.regularization``, its two
explorers, the exercise's verdict and the check of the by-hand proximal step. Expected
values come from hand computation or from scikit-learn, not from the functions under
test."""

import warnings

import matplotlib
import numpy as np
import pytest
from explorer_checks import check_fast_frames
from matplotlib.figure import Figure
from sklearn.linear_model import lars_path

import gdlab
from gdlab import regularization as reg
from gdlab.chapters import regularization as companion
from gdlab.problems import LeastSquares

PNG = b"\x89PNG\r\n\x1a\n"


def two_features(seed=0, n=50):
    """Two correlated features, as in the appendix."""
    rng = np.random.default_rng(seed)
    u1 = rng.standard_normal(n)
    u2 = 0.6 * u1 + 0.8 * rng.standard_normal(n)
    X = np.column_stack([u1, u2])
    return LeastSquares(X, X @ [1.5, 0.5] + 0.3 * rng.standard_normal(n),
                        window=((-0.6, 2.0), (-0.8, 1.4)))


PROBLEM = two_features()
LAMS = [0.0, 0.2, 0.5, 0.9, 1.6]


def compute(lam, penalty):
    return {"w": reg.ista(PROBLEM, lam).w if penalty == "L1" else reg.ridge(PROBLEM, lam)}


def lasso(lam):
    return {"w": reg.ista(PROBLEM, lam).w}


def drawn(explorer, **values):
    values = {**explorer.start, **values}
    return explorer.draw_into(Figure(), explorer.result(**values), **values)


# -- geometry helpers ---------------------------------------------------------------------------
def test_level_curve_is_the_contour_line_through_w():
    w = np.array([0.3, -0.2])
    curve = companion.level_curve(PROBLEM, w, points=50)
    assert curve.shape == (50, 2)
    values = [PROBLEM(point) for point in curve]
    np.testing.assert_allclose(values, PROBLEM(w), rtol=1e-10)
    at_minimum = companion.level_curve(PROBLEM, PROBLEM.minimum)      # shrinks to a point
    np.testing.assert_allclose(at_minimum - PROBLEM.minimum, 0.0, atol=1e-12)


def test_region_outlines_by_hand():
    diamond = companion.region_outline("L1", 2.0)
    np.testing.assert_array_equal(diamond[:4], [[2, 0], [0, 2], [-2, 0], [0, -2]])
    np.testing.assert_allclose(np.abs(diamond).sum(axis=1), 2.0)
    circle = companion.region_outline("L2", 0.5, points=9)
    np.testing.assert_allclose(np.hypot(*circle.T), 0.5)
    with pytest.raises(ValueError, match="penalty must be one of 'L1', 'L2'"):
        companion.region_outline("l1", 1.0)
    with pytest.raises(ValueError, match=r"radius must be in \[0, inf\)"):
        companion.region_outline("L1", -1.0)


def test_the_lasso_touches_its_diamond_and_ridge_its_circle_tangentially():
    # at the solution the contour's normal (the gradient of J) is opposite a normal of the
    # region: −∇J ∈ λ ∂‖w‖₁ for L1, −∇J = λw for L2
    w1 = reg.ista(PROBLEM, 0.9).w
    g = PROBLEM.grad(w1)
    assert w1[1] == 0 and g[0] == pytest.approx(-0.9, abs=1e-9) and abs(g[1]) <= 0.9
    w2 = reg.ridge(PROBLEM, 0.9)
    np.testing.assert_allclose(PROBLEM.grad(w2), -0.9 * w2, atol=1e-12)


# -- explorer 1 -----------------------------------------------------------------------------
def geometry(**kwargs):
    settings = dict(compute=compute, lams=LAMS, problem=PROBLEM, window=PROBLEM.window)
    settings.update(kwargs)
    return companion.geometry_explorer(**settings)


def test_geometry_explorer_draws_the_region_through_w_and_the_verdict():
    e = geometry(start={"lam": 0.9, "penalty": "L1"})
    assert e.render().startswith(PNG)
    ax, = drawn(e).axes
    assert ax.get_title().replace("\n", " ") == "L1 penalty, λ = 0.9"
    labels = [line.get_label() for line in ax.get_lines()]
    radius = np.abs(reg.ista(PROBLEM, 0.9).w).sum()
    assert f"|w₁| + |w₂| ≤ {radius:.2f}" in labels and "contour of J through w" in labels
    assert "least-squares minimum" in labels
    assert [t.get_text() for t in ax.texts] == [
        f"w = ({reg.ista(PROBLEM, 0.9).w[0]:.3f}, 0.000)\none weight is exactly 0"]
    ax, = drawn(e, penalty="L2", lam=0.5).axes
    assert ax.texts[0].get_text().endswith("no weight is exactly 0")
    ax, = drawn(e, lam=0.0).axes            # λ = 0: w is the minimum, no contour through it
    assert "contour of J through w" not in [line.get_label() for line in ax.get_lines()]
    assert ax.get_xlim() == pytest.approx((-0.6, 2.0))


def test_geometry_explorer_renders_without_warnings_in_the_book_style():
    with matplotlib.rc_context(), warnings.catch_warnings():
        warnings.simplefilter("error")
        gdlab.plots.use_book_style()
        assert geometry(lams=[0.2, 1.6]).to_html().count("iVBOR") >= 4


@pytest.mark.parametrize("kwargs, words", [
    (dict(compute="ista"), ["compute must be a function"]),
    (dict(lams=[0.1, -0.2]), ["lams[1] must be in [0, inf)"]),
    (dict(penalties=["L1", "L0"]), ["penalties must be one of 'L1', 'L2'"]),
    (dict(problem=LeastSquares(np.ones((4, 3)), np.ones(4))), ["2-D gdlab.problems.LeastSquares"]),
    (dict(compute=lambda lam, penalty: [0.0, 0.0]), ["must return a dict with 'w'"]),
    (dict(compute=lambda lam, penalty: {"w": np.zeros(3)}), ["two weights"]),
    (dict(lams=list(np.linspace(0, 2, 13))), ["max_frames"]),
])
def test_geometry_explorer_refuses_bad_input(kwargs, words):
    with pytest.raises(ValueError) as error:
        geometry(**kwargs)
    for word in words:
        assert word in str(error.value), str(error.value)


# -- the widget-plot exercise -----------------------------------------------------------------
def test_the_breakpoint_is_where_sklearn_says():
    # lars_path: the lasso path's kinks; w₂ leaves the model at the middle one
    alphas, _, coefs = lars_path(PROBLEM.X, PROBLEM.y, method="lasso")
    assert alphas[0] == pytest.approx(reg.lasso_lambda_max(PROBLEM))
    assert coefs[1, 1] == 0 and coefs[0, 1] != 0
    assert 0.7 < alphas[1] < 0.75
    assert reg.ista(PROBLEM, alphas[1] * 1.001).w[1] == 0
    assert reg.ista(PROBLEM, alphas[1] * 0.999).w[1] != 0


@pytest.mark.parametrize("w, below, ok, start", [
    ([0.9, 0.1], None, False, "no weight is 0 yet"),
    ([0.0, 0.0], [0.1, 0.0], False, "every weight is 0"),
    ([0.8, 0.0], [0.9, 0.0], False, "one weight is 0, but the next smaller λ"),
    ([0.8, 0.0], [0.9, 0.01], True, "on target"),
    ([0.8, 0.0], None, True, "on target"),
])
def test_zero_verdict_for_each_case(w, below, ok, start):
    got, verdict = companion.zero_verdict(w, below)
    assert got is ok and verdict.startswith(start), verdict


def zero(**kwargs):
    settings = dict(compute=lasso, lams=[0.6, 0.7, 0.75, 0.8, 1.6], problem=PROBLEM,
                    window=PROBLEM.window)
    settings.update(kwargs)
    return companion.zero_explorer(**settings)


def test_zero_explorer_shows_the_attempt_against_the_target():
    e = zero(start={"lam": 0.75})
    assert e.render().startswith(PNG)
    ax, = drawn(e).axes
    assert ax.get_title().replace("\n", " ").startswith("Lasso, λ = 0.75: w = (")
    assert ax.texts[0].get_text().startswith("on target")
    assert drawn(e, lam=0.8).axes[0].texts[0].get_text().startswith("one weight is 0, but")
    assert drawn(e, lam=0.7).axes[0].texts[0].get_text() == "no weight is 0 yet:\nraise λ"
    assert drawn(e, lam=1.6).axes[0].texts[0].get_text().startswith("every weight is 0")
    assert drawn(e, lam=0.6).axes[0].texts[0].get_text().startswith("no weight")


def test_zero_explorer_refuses_bad_input():
    with pytest.raises(ValueError, match="lams must be increasing"):
        zero(lams=[0.8, 0.7])
    with pytest.raises(ValueError, match="compute must be a function of lam"):
        zero(compute=None)
    with pytest.raises(ValueError, match="max_frames"):
        zero(lams=list(np.linspace(0.1, 1.7, 17)))


@pytest.fixture(params=["geometry", "zero"])
def explorer(request):
    return {"geometry": lambda: geometry(start={"lam": 0.9, "penalty": "L1"}),
            "zero": lambda: zero(start={"lam": 0.6})}[request.param]()


def test_frames_are_drawn_fast_and_equal_whole_draws(explorer):
    check_fast_frames(explorer)


# -- check_ista_step ----------------------------------------------------------------------------
W, G, LR, LAM = [1.0, 0.1, -0.5], [0.6, 0.1, -0.4], 0.5, 0.4
check = companion.check_ista_step


def test_check_accepts_the_right_step():
    # by hand: w − αg = (0.7, 0.05, −0.3); threshold αλ = 0.2: (0.5, 0, −0.1)
    feedback = check([0.5, 0.0, -0.1], W, G, LR, LAM)
    assert feedback and "w1⁺ = 0.5, w2⁺ = 0, w3⁺ = -0.1" in feedback.message
    assert check(np.array([0.5, 0.0, -0.1]), W, G, LR, LAM)


@pytest.mark.parametrize("answer, words", [
    ([0.3, 0.0, 0.0], ["threshold is α·λ = 0.2, not λ = 0.4"]),        # S_λ(w − αg)
    ([0.5, -0.15, -0.1], ["subgradient step", "jumps over 0"]),          # w − α(g + λ sign w)
    ([0.5, -0.05, -0.1], ["thresholded first"]),                         # S(w) − αg
    ([0.7, 0.0, -0.3], ["hard threshold"]),                              # keep or zero
    ([1.1, 0.0, -0.5], ["against the gradient"]),                        # S(w + αg)
    ([0.5, 0.1, -0.1], ["w2⁺ should be 0"]),
])
def test_check_names_each_slip(answer, words):
    feedback = check(answer, W, G, LR, LAM)
    assert not feedback
    for word in words:
        assert word in feedback.message, feedback.message
    if answer == [0.5, 0.1, -0.1]:
        assert "Hint" not in feedback.message


def test_check_refuses_bad_setup_and_odd_answers():
    assert "should have 3 numbers" in str(check([0.5, 0.0], W, G, LR, LAM))
    assert "should be" in str(check("zero", W, G, LR, LAM))
    with pytest.raises(ValueError, match=r"grad must have the shape of w"):
        check([0, 0, 0], W, G[:2], LR, LAM)
    with pytest.raises(ValueError, match=r"lr must be in \(0, inf\)"):
        check([0, 0, 0], W, G, 0.0, LAM)
    with pytest.raises(ValueError, match=r"lam must be in \[0, inf\)"):
        check([0, 0, 0], W, G, LR, -1.0)
