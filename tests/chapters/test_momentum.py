"""Tests for chapter 3 (momentum), the companion ``gdlab.chapters.momentum``: the momentum
explorer, the widget-plot exercise (its verdict and explorer), the check of the three
steps by hand on f = xy and the check of the learner's momentum class."""

import inspect
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

import gdlab
from by_hand import cs231n_by_hand, heavy_ball_by_hand
from explorer_checks import check_fast_frames
from gdlab.chapters import momentum
from gdlab.explorer import Explorer

NOTEBOOK = Path(__file__).parents[2] / "chapters" / "03-momentum.ipynb"
BOWL = gdlab.elongated_bowl
X0 = [-9.0, 2.0]
LRS = [0.1, 0.4, 0.9, 1.2, 1.6]
BETAS = [0.0, 0.3, 0.5, 0.7, 0.9, 0.95]


# The notebook's compute step ("Explore it yourself"), word for word but for the names of
# the bowl, the start and theory (test_compute_is_the_notebooks checks it).
def compute(lr, beta):
    """Momentum and GD with the same lr on the ravine: the runs, steps to 1e-6, the rate."""
    mom = gdlab.run(gdlab.Momentum(lr=lr, beta=beta), BOWL, X0, steps=80)
    gd = gdlab.run(gdlab.SGD(lr=lr), BOWL, X0, steps=80)    # beta = 0: no memory
    return {"momentum": mom, "gd": gd,
            "steps_momentum": mom.steps_to(1e-6), "steps_gd": gd.steps_to(1e-6),
            # the largest spectral radius of M(λ) over the bowl's curvatures 0.1 and 2
            "rate": gdlab.theory.heavy_ball_rate(0.1, 2.0, lr, beta)}


def compute_on_rosenbrock(lr, beta):
    """The same step on a landscape that is not a quadratic: no theory rate."""
    mom = gdlab.run(gdlab.Momentum(lr=lr, beta=beta), gdlab.rosenbrock, [-1.0, 1.0], 20)
    gd = gdlab.run(gdlab.SGD(lr=lr), gdlab.rosenbrock, [-1.0, 1.0], 20)
    return {"momentum": mom, "gd": gd, "steps_momentum": mom.steps_to(1e-6),
            "steps_gd": gd.steps_to(1e-6), "rate": None}


@pytest.fixture(scope="module")
def explorer():
    return momentum.explorer(compute, LRS, BETAS, BOWL, steps=80, tol=1e-6,
                             start={"lr": 0.9, "beta": 0.5})


def test_explorer_is_an_explorer_with_the_given_grid(explorer):
    assert isinstance(explorer, Explorer)
    assert explorer.controls == {"lr": LRS, "beta": BETAS}
    assert explorer.start == {"lr": 0.9, "beta": 0.5}


def test_result_matches_heavy_ball_written_by_hand(explorer):
    result = explorer.result(lr=0.4, beta=0.7)
    expected = heavy_ball_by_hand(BOWL, X0, 0.4, 0.7, 80)
    np.testing.assert_allclose(result["momentum"].xs, expected, rtol=1e-12, atol=1e-14)
    gd = heavy_ball_by_hand(BOWL, X0, 0.4, 0.0, 80)
    np.testing.assert_allclose(result["gd"].xs, gd, rtol=1e-12, atol=1e-14)
    # CS231n's form with mu = beta is the same method at a constant learning rate
    np.testing.assert_allclose(cs231n_by_hand(BOWL, X0, 0.4, 0.7, 80), expected,
                               rtol=1e-10, atol=1e-12)


def test_beta_zero_is_gradient_descent(explorer):
    result = explorer.result(lr=0.9, beta=0.0)
    np.testing.assert_array_equal(result["momentum"].xs, result["gd"].xs)


def test_steps_to_tolerance_agree_with_the_distances(explorer):
    result = explorer.result()   # the start values, lr = 0.9 and beta = 0.5
    needed = result["steps_momentum"]
    distances = np.linalg.norm(heavy_ball_by_hand(BOWL, X0, 0.9, 0.5, 80), axis=1)
    assert needed is not None
    assert np.all(distances[needed:] < 1e-6) and distances[needed - 1] >= 1e-6
    assert result["steps_gd"] is None          # GD at lr 0.9 needs about 170 steps


