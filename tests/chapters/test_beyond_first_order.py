"""Chapter 11 (beyond first order): the companion ``gdlab.chapters.beyond_first_order``,
its two explorers, their verdicts and the check of the by-hand Newton step. Expected values
come from hand computation (the 2×2 inverse, Newton's map −x³ on √(1 + x²)) or from running
the methods, not from the functions under test."""

import warnings

import matplotlib
import numpy as np
import pytest
from explorer_checks import check_fast_frames
from landscapes import SoftAbs
from matplotlib.figure import Figure

import gdlab
from gdlab import second_order as so
from gdlab.chapters import beyond_first_order as bfo

PNG = b"\x89PNG\r\n\x1a\n"


def drawn(explorer, **values):
    values = {**explorer.start, **values}
    return explorer.draw_into(Figure(), explorer.result(**values), **values)


SOFT = SoftAbs()

# -- the main explorer -------------------------------------------------------------------------
LANDSCAPES = {"Rosenbrock": gdlab.rosenbrock, "the double well": gdlab.double_well}
STARTS = {"Rosenbrock": {"A": [-1.2, 1.0], "B": [1.5, -0.5]},
          "the double well": {"A": [0.0, 1.0], "B": [1.5, -1.0]}}


def method_compute(landscape, method, start):
    f, x0 = LANDSCAPES[landscape], STARTS[landscape][start]
    if method == "GD":
        return {"trajectory": gdlab.run(gdlab.SGD(lr=1e-3), f, x0, 20)}
    variant = {"Newton": "newton", "saddle-free Newton": "saddle-free"}[method]
    return {"trajectory": so.newton_path(f, x0, 20, variant=variant)}


def main_explorer(compute=method_compute, **kwargs):
    settings = dict(landscapes=LANDSCAPES, methods=["GD", "Newton", "saddle-free Newton"],
                    starts=["A", "B"], steps=20)
    settings.update(kwargs)
    return bfo.explorer(compute, **settings)


def test_method_verdicts():
    well = gdlab.double_well
    verdict = bfo.method_verdict
    newton = so.newton_path(gdlab.rosenbrock, [-1.2, 1.0], 20)     # exact at step 7
    assert verdict(newton, gdlab.rosenbrock) == "at the minimum from step 6\n(|x − x*| ≤ 1e-08)"
    assert verdict(newton, gdlab.rosenbrock, tol=1e-12).startswith("at the minimum from step 7")
    to_saddle = so.newton_path(well, [0.0, 1.0], 20)
    assert verdict(to_saddle, well) == "stuck at the saddle (0.127, 0)\nafter 4 steps"
    local = so.newton_path(well, [1.5, -1.0], 20)
    assert verdict(local, well).startswith("stuck at the local minimum (0.93, 0)")
    slow = gdlab.run(gdlab.SGD(lr=1e-3), gdlab.rosenbrock, [-1.2, 1.0], 5)
    assert verdict(slow, gdlab.rosenbrock).startswith("not there yet: |x − x*| = 2.")
    blown = so.newton_path(SOFT, [1.1], 10)
    assert verdict(blown, SOFT) == f"diverged after {blown.steps} steps"
    with pytest.raises(ValueError, match="tol must be in"):
        verdict(slow, gdlab.rosenbrock, tol=0.0)


def test_explorer_draws_path_distance_and_verdict():
    e = main_explorer()
    assert len(e.controls["landscape"]) * len(e.controls["method"]) * len(e.controls["start"]) <= 24
    assert e.render(landscape="the double well", method="Newton", start="A").startswith(PNG)
    ax_path, ax_d = drawn(e, landscape="the double well", method="Newton", start="A").axes
    assert ax_path.get_title().replace("\n", " ") == "Newton on the double well, A"
    assert ax_d.get_yscale() == "log"
    assert [t.get_text() for t in ax_d.texts] == ["stuck at the saddle (0.127, 0)\nafter 4 steps"]
    path = next(line for line in ax_path.get_lines() if line.get_label() == "Newton")
    assert path.get_color() == gdlab.plots.color_of("Newton")
    assert ax_path.get_xlim() == pytest.approx(gdlab.double_well.window[0])
    _, ax_d = drawn(e, landscape="Rosenbrock", method="saddle-free Newton", start="A").axes
    line = next(line for line in ax_d.get_lines() if line.get_label() == "saddle-free Newton")
    assert line.get_linestyle() == ":" and line.get_ydata().min() == 1e-16   # exact: drawn at 1e-16