def test_rate_is_the_largest_eigenvalue_modulus(explorer):
    for lr, beta in [(0.9, 0.5), (0.4, 0.9), (1.6, 0.0)]:
        matrices = [np.array([[1 + beta - lr * lam, -beta], [1.0, 0.0]]) for lam in (0.1, 2.0)]
        expected = max(np.max(np.abs(np.linalg.eigvals(m))) for m in matrices)
        assert explorer.result(lr=lr, beta=beta)["rate"] == pytest.approx(expected)


def test_momentum_survives_a_learning_rate_that_breaks_gd(explorer):
    # lr = 1.6 puts lr*L = 3.2 above GD's limit 2 but below 2 + 2*0.7 = 3.4
    result = explorer.result(lr=1.6, beta=0.7)
    assert result["gd"].diverged and result["steps_gd"] is None
    assert not result["momentum"].diverged and result["rate"] < 1
    assert explorer.result(lr=1.6, beta=0.5)["momentum"].diverged   # 3.2 > 2 + 2*0.5


def test_render_returns_png_bytes(explorer):
    for values in ({}, {"lr": 1.6, "beta": 0.0}, {"lr": 0.1, "beta": 0.95}):
        png = explorer.render(**values)
        assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_explorer_without_a_quadratic_has_no_theory_rate():
    small = momentum.explorer(compute_on_rosenbrock, [1e-3], [0.9], gdlab.rosenbrock, steps=20)
    assert small.result()["rate"] is None
    assert small.render()[:4] == b"\x89PNG"
    _, ax_loss = drawn(small)
    assert "theory" not in ax_loss.texts[0].get_text()   # rate None: no theory line


def test_explorer_limits_the_number_of_frames():
    with pytest.raises(ValueError, match="max_frames"):
        momentum.explorer(compute, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7], BETAS, BOWL)
    with pytest.raises(ValueError, match="steps"):
        momentum.explorer(compute, LRS, BETAS, BOWL, steps=0)


def test_bad_arguments_are_refused_before_anything_is_drawn():
    calls = []

    def counting(lr, beta):
        calls.append((lr, beta))
        return compute(lr, beta)

    with pytest.raises(ValueError, match="tol"):
        momentum.explorer(counting, LRS, BETAS, BOWL, tol=0.0)
    with pytest.raises(ValueError, match=r"lrs\[1\] must be a finite real number, got 'fast'"):
        momentum.explorer(counting, [0.1, "fast"], BETAS, BOWL)
    with pytest.raises(ValueError, match=r"lrs\[0\] must be in \(0, inf\), got -0.1"):
        momentum.explorer(counting, [-0.1], BETAS, BOWL)
    with pytest.raises(ValueError, match=r"lrs\[1\] must be a finite real number, got nan"):
        momentum.explorer(counting, [0.1, float("nan")], BETAS, BOWL)
    with pytest.raises(ValueError, match=r"betas\[0\] must be a finite real number, got None"):
        momentum.explorer(counting, LRS, [None], BOWL)
    with pytest.raises(ValueError, match=r"betas\[1\] must be in \[0, 1\), got 1"):
        momentum.explorer(counting, LRS, [0.5, 1.0], BOWL)
    with pytest.raises(ValueError, match=r"betas\[0\] must be in \[0, 1\), got -0.5"):
        momentum.explorer(counting, LRS, [-0.5], BOWL)
    with pytest.raises(ValueError, match="at least one value"):
        momentum.explorer(counting, [], BETAS, BOWL)
    with pytest.raises(TypeError, match="compute must be a function"):
        momentum.explorer(BOWL, X0, LRS, BETAS)            # the old order: f, x0 first
    with pytest.raises(TypeError, match="f must be a gdlab Function"):
        momentum.explorer(counting, LRS, BETAS, X0)
    assert calls == []                                     # compute never ran


def test_check_xy_steps():
    right = momentum.check_xy_steps([(-1, 1), (-4, 1), (-8, 5)])
    assert right and str(right).startswith("✔ Correct.")
    wrong = momentum.check_xy_steps([(-1, 1), (-4, 1), (-8, 4)])
    assert not wrong
    assert str(wrong) == ("✘ Not yet. x1 and x2 are right. "
                          "x3 is wrong: y should be 5 (you gave 4).")


def test_check_xy_steps_recognises_plain_gradient_descent():
    gd = [(-1, 1), (-2, 2), (-4, 4)]   # x <- x - (y, x) three times
    feedback = momentum.check_xy_steps(gd)
    assert not feedback and "plain gradient-descent steps" in feedback.message


def test_shape_problems_are_explained():
    feedback = momentum.check_xy_steps([(-1, 1), (-4, 1)])
    assert not feedback and "shape (3, 2)" in feedback.message and "(2, 2)" in feedback.message
    assert "should be 3 points" in momentum.check_xy_steps("abc").message


def test_the_xy_worked_example_check():
    # f = xy, gradient (y, x); lr = 1, beta = 1 from (1, 2), computed by hand:
    # v1 = (2, 1) -> x1 = (-1, 1); v2 = (3, 0) -> x2 = (-4, 1); v3 = (4, -4) -> x3 = (-8, 5)
    assert momentum.check_xy_steps([(-1, 1), (-4, 1), (-8, 5)])


# -- start values: one `start` dict, missing or None controls at the middle of their lists --
def test_without_start_every_control_starts_in_the_middle():
    plain = momentum.explorer(compute, LRS, BETAS, BOWL)
    assert plain.start == {"lr": 0.9, "beta": 0.7}   # LRS[5 // 2], BETAS[6 // 2]


def test_start_sets_some_controls_and_leaves_the_others_in_the_middle():
    assert momentum.explorer(compute, LRS, BETAS, BOWL, start={"beta": 0.3}).start == {
        "lr": 0.9, "beta": 0.3}
    assert momentum.explorer(compute, LRS, BETAS, BOWL,
                             start={"lr": 1.6, "beta": None}).start == {"lr": 1.6, "beta": 0.7}


def test_start_values_are_the_ones_result_uses(explorer):
    by_default, explicit = explorer.result(), explorer.result(lr=0.9, beta=0.5)
    np.testing.assert_array_equal(by_default["momentum"].xs, explicit["momentum"].xs)


def test_start_outside_the_lists_is_refused():
    with pytest.raises(ValueError, match="start"):
        momentum.explorer(compute, LRS, BETAS, BOWL, start={"lr": 0.5})
    with pytest.raises(ValueError, match="not a control"):
        momentum.explorer(compute, LRS, BETAS, BOWL, start={"momentum": 0.9})


def test_start_picks_the_first_picture(explorer):
    # the first frame of the website version and the live widget's first picture
    assert explorer.render() == explorer.render(lr=0.9, beta=0.5)
    elsewhere = momentum.explorer(compute, LRS, BETAS, BOWL, start={"lr": 1.6, "beta": 0.7})
    assert elsewhere.render() == elsewhere.render(lr=1.6, beta=0.7)
    assert elsewhere.result()["gd"].diverged and not explorer.result()["gd"].diverged


# -- the picture: the shared panels, still titled, labelled and with legends ---------------
def drawn(explorer, **values):
    values = {**explorer.start, **values}
    fig = Figure()
    explorer.draw_into(fig, explorer.result(**values), **values)
    return fig.axes


def test_the_path_panel_shows_both_runs_with_gd_faded(explorer):
    ax_path, _ = drawn(explorer)
    assert ax_path.get_title().replace("\n", " ") == "Paths on elongated bowl x²/20 + y²"
    labels = [text.get_text() for text in ax_path.get_legend().get_texts()]
    assert "GD, lr = 0.9" in labels and "momentum, lr = 0.9, β = 0.5" in labels
    gd_line = next(line for line in ax_path.lines if line.get_label() == "GD, lr = 0.9")
    mom_line = next(line for line in ax_path.lines
                    if line.get_label() == "momentum, lr = 0.9, β = 0.5")
    assert gd_line.get_alpha() == pytest.approx(0.45) and mom_line.get_alpha() in (None, 1.0)
    np.testing.assert_array_equal(mom_line.get_xdata(), explorer.result()["momentum"].xs[:, 0])


def test_the_loss_panel_is_a_labelled_log_plot_with_the_verdict(explorer):
    _, ax_loss = drawn(explorer, lr=1.6, beta=0.7)
    assert ax_loss.get_title().replace("\n", " ") == "Loss curves" and ax_loss.get_yscale() == "log"
    assert ax_loss.get_xlabel() == "step t" and "log scale" in ax_loss.get_ylabel()
    assert np.log10(ax_loss.get_ylim()) == pytest.approx((-14, 4))
    assert [t.get_text() for t in ax_loss.get_legend().get_texts()] == ["GD", "momentum"]
    boxes = [text.get_text() for text in ax_loss.texts]
    assert boxes == ["momentum: not within 1e-06 in 80 steps\nGD: diverged\n"
                     "theory: momentum's error shrinks ×0.837 per step"]