def test_explorer_renders_without_warnings_in_the_book_style():
    with matplotlib.rc_context(), warnings.catch_warnings():
        warnings.simplefilter("error")
        gdlab.plots.use_book_style()
        e = main_explorer(methods=["GD", "Newton"], starts=["A"])
        assert e.to_html().count("iVBOR") >= 4


@pytest.mark.parametrize("kwargs, words", [
    (dict(compute="run"), "compute must be a function"),
    (dict(methods=["GD", "BFGS"]), "methods must be names of"),
    (dict(steps=0), "steps must be a whole number >= 1"),
    (dict(steps=10), "compute ran 20 steps"),
    (dict(landscapes={"saddle": gdlab.saddle}), "must be a 2-D landscape with a known minimum"),
    (dict(compute=lambda landscape, method, start: {"path": 1}), "must return a dict with 'trajectory'"),
    (dict(starts=["A", "B", "C", "D", "E"]), "max_frames"),
])
def test_explorer_refuses_bad_input(kwargs, words):
    with pytest.raises((ValueError, KeyError)) as error:
        main_explorer(**kwargs)
    assert words in str(error.value), str(error.value)


# -- the widget-plot exercise ---------------------------------------------------------------
def damping_compute(damping):
    variant = "damped" if damping else "newton"
    return {"trajectory": so.newton_path(SOFT, [2.0], 30, variant=variant, damping=damping)}


@pytest.mark.parametrize("damping, ok, start", [
    (0.0, False, "diverges: |x_k| grows beyond |x_0| = 2"),   # -x³: 2, -8, 512, ...
    (0.1, False, "overshoots"),                               # 2 - 0.894/0.189 = -2.73
    (0.2, True, "on target: |x_k| ≤ 1e-06 from step 9"),
    (0.5, True, "on target: |x_k| ≤ 1e-06 from step 13"),
    (1.0, False, "too slow: there at step 22, target ≤ 15"),
    (5.0, False, "too slow: not there after 30 steps"),
])
def test_damping_verdicts(damping, ok, start):
    got_ok, text = bfo.damping_verdict(damping_compute(damping)["trajectory"], 15, 1e-6)
    assert got_ok is ok and text.startswith(start), text
    if not ok:
        assert text.endswith("raise λ") if start[:2] in ("di", "ov") else text.endswith("lower λ")


def test_plain_newton_on_the_soft_absolute_value_is_minus_x_cubed():
    xs = damping_compute(0.0)["trajectory"].xs[:3, 0]
    np.testing.assert_allclose(xs, [2.0, -8.0, 512.0])


def test_damping_explorer_shows_the_attempt_against_the_target():
    e = bfo.damping_explorer(damping_compute, dampings=[0.0, 0.2, 1.0], target=15, tol=1e-6,
                             steps=30, start={"damping": 0.2})
    assert e.render().startswith(PNG)
    ax, = drawn(e).axes
    assert ax.get_title().replace("\n", " ") == "Damped Newton on √(1 + x²) from x₀ = 2, λ = 0.2"
    assert [t.get_text() for t in ax.texts] == ["on target: |x_k| ≤ 1e-06 from step 9\n(target ≤ 15)"]
    target = next(line for line in ax.get_lines() if line.get_label().startswith("target"))
    assert list(target.get_xdata()) == [15, 15, 30]
    assert e.render(damping=0.0).startswith(PNG)                  # a diverged run is drawn too
    assert drawn(e, damping=0.0).axes[0].texts[0].get_text().startswith("diverges")