def test_the_verdict_names_steps_divergence_and_the_theory_rate(explorer):
    _, ax_loss = drawn(explorer)   # lr = 0.9, beta = 0.5
    assert ax_loss.texts[0].get_text() == (
        "momentum: within 1e-06 after 50 steps\nGD: not within 1e-06 in 80 steps\n"
        "theory: momentum's error shrinks ×0.707 per step")
    _, ax_loss = drawn(explorer, lr=1.6, beta=0.5)   # lr*L = 3.2 > 2 + 2*0.5
    verdict = ax_loss.texts[0].get_text()
    assert verdict.startswith("momentum: diverged\nGD: diverged\n")
    assert "grows (unstable)" in verdict


# -- the check: expected answer and the plain-GD slip both from library optimizers ----------
def test_check_xy_steps_expects_the_library_momentum_iterates():
    library = gdlab.run(gdlab.Momentum(lr=1.0, beta=1.0), gdlab.xy, [1.0, 2.0], 3).xs[1:]
    np.testing.assert_array_equal(library, [(-1, 1), (-4, 1), (-8, 5)])
    assert momentum.check_xy_steps(library)
    # the CS231n form u <- u - lr*grad, x <- x + u is the same trajectory
    x, u, cs231n = np.array([1.0, 2.0]), np.zeros(2), []
    for _ in range(3):
        u = u - gdlab.xy.grad(x)
        x = x + u
        cs231n.append(x)
    assert momentum.check_xy_steps(cs231n)


def test_check_xy_steps_hint_fires_exactly_for_library_sgd():
    sgd = gdlab.run(gdlab.SGD(lr=1.0), gdlab.xy, [1.0, 2.0], 3).xs[1:]
    feedback = momentum.check_xy_steps(sgd)
    assert str(feedback) == (
        "✘ Not yet. x1 is right. x2 is wrong: x should be -4 (you gave -2); y should be 1 "
        "(you\ngave 2). (Later points follow from it, so fix this one first.) Hint: these "
        "are plain\ngradient-descent steps: with momentum the velocity v keeps the previous "
        "gradients (v ←\nβv + ∇f, then x ← x − lr·v).")
    nearly_sgd = sgd.copy()
    nearly_sgd[2, 1] += 1.0                   # not plain GD any more: no hint
    assert "Hint" not in momentum.check_xy_steps(nearly_sgd).message


# -- the coding exercise: the learner's heavy-ball class ----------------------------------
class HeavyBall:
    """The right answer, heavy-ball form: v <- beta v + g, theta <- theta - lr v."""

    def __init__(self, lr=0.01, beta=0.9):
        self.lr, self.beta, self.v = lr, beta, None

    def update(self, params, grads):
        if self.v is None:
            self.v = {name: np.zeros_like(p) for name, p in params.items()}
        for name in params:
            self.v[name] = self.beta * self.v[name] + grads[name]
            params[name] -= self.lr * self.v[name]


class CS231n:
    """The CS231n form, u <- mu u - lr g, theta <- theta + u: the same steps."""

    def __init__(self, lr=0.01, mu=0.9):
        self.lr, self.mu, self.u = lr, mu, None

    def update(self, params, grads):
        if self.u is None:
            self.u = {name: np.zeros_like(p) for name, p in params.items()}
        for name in params:
            self.u[name] = self.mu * self.u[name] - self.lr * grads[name]
            params[name] += self.u[name]


class Slipped(HeavyBall):
    """HeavyBall written with one slip, as a learner would."""

    def __init__(self, lr, beta, slip):
        super().__init__(lr, beta)
        self.slip = slip

    def update(self, params, grads):
        if self.v is None:
            self.v = {name: np.zeros_like(p) for name, p in params.items()}
            if self.slip == "stall":                # the loop indented into the if
                for name in params:
                    self.v[name] = self.beta * self.v[name] + grads[name]
                    params[name] -= self.lr * self.v[name]
                return
        if self.slip == "stall":
            return
        for name in params:
            if self.slip == "old velocity":
                params[name] -= self.lr * self.v[name]
                self.v[name] = self.beta * self.v[name] + grads[name]
            elif self.slip == "ewma":
                self.v[name] = self.beta * self.v[name] + (1 - self.beta) * grads[name]
                params[name] -= self.lr * self.v[name]
            else:                                   # "sign"
                self.v[name] = self.beta * self.v[name] + grads[name]
                params[name] += self.lr * self.v[name]


def test_check_momentum_class_passes_both_right_forms():
    for right in (HeavyBall, CS231n):
        feedback = momentum.check_momentum_class(right)
        assert feedback and feedback.message.startswith("All match: θ_1 = (-7.92, 1.6)")
    # the expected iterates are the library's, on the ravine from (-8, 2)
    library = gdlab.run(gdlab.Momentum(lr=0.1, beta=0.9), BOWL, [-8.0, 2.0], 5).xs
    np.testing.assert_allclose(library[1], [-7.92, 1.6])
    assert f"θ_5 = ({library[5, 0]:g}, {library[5, 1]:g})" in str(
        momentum.check_momentum_class(HeavyBall)).replace("\n", " ")


@pytest.mark.parametrize("slip, first_wrong, words", [
    ("ewma", "θ_1 is wrong", "that is the EWMA form"),
    ("old velocity", "θ_1 is wrong", "θ moved with the old velocity"),
    ("sign", "θ_1 is wrong", "the sign: θ moves uphill"),
    ("stall", "θ_1 is right. θ_2 is wrong", "θ stops moving after the first update"),
])
def test_check_momentum_class_names_each_slip(slip, first_wrong, words):
    feedback = momentum.check_momentum_class(lambda lr, beta: Slipped(lr, beta, slip))
    message = feedback.message.replace("\n", " ")
    assert not feedback and first_wrong in message and f"Hint: {words}" in message


def test_check_momentum_class_gives_no_hint_for_another_mistake():
    feedback = momentum.check_momentum_class(lambda lr, beta: HeavyBall(lr, 0.5))
    assert not feedback and "θ_2 is wrong" in feedback.message and "Hint" not in feedback.message


def test_check_momentum_class_reports_a_class_that_raises():
    class NoDict(HeavyBall):
        def update(self, params, grads):
            self.v = self.beta * self.v + grads       # v is None: TypeError

    feedback = momentum.check_momentum_class(NoDict)
    assert not feedback and feedback.message.startswith(
        "Your optimizer raised TypeError in update 1:")

    class NoArguments:                                 # __init__ takes no lr, beta
        def update(self, params, grads):
            pass

    made = momentum.check_momentum_class(NoArguments)
    assert not made and "raised TypeError when it was made" in made.message


def test_companion_exports_only_the_chapter_names():
    assert momentum.__all__ == ["explorer", "lr_verdict", "lr_explorer", "check_xy_steps",
                                "check_momentum_class"]
    assert not hasattr(gdlab, "widgets") and not hasattr(gdlab, "checks")


# -- the contract between the notebook's compute and the companion's draw ------------------
def test_the_notebook_compute_reads_the_bowl_curvatures_right():
    # the notebook writes heavy_ball_rate(0.1, 2.0, ...): the bowl's smallest and largest curvature
    np.testing.assert_array_equal(BOWL.eigenvalues, [0.1, 2.0])


def test_the_docstring_names_every_key_draw_reads(explorer):
    doc = momentum.explorer.__doc__
    for key in ("momentum", "gd", "steps_momentum", "steps_gd", "rate"):
        assert f'``"{key}"``' in doc
    assert "compute(lr=..., beta=...)" in doc
    # and draw reads exactly those: with them (and nothing else) it draws the full picture
    result = explorer.result(lr=1.6, beta=0.7)
    only_the_contract = {key: result[key] for key in
                         ("momentum", "gd", "steps_momentum", "steps_gd", "rate")}
    fig = Figure()
    explorer.draw_into(fig, only_the_contract, lr=1.6, beta=0.7)
    assert len(fig.axes) == 2 and fig.axes[1].texts[0].get_text().startswith("momentum:")


@pytest.mark.parametrize("key", ["momentum", "gd", "steps_momentum", "steps_gd", "rate"])
def test_a_missing_key_is_reported_by_name(explorer, key):
    result = dict(explorer.result())
    del result[key]
    with pytest.raises(TypeError, match=f"compute\\(lr=0.9, beta=0.5\\) returned no '{key}'"):
        explorer.draw_into(Figure(), result, lr=0.9, beta=0.5)