def test_damping_explorer_refuses_bad_input():
    with pytest.raises(ValueError, match=r"dampings\[1\] must be in \[0, inf\)"):
        bfo.damping_explorer(damping_compute, dampings=[0.1, -1.0], target=15, tol=1e-6, steps=30)
    with pytest.raises(ValueError, match=r"tol must be in \(0, inf\)"):
        bfo.damping_explorer(damping_compute, dampings=[0.1], target=15, tol=0.0, steps=30)
    with pytest.raises(ValueError, match="compute ran 30 steps"):
        bfo.damping_explorer(damping_compute, dampings=[0.2], target=15, tol=1e-6, steps=20)
    with pytest.raises(ValueError, match="max_frames"):
        bfo.damping_explorer(damping_compute, dampings=list(np.linspace(0, 2, 17)), target=15,
                             tol=1e-6, steps=30)


@pytest.fixture(params=["explorer", "damping_explorer"])
def explorer(request):
    return {"explorer": main_explorer,
            "damping_explorer": lambda: bfo.damping_explorer(
                damping_compute, dampings=[0.0, 0.1, 0.2, 0.5, 1.0, 2.0], target=15, tol=1e-6,
                steps=30, start={"damping": 0.0})}[request.param]()


def test_frames_are_drawn_fast_and_equal_whole_draws(explorer):
    check_fast_frames(explorer)


# -- check_newton_step ------------------------------------------------------------------------
check = bfo.check_newton_step


def test_check_accepts_the_newton_step():
    # by hand: A = [[4, 2], [2, 2]], g(1, 1) = (4, 4), A⁻¹ = [[2, -2], [-2, 4]]/4, A⁻¹g = (0, 2)
    feedback = check((1.0, -1.0))
    assert feedback and "x₁ = (1, -1)" in feedback.message
    assert check([1, -1])
    # another quadratic: A = diag(2, 8), b = 0, from (1, 1): the minimum (0, 0)
    assert check((0.0, 0.0), A=[[2.0, 0.0], [0.0, 8.0]], b=[0.0, 0.0], x0=[1.0, 1.0])


@pytest.mark.parametrize("answer, words", [
    ((-23.0, -15.0), ["multiplied the gradient g = (4, 4) by H"]),   # (1, 1) − (24, 16)
    ((1.0, 3.0), ["the sign"]),                                       # (1, 1) + (0, 2)
    ((-3.0, -3.0), ["gradient step with learning rate 1"]),           # (1, 1) − (4, 4)
    ((-1.0, 1.0), ["did not swap a and d"]),                          # [[1, -.5], [-.5, .5]] g = (2, 0)
    ((-3.0, -5.0), ["off-diagonal entries change sign"]),             # [[.5, .5], [.5, 1]] g = (4, 6)
    ((2.0, 2.0), ["x₁ is wrong"]),
])
def test_check_names_each_slip(answer, words):
    feedback = check(answer)
    assert not feedback
    for word in words:
        assert word in feedback.message, feedback.message
    if answer == (2.0, 2.0):
        assert "Hint" not in feedback.message


def test_the_notebooks_first_message_is_unchanged():
    assert str(check((-23.0, -15.0))) == (
        "✘ Not yet. x₁ is wrong: x should be 1 (you gave -23); y should be -1 (you gave -15).\n"
        "Hint: you multiplied the gradient g = (4, 4) by H; Newton's step divides by it: solve H\n"
        "p = −g (or use H⁻¹).")


def test_check_refuses_bad_setup_and_odd_answers():
    assert "shape" in str(check((1.0, 2.0, 3.0)))
    assert not check("many")
    with pytest.raises(ValueError, match="A must be a symmetric invertible 2×2 matrix"):
        check((1, -1), A=[[1.0, 2.0], [2.0, 4.0]])
    with pytest.raises(ValueError, match="A must be a symmetric invertible 2×2 matrix"):
        check((1, -1), A=[[1.0, 2.0], [0.0, 4.0]])
    with pytest.raises(ValueError, match="b and x0 must have 2 entries"):
        check((1, -1), b=[1.0, 2.0, 3.0])