def test_a_wrong_shape_of_result_is_reported_with_the_contract(explorer):
    good = explorer.result()
    wrong = [
        (good["momentum"].xs, "must return a dict with 'momentum': a Trajectory"),   # an array
        ({**good, "gd": good["gd"].xs}, "returned 'gd' = array"),
        ({**good, "steps_gd": 12.5}, "'steps_gd' = 12.5; it must be an int or None"),
        ({**good, "steps_momentum": True}, "'steps_momentum' = True; it must be an int"),
        ({**good, "rate": "0.7"}, "'rate' = '0.7'; it must be a float or None"),
    ]
    for result, message in wrong:
        with pytest.raises(TypeError, match=re.escape(message)):
            explorer.draw_into(Figure(), result, lr=0.9, beta=0.5)


def test_a_wrong_compute_fails_when_built_and_when_drawn():
    def forgets_the_rate(lr, beta):
        return {key: value for key, value in compute(lr, beta).items() if key != "rate"}

    with pytest.raises(TypeError, match=r"compute\(lr=0.9, beta=0.7\) returned no 'rate'"):
        momentum.explorer(forgets_the_rate, LRS, BETAS, BOWL)   # the start values' result
    late = momentum.explorer(lambda lr, beta: compute(lr, beta) if lr == 0.9
                             else forgets_the_rate(lr, beta), LRS, BETAS, BOWL)
    assert "rate" not in late.result(lr=0.1)   # result() hands back what compute returned
    with pytest.raises(TypeError, match=r"compute\(lr=0.1, beta=0.7\) returned no 'rate'"):
        late.render(lr=0.1)


def test_a_compute_that_fails_fails_when_the_explorer_is_built():
    def three_d(lr, beta):   # the notebook's compute with a 3-D start point
        return {"momentum": gdlab.run(gdlab.Momentum(lr=lr, beta=beta), BOWL, [1.0, 2.0, 3.0],
                                      80)}

    with pytest.raises(ValueError, match=r"^compute\(lr=0.9, beta=0.5\) raised ValueError: "
                                         r"x0 must have shape \(2,\)"):
        momentum.explorer(three_d, LRS, BETAS, BOWL, start={"lr": 0.9, "beta": 0.5})


def test_compute_is_the_notebooks():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    cell = next(c for c in notebook.cells
                if c.cell_type == "code" and c.source.startswith("def compute("))
    in_notebook = cell.source.split("\n\n")[0]
    here = inspect.getsource(compute).strip()
    for ours, theirs in (("BOWL", "bowl"), ("X0", "x0"), ("gdlab.theory.", "theory.")):
        here = here.replace(ours, theirs)
    assert here == in_notebook
    assert "momentum.explorer(compute," in cell.source and "nbval-ignore-output" in cell.metadata.tags


# -- the widget-plot exercise: how large may α be at β = 0.5? ------------------------------
def lr_compute(lr, beta=0.5, steps=120):
    """The notebook's compute for the exercise (β = 0.5, 120 steps from (-9, 2))."""
    return {"trajectory": gdlab.run(gdlab.Momentum(lr=lr, beta=beta), BOWL, X0, steps)}


LR_PICKER = dict(lrs=[0.6, 0.8, 1.0, 1.2, 1.4, 1.5, 1.6], beta=0.5, target=60, steps=120,
                 tol=1e-6)


def larger_root(lam, lr, beta):
    """The larger modulus of the roots of z² − (1 + β − αλ)z + β, by the formula."""
    b = 1 + beta - lr * lam
    root = np.sqrt(complex(b * b - 4 * beta))
    return max(abs(b + root), abs(b - root)) / 2


def settles(lr, beta=0.5, steps=120):
    """The first step from which heavy ball, written out by hand, stays within 1e-6."""
    distance = np.linalg.norm(heavy_ball_by_hand(BOWL, X0, lr, beta, steps), axis=1)
    return int(np.nonzero(distance >= 1e-6)[0][-1]) + 1


@pytest.mark.parametrize("lr, beta, ok, words", [
    # αμ = 0.06 below the band's (1 − √0.5)² = 0.086: x's roots are real and positive
    (0.6, 0.5, False, "too slow: settles at step 105,\ntarget 60. |x| keeps its sign,\n"
                      "shrinks ×0.86 per step: raise α"),
    (0.8, 0.5, False, "too slow: settles at step 66,"),
    # 0.1 and 2 both in the band: both directions shrink by √0.5
    (1.0, 0.5, True, "on target: within 1e-06\nfrom step 49 (target: 60)"),
    (1.4, 0.5, True, "on target: within 1e-06\nfrom step 48 (target: 60)"),
    # αL = 2.96 above (1 + √0.5)² = 2.91: y's roots are real and negative
    (1.48, 0.5, False, "too slow: not settled in 120 steps,\ntarget 60. |y| flips sign,\n"
                       "shrinks ×0.91 per step: lower α"),
    # αL = 3 = 2 + 2β: a root at −1
    (1.5, 0.5, False, "oscillates: |y| flips sign every\nstep, does not shrink (×1.00).\n"
                      "Too large: lower α"),
    (1.505, 0.5, False, "diverges: |y| flips sign every\nstep, grows (×1.02)."),   # not stopped
    (1.6, 0.5, False, "diverges: the distance grows\nuntil the run stops (step 23).\n"
                      "Too large: lower α"),
    # β = 0.9: both in the band, rate √0.9 whatever α
    (0.9, 0.9, False, "too slow: not settled in 120 steps,\ntarget 60. |x| spirals in,\n"
                      "×√β = 0.95 per step: lower β"),
])
def test_lr_verdict_for_each_case(lr, beta, ok, words):
    got_ok, verdict = momentum.lr_verdict(lr_compute(lr, beta)["trajectory"], 60, 1e-6, beta)
    assert got_ok is ok and verdict.startswith(words), verdict


def test_the_verdicts_numbers_are_the_hand_computed_ones():
    # the steps at which the runs settle, from heavy ball written out by hand
    assert [settles(lr) for lr in (0.6, 0.8, 1.0, 1.4)] == [105, 66, 49, 48]
    # the per-step factors the verdicts print, from the quadratic formula
    assert f"{larger_root(0.1, 0.6, 0.5):.2f} {larger_root(0.1, 0.8, 0.5):.2f}" == "0.86 0.77"
    assert f"{larger_root(2.0, 1.48, 0.5):.2f} {larger_root(2.0, 1.505, 0.5):.2f}" == "0.91 1.02"
    assert larger_root(2.0, 1.5, 0.5) == pytest.approx(1.0)
    assert larger_root(0.1, 0.9, 0.9) == pytest.approx(np.sqrt(0.9))
    assert larger_root(2.0, 0.9, 0.9) == pytest.approx(np.sqrt(0.9))
    for lr in (1.0, 1.4):   # both curvatures in the complex band: √β
        assert larger_root(0.1, lr, 0.5) == pytest.approx(np.sqrt(0.5))
        assert larger_root(2.0, lr, 0.5) == pytest.approx(np.sqrt(0.5))


@pytest.fixture(scope="module")
def lr_picker():
    return momentum.lr_explorer(lr_compute, **LR_PICKER, start={"lr": 0.6})


def test_lr_explorer_shows_the_attempt_against_the_target(lr_picker):
    assert lr_picker.controls == {"lr": LR_PICKER["lrs"]} and lr_picker.start == {"lr": 0.6}
    assert lr_picker.render()[:8] == b"\x89PNG\r\n\x1a\n"
    ax, = drawn(lr_picker, lr=1.4)
    assert ax.get_title().replace("\n", " ") == "Heavy ball, β = 0.5, α = 1.4"
    assert [t.get_text() for t in ax.texts] == [
        "on target: within 1e-06\nfrom step 48 (target: 60)"]
    # the attempt: the distance of the run (drawn at 1e-16 once below it) and |y_t|
    distance = np.linalg.norm(heavy_ball_by_hand(BOWL, X0, 1.4, 0.5, 120), axis=1)
    attempt, across = [line for line in ax.lines if len(line.get_xdata()) == 121]
    np.testing.assert_allclose(attempt.get_ydata(), np.maximum(distance, 1e-16), rtol=1e-9)
    assert attempt.get_color() == gdlab.plots.color_of("Momentum")
    assert attempt.get_linestyle() == "-"
    assert across.get_linestyle() == ":"
    # the target: dashed down to 1e-6 at step 60, then along 1e-6; the box below it shaded
    target, = [line for line in ax.lines if list(line.get_xdata()) == [60, 60, 120]]
    assert list(target.get_ydata()) == [1e4, 1e-6, 1e-6] and target.get_linestyle() == "--"
    shade, = [p for p in ax.patches if p.get_alpha() == 0.12]
    assert to_hex(shade.get_facecolor()) == "#009e73"   # green: on target
    legend, = ax.figure.legends                     # below the panel, drawn once by setup
    assert [t.get_text() for t in legend.get_texts()] == [
        "‖θ_t − θ*‖", "|y_t| (across)", "target: ≤ 1e-06 from step 60"]
    assert np.log10(ax.get_ylim()) == pytest.approx((-16, 4)) and ax.get_xlim() == (0, 120)


def test_lr_explorer_frames_name_each_way_of_missing(lr_picker):
    for lr, start in [(0.6, "too slow"), (1.5, "oscillates"), (1.6, "diverges")]:
        ax, = drawn(lr_picker, lr=lr)
        assert ax.texts[0].get_text().startswith(start)
        shade, = [p for p in ax.patches if p.get_alpha() == 0.12]
        assert to_hex(shade.get_facecolor()) == "#d55e00"   # orange: missed
    assert lr_picker.result(lr=1.6)["trajectory"].diverged   # stopped early, still drawn
    assert lr_picker.render(lr=1.6)[:4] == b"\x89PNG"


def test_lr_explorer_refuses_bad_input():
    calls = []

    def counting(lr):
        calls.append(lr)
        return lr_compute(lr)

    bad = [({"lrs": []}, ValueError, "at least one value"),
           ({"lrs": [0.6, 0.0]}, ValueError, r"lrs\[1\] must be in \(0, inf\), got 0"),
           ({"lrs": [0.6, "big"]}, ValueError,
            r"lrs\[1\] must be a finite real number, got 'big'"),
           ({"beta": 1.0}, ValueError, r"beta must be in \[0, 1\), got 1"),
           ({"target": 0}, ValueError, "target must be a whole number >= 1, got 0"),
           ({"target": 130}, ValueError, "target must be at most steps = 120"),
           ({"steps": 12.5}, ValueError, "steps must be a whole number >= 1, got 12.5"),
           ({"tol": 0.0}, ValueError, r"tol must be in \(0, inf\), got 0"),
           ({"lrs": list(np.linspace(0.1, 1.4, 17))}, ValueError, "max_frames")]
    for change, error, words in bad:
        with pytest.raises(error, match=words):
            momentum.lr_explorer(counting, **{**LR_PICKER, **change})
    with pytest.raises(TypeError, match=r"compute must be a function compute\(lr\)"):
        momentum.lr_explorer(BOWL, **LR_PICKER)              # a landscape, not a compute
    assert calls == []                                        # compute never ran


@pytest.mark.parametrize("compute, error, words", [
    (lambda lr: lr_compute(lr)["trajectory"], TypeError,
     r"compute\(lr=1.4\) must return a dict with 'trajectory'"),
    (lambda lr: {"trajectory": lr_compute(lr)["trajectory"].xs}, TypeError,
     r"compute\(lr=1.4\) returned 'trajectory' = array"),
    (lambda lr: {"trajectory": gdlab.run(gdlab.SGD(lr=lr), BOWL, X0, 120)}, ValueError,
     r"compute\(lr=1.4\) must run gdlab.Momentum on a 2-D landscape"),
    (lambda lr: lr_compute(lr, steps=100), ValueError,
     r"compute\(lr=1.4\) ran 100 steps, but the explorer was given steps=120"),
])
def test_lr_explorer_refuses_a_compute_that_returns_the_wrong_thing(compute, error, words):
    with pytest.raises(error, match=words):                   # when built: the start's result
        momentum.lr_explorer(compute, **LR_PICKER, start={"lr": 1.4})
    late = momentum.lr_explorer(lambda lr: lr_compute(lr) if lr == 0.6 else compute(lr),
                                **LR_PICKER, start={"lr": 0.6})
    with pytest.raises(error, match=words):                   # or when that frame is drawn
        late.render(lr=1.4)


def test_lr_explorer_frames_are_drawn_fast_and_equal_whole_draws():
    explorer = momentum.lr_explorer(lr_compute, **LR_PICKER, start={"lr": 0.6})
    check_fast_frames(explorer, count=len(LR_PICKER["lrs"]))   # 1.6 too: a run stopped early
