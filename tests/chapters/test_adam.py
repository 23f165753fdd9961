"""Tests for chapter 6 (Adam), the companion ``gdlab.chapters.adam``: the check of Adam's
steps by hand (``check_adam_steps``), the check of an AdamW class (``check_adamw_class``),
the Adam explorer and the widget-plot exercise (``hover_explorer``, ``hover_verdict``), built
with the notebook's compute steps (repeated here on purpose: these tests are the tests of the
notebook's code)."""

import re

import numpy as np
import pytest
from explorer_checks import check_fast_frames
from matplotlib.figure import Figure

import gdlab
from gdlab.chapters import adam

PNG = b"\x89PNG\r\n\x1a\n"


# -- check_adam_steps ------------------------------------------------------------------
GRADS = [[4.0, 1e-8], [-2.0, 3e-8]]


def by_hand(grads, lr=0.1, b1=0.9, b2=0.999, eps=1e-8, correct_m=True, correct_v=True,
            eps_inside=False, root=True, damped=True, use_m=True):
    """Adam's steps written out with plain arrays, with a switch for each usual slip."""
    g = np.asarray(grads, dtype=float)
    m = v = np.zeros(g.shape[1])
    out = []
    for t, gt in enumerate(g, start=1):
        m = b1 * m + ((1 - b1) if damped else 1.0) * gt
        v = b2 * v + ((1 - b2) if damped else 1.0) * gt**2
        m_hat = m / (1 - b1**t) if correct_m else m
        v_hat = v / (1 - b2**t) if correct_v else v
        if eps_inside:
            denom = np.sqrt(v_hat + eps)
        else:
            denom = (np.sqrt(v_hat) if root else v_hat) + eps
        out.append(-lr * (m_hat if use_m else gt) / denom)
    return np.array(out)


def test_check_adam_steps_accepts_the_right_answer_and_rounding():
    assert adam.check_adam_steps(by_hand(GRADS), GRADS, lr=0.1)
    assert adam.check_adam_steps(np.round(by_hand(GRADS), 6), GRADS, lr=0.1)
    # the first step is exactly -lr * g / (|g| + eps)
    np.testing.assert_allclose(by_hand(GRADS)[0], [-0.1, -0.05])


def test_check_adam_steps_message_is_the_one_the_notebook_prints():
    assert str(adam.check_adam_steps(by_hand(GRADS), GRADS, lr=0.1)) == (
        "✔ Correct. All match: Δθ1 = (-0.1, -0.05), Δθ2 = (-0.0266337, -0.063421).")
    attempt = [[-0.3162, -0.009693], [-0.1132, -0.03545]]
    assert str(adam.check_adam_steps(attempt, GRADS, lr=0.1)) == (
        "✘ Not yet. Δθ1 is wrong: coordinate 1 should be -0.1 (you gave -0.3162); coordinate 2\n"
        "should be -0.05 (you gave -0.009693). (Later points follow from it, so fix this one\n"
        "first.) Hint: these are the steps without bias correction. Divide m by 1 − β1^t and v by\n"
        "1 − β2^t before taking the step: at t = 1 that makes m̂ = g and v̂ = g².")


def test_check_adam_steps_accepts_four_significant_digits_and_still_names_the_slip():
    # hand computations keep about four digits: that must be enough, for the right answer
    # and for recognising a typical slip (here: no bias correction)
    right = [[-0.1, -0.05], [-0.02663, -0.06342]]
    assert adam.check_adam_steps(right, GRADS, lr=0.1)
    no_correction = [[-0.3162, -0.009693], [-0.1132, -0.03545]]
    feedback = adam.check_adam_steps(no_correction, GRADS, lr=0.1)
    assert not feedback and "without bias correction" in str(feedback)
    assert not adam.check_adam_steps(right, GRADS, lr=0.1, rtol=1e-5)
    with pytest.raises(ValueError, match="rtol"):
        adam.check_adam_steps(right, GRADS, lr=0.1, rtol=0.0)


def test_check_adam_steps_for_a_single_parameter_takes_a_flat_list():
    grads = [1.0, 2.0, -1.0]
    assert adam.check_adam_steps(by_hand(np.reshape(grads, (3, 1)), lr=1e-3).ravel(), grads)


@pytest.mark.parametrize("slip, hint", [
    (dict(correct_m=False, correct_v=False), "these are the steps without bias correction"),
    (dict(correct_v=False), "you corrected m but not v"),
    (dict(correct_m=False), "you corrected v but not m"),
    (dict(eps_inside=True), "you put ε inside the square root"),
    (dict(root=False), "you divided by v̂ (+ ε) instead of √v̂ + ε"),
    (dict(damped=False), "you left out the (1 − β) factors"),
    (dict(use_m=False), "you used the gradient g_t in the numerator instead of the average"),
])
def test_check_adam_steps_names_each_slip(slip, hint):
    feedback = adam.check_adam_steps(by_hand(GRADS, **slip), GRADS, lr=0.1)
    assert not feedback
    assert "Hint: " + hint in " ".join(str(feedback).split())   # unwrapped
    assert str(feedback).count("Hint:") == 1


@pytest.mark.parametrize("answer, hint", [
    (-by_hand(GRADS), "uphill"),
    (np.cumsum(by_hand(GRADS), axis=0), "parameters θ_t"),
])
def test_check_adam_steps_names_a_step_uphill_and_parameters_for_steps(answer, hint):
    feedback = adam.check_adam_steps(answer, GRADS, lr=0.1)
    assert not feedback
    assert hint in str(feedback)


def test_the_wrong_variants_are_the_library_optimizers():
    # what gdlab.Adam does with a flag, or fed the negated gradients, is the slip it names
    def steps(optimizer, grads):
        return np.diff(gdlab.replay(optimizer, grads), axis=0)

    grads = np.array(GRADS)
    for optimizer, grads_fed, hint in [
            (gdlab.Adam(lr=0.1, bias_correction=False), grads, "without bias correction"),
            (gdlab.Adam(lr=0.1, beta1=0.0), grads, "RMSProp"),
            (gdlab.Adam(lr=0.1), -grads, "uphill")]:
        feedback = adam.check_adam_steps(steps(optimizer, grads_fed), GRADS, lr=0.1)
        assert not feedback and hint in str(feedback), hint
    # and the expected answer is gdlab.Adam's, to far better than the tolerance
    feedback = adam.check_adam_steps(steps(gdlab.Adam(lr=0.1), grads), GRADS, lr=0.1,
                                     rtol=1e-12)
    assert feedback


def test_check_adam_steps_tries_the_slips_in_order_and_skips_those_that_are_right():
    # with beta1 = 0 correcting m changes nothing: "m corrected, v not" is then the same as
    # no bias correction at all, and the earlier hint wins
    feedback = adam.check_adam_steps(by_hand(GRADS, b1=0.0, correct_v=False), GRADS, lr=0.1,
                                     beta1=0.0)
    assert "without bias correction" in str(feedback)
    assert "corrected m but not v" not in str(feedback)
    # with beta1 = 0 Adam *is* bias-corrected RMSProp: the right answer, not a slip
    assert adam.check_adam_steps(by_hand(GRADS, b1=0.0, use_m=False), GRADS, lr=0.1,
                                 beta1=0.0)
    assert "RMSProp" not in str(adam.check_adam_steps(1.5 * by_hand(GRADS, b1=0.0), GRADS,
                                                      lr=0.1, beta1=0.0))


def test_check_adam_steps_explains_a_wrong_shape_and_rejects_bad_grads():
    assert "shape (2, 2)" in str(adam.check_adam_steps([1.0, 2.0, 3.0], GRADS, lr=0.1))
    with pytest.raises(ValueError, match="grads must contain only finite numbers"):
        adam.check_adam_steps([0.0], [np.nan])
    with pytest.raises(ValueError, match=r"beta2 must be in \[0, 1\)"):
        adam.check_adam_steps([0.0], [1.0], beta2=1.0)
    with pytest.raises(ValueError, match="grads must be a list of gradients"):
        adam.check_adam_steps([0.0], np.zeros((1, 1, 1)))
    with pytest.raises(ValueError, match=r"eps must be in \(0, inf\), got 0"):
        adam.check_adam_steps([0.0], [0.0], eps=0.0)   # a zero gradient would give 0/0
    with pytest.raises(ValueError, match=r"lr must be in \[0, inf\), got -0.1"):
        adam.check_adam_steps([0.0], [1.0], lr=-0.1)


# -- check_adamw_class -----------------------------------------------------------------
class LearnersAdamW:
    """AdamW as a learner writes it ("Deep Learning from Scratch" style), with a switch for
    each slip that ``check_adamw_class`` names."""

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.01,
                 slip=None):
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.weight_decay, self.slip = weight_decay, slip
        self.t, self.m, self.v = 0, None, None

    def update(self, params, grads):
        if self.m is None:
            self.m = {k: np.zeros_like(p) for k, p in params.items()}
            self.v = {k: np.zeros_like(p) for k, p in params.items()}
        self.t += 1
        shrink = 1 - (self.weight_decay if self.slip == "unscaled" else
                      self.lr * self.weight_decay)
        for k in params:
            g = grads[k] + (self.weight_decay * params[k] if self.slip == "L2" else 0.0)
            if self.slip not in ("L2", "after", "no decay"):
                params[k] *= shrink
            self.m[k] = self.beta1 * self.m[k] + (1 - self.beta1) * g
            self.v[k] = self.beta2 * self.v[k] + (1 - self.beta2) * g**2
            m_hat, v_hat = self.m[k], self.v[k]
            if self.slip != "no bias correction":
                m_hat, v_hat = m_hat / (1 - self.beta1**self.t), v_hat / (1 - self.beta2**self.t)
            params[k] -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
            if self.slip == "after":
                params[k] *= shrink


def slipped(slip):
    return lambda **settings: LearnersAdamW(**settings, slip=slip)


def test_companion_exports_its_explorers_the_verdict_and_its_checks():
    assert adam.__all__ == ["explorer", "hover_explorer", "hover_verdict", "check_adam_steps",
                            "check_adamw_class"]


def test_check_adamw_class_passes_the_right_class():
    feedback = adam.check_adamw_class(LearnersAdamW)
    assert feedback and feedback.message.startswith("All match: θ_1 = (-1.385, 2.08), θ_2 =")
    # θ_1: the decay (1 − αλ)θ_0, then Adam's first step, α against the gradient's sign
    theta = np.array([-1.5, 2.0])
    np.testing.assert_allclose(gdlab.rosenbrock.grad(theta), [-155.0, -50.0])
    gdlab.AdamW(lr=0.1, weight_decay=0.1).update(theta, gdlab.rosenbrock.grad(theta))
    np.testing.assert_allclose(theta, [-1.5 * 0.99 + 0.1, 2.0 * 0.99 + 0.1], rtol=1e-9)


@pytest.mark.parametrize("slip, wrong, hint", [
    ("L2", "θ_1 is wrong: x should be -1.385 (you gave -1.4)", "Adam with an L2 term"),
    ("unscaled", "θ_1 is wrong: x should be -1.385 (you gave -1.25)", "θ ← θ − λθ"),
    ("no bias correction", "θ_1 is wrong", "without bias correction"),
    ("after", "θ_1 is wrong: x should be -1.385 (you gave -1.386)", "after Adam's step"),
    ("no decay", "θ_1 is wrong: x should be -1.385 (you gave -1.4)", "without any decay"),
])
def test_check_adamw_class_names_each_slip(slip, wrong, hint):
    feedback = adam.check_adamw_class(slipped(slip))
    assert not feedback and wrong in feedback.message and hint in feedback.message
    assert feedback.message.count("Hint:") == 1


def test_check_adamw_class_reports_a_class_that_raises_or_is_made_wrongly():
    class Raises(LearnersAdamW):
        def update(self, params, grads):
            raise KeyError("W1")

    raised = adam.check_adamw_class(Raises)
    assert not raised and raised.message == "Your optimizer raised KeyError in update 1: 'W1'"
    unmade = adam.check_adamw_class(lambda lr, beta1, beta2, eps: LearnersAdamW(lr))
    assert not unmade and "when it was made" in unmade.message and "Hint" not in unmade.message
    other = adam.check_adamw_class(lambda **s: LearnersAdamW(**{**s, "weight_decay": 0.05}))
    assert not other and "Hint" not in other.message   # a wrong λ is no named slip


def test_check_adamw_class_slips_are_the_library_optimizers_and_all_differ():
    from gdlab.chapters.adam import _CLASS_HINTS, _SETTINGS
    from gdlab.feedback import _iterates
    x0 = np.array([-1.5, 2.0])
    paths = [_iterates(lambda: gdlab.AdamW(**_SETTINGS), gdlab.rosenbrock, x0, 5)[0]]
    slips = ["L2", "unscaled", "no bias correction", "after", "no decay"]
    for (make, _), slip in zip(_CLASS_HINTS, slips, strict=True):
        path = _iterates(make, gdlab.rosenbrock, x0, 5)[0]   # the companion's slip ...
        by_hand = _iterates(lambda: slipped(slip)(**_SETTINGS), gdlab.rosenbrock, x0, 5)[0]
        np.testing.assert_allclose(path, by_hand, rtol=1e-12)   # ... is the learner's
        paths.append(path)
    for i in range(len(paths)):   # each slip, and AdamW, differs from every other one
        for j in range(i + 1, len(paths)):
            assert np.max(np.abs(paths[i] - paths[j])) > 1e-5, (i, j)
    # Adam with L2 in the gradient is the library's Adam on f + (λ/2)|θ|²
    l2 = gdlab.run(gdlab.Adam(lr=0.1), gdlab.regularization.Regularized(gdlab.rosenbrock, 0.1),
                   x0, 5)
    np.testing.assert_allclose(paths[1], l2.xs, rtol=1e-12)


def test_on_a_bowl_centred_at_0_adam_hides_an_l2_term():
    # why the check runs on Rosenbrock: on x²/20 + y², g + λθ only rescales each coordinate
    # of g, and Adam with L2 takes Adam's steps (up to ε)
    plain = gdlab.run(gdlab.Adam(lr=0.1), gdlab.elongated_bowl, [-8.0, 2.0], 5)
    l2 = gdlab.run(gdlab.Adam(lr=0.1),
                   gdlab.regularization.Regularized(gdlab.elongated_bowl, 0.1), [-8.0, 2.0], 5)
    np.testing.assert_allclose(plain.xs, l2.xs, rtol=1e-6)


# -- the explorer ----------------------------------------------------------------------
THETA0, STEPS = [-1.5, 2.0], 60


def compute(lr, beta1, beta2):
    """The notebook's compute step (60 steps instead of 500): one Adam run, its longest step."""
    traj = gdlab.run(gdlab.Adam(lr=lr, beta1=beta1, beta2=beta2), gdlab.rosenbrock,
                     THETA0, STEPS)
    moves = np.abs(np.diff(traj.xs, axis=0))
    return {"trajectory": traj, "final_gap": traj.gaps()[-1],
            "largest_step": moves.max() / lr}


def small_explorer(start=None, compute=compute, tol=1e-6):
    return adam.explorer(compute, lrs=[0.01, 0.1], beta1s=[0.0, 0.9], beta2s=[0.99, 0.999],
                         f=gdlab.rosenbrock, steps=STEPS, tol=tol,
                         start={"lr": 0.1, "beta1": 0.9, "beta2": 0.999} if start is None
                         else start)


def drawn(e, **values):
    """The axes of the whole picture ``e`` draws at ``values`` (a rendered frame keeps only
    its unchanging parts in ``e.figure``)."""
    values = {**e.start, **values}
    return e.draw_into(Figure(), e.result(**values), **values).axes


def verdict(e, **values):
    """The text of the verdict box in the picture for ``values``."""
    return drawn(e, **values)[1].texts[0].get_text()


def test_frames_are_drawn_fast_and_equal_whole_draws():
    check_fast_frames(small_explorer())


def test_explorer_result_is_an_adam_run():
    e = small_explorer()
    assert e.compute is compute   # passed to the Explorer as it is
    result = e.result(lr=0.01, beta1=0.0)
    direct = gdlab.run(gdlab.Adam(lr=0.01, beta1=0.0, beta2=0.999), gdlab.rosenbrock,
                       [-1.5, 2.0], 60)
    np.testing.assert_array_equal(result["trajectory"].xs, direct.xs)
    assert result["final_gap"] == pytest.approx(direct.gaps()[-1])
    moves = np.abs(np.diff(direct.xs, axis=0))
    assert result["largest_step"] == pytest.approx(moves.max() / 0.01)


def test_explorer_largest_step_is_alpha_with_default_betas():
    # the first step is exactly alpha * |g| / (|g| + eps); later ones are shorter here
    result = small_explorer().result()
    assert result["largest_step"] == pytest.approx(1.0, abs=1e-6)


def test_explorer_start_picks_the_first_picture_and_the_rest_start_in_the_middle():
    e = adam.explorer(compute, lrs=[0.01, 0.1, 1.0], beta1s=[0.0, 0.9, 0.99],
                      beta2s=[0.9, 0.99, 0.999], f=gdlab.rosenbrock, steps=STEPS,
                      start={"beta2": 0.999})
    assert e.start == {"lr": 0.1, "beta1": 0.9, "beta2": 0.999}
    assert small_explorer(start={}).start == {"lr": 0.1, "beta1": 0.9, "beta2": 0.999}
    e = small_explorer(start={"lr": 0.01, "beta1": 0.0})
    assert e.start == {"lr": 0.01, "beta1": 0.0, "beta2": 0.999}
    # the first picture and result() are those of the start values
    assert e.render() == e.render(lr=0.01, beta1=0.0, beta2=0.999) != e.render(lr=0.1)
    np.testing.assert_array_equal(e.result()["trajectory"].xs,
                                  compute(lr=0.01, beta1=0.0, beta2=0.999)["trajectory"].xs)
    with pytest.raises(ValueError, match="start"):
        small_explorer(start={"lr": 0.5})


def test_explorer_renders_png_with_the_shared_panels_and_limits_frames():
    e = small_explorer()
    assert e.render(beta1=0.0) != e.render()
    assert e.render().startswith(PNG)
    ax_path, ax_loss = drawn(e)   # the default picture
    assert ax_path.get_title().replace("\n", " ") == ("α = 0.1, β1 = 0.9 (window ≈ 10), "
                                   "β2 = 0.999 (window ≈ 1000)")
    assert ax_path.get_legend_handles_labels()[1] == ["minimum", "Adam, α = 0.1"]
    assert ax_loss.get_yscale() == "log"
    assert ax_loss.get_xlim() == (0, STEPS)
    assert "1e-12" in [label.get_text() for label in ax_loss.get_yticklabels()]
    assert "largest step: " in ax_loss.texts[0].get_text()
    with pytest.raises(ValueError, match="max_frames"):
        adam.explorer(compute, lrs=[0.1] * 5, beta1s=[0.9] * 3, beta2s=[0.99] * 3,
                      f=gdlab.rosenbrock, steps=STEPS)


def test_explorer_verdict_comes_from_the_result_and_tol():
    # with tol = 6 the runs with α = 0.01 settle below it, the others do not (gap > 7)
    e = small_explorer(tol=6.0)
    settled = e.result(lr=0.01, beta1=0.0)
    needed = settled["trajectory"].steps_to(6.0, "gap")
    assert needed is not None
    assert verdict(e, lr=0.01, beta1=0.0) == (
        f"gap < 6 from step {needed}\nlargest step: {settled['largest_step']:.2f} α")
    unsettled = e.result(lr=0.1, beta1=0.0)
    assert verdict(e, lr=0.1, beta1=0.0) == (
        f"gap {unsettled['final_gap']:.1e} after 60 steps\n"
        f"largest step: {unsettled['largest_step']:.2f} α")


def test_explorer_draws_exactly_what_the_docstring_promises():
    # compute is called with the control names as keywords; draw reads the three keys the
    # docstring names (no others, and extra ones are ignored)
    calls, reads = [], set()

    class Recording(dict):
        def __getitem__(self, key):
            reads.add(key)
            return super().__getitem__(key)

    def recording_compute(**values):
        calls.append(values)
        return Recording(compute(**values), note="ignored")

    small_explorer(compute=recording_compute).render()
    assert calls == [{"lr": 0.1, "beta1": 0.9, "beta2": 0.999}]
    assert reads == {"trajectory", "final_gap", "largest_step"}
    doc = " ".join(adam.explorer.__doc__.split())
    assert "compute(lr=..., beta1=..., beta2=...)" in doc
    for key in reads:
        assert f'``"{key}"``' in doc
    # a hand-made diverged trajectory is all draw needs to say so (it may be short)
    short = gdlab.Trajectory(np.array([[-1.5, 2.0], [0.0, 0.0]]), np.array([1.0, 1.0]), "Adam",
                             "Rosenbrock", diverged=True, min_value=0.0)
    e = small_explorer(compute=lambda **_: {"trajectory": short, "final_gap": 1.0,
                                            "largest_step": 3.0})
    assert verdict(e) == "diverged\nlargest step: 3.00 α"


@pytest.mark.parametrize("wrong, message", [
    (lambda r: r["trajectory"], "compute must return a dict with 'trajectory', 'final_gap' "
                                "and 'largest_step', got Trajectory"),
    (lambda r: {"trajectory": r["trajectory"]},
     "compute's result lacks 'final_gap', 'largest_step' (it has 'trajectory')"),
    (lambda r: {**r, "trajectory": r["trajectory"].xs},
     "compute's result['trajectory'] must be a gdlab.Trajectory (what gdlab.run returns), "
     "got ndarray"),
    (lambda r: {**r, "largest_step": None},
     "compute's result['largest_step'] must be a number, got None"),
    (lambda r: {**r, "trajectory": gdlab.run(gdlab.Adam(lr=0.1), gdlab.rosenbrock, THETA0, 5)},
     "compute ran 5 steps, but the explorer was given steps=60"),
])
def test_explorer_reports_a_result_of_the_wrong_shape_when_built_and_drawn(wrong, message):
    with pytest.raises(ValueError, match=re.escape(message)):   # the start values' result
        small_explorer(compute=lambda **values: wrong(compute(**values)))
    late = small_explorer(compute=lambda **values: (compute(**values) if values["lr"] == 0.1
                                                    else wrong(compute(**values))))
    assert late.result(lr=0.01) is not None   # result() returns compute's value as it is
    with pytest.raises(ValueError, match=re.escape(message)):
        late.render(lr=0.01)


def test_a_compute_that_fails_fails_when_the_explorer_is_built():
    def three_d(lr, beta1, beta2):   # the notebook's compute with a 3-D start point
        return gdlab.run(gdlab.Adam(lr=lr, beta1=beta1, beta2=beta2), gdlab.rosenbrock,
                         [1.0, 2.0, 3.0], STEPS)

    with pytest.raises(ValueError, match=r"^compute\(lr=0.1, beta1=0.9, beta2=0.999\) "
                                         r"raised ValueError: x0 must have shape \(2,\)"):
        small_explorer(compute=three_d)


@pytest.mark.parametrize("change, message", [
    (dict(compute="adam"), "compute must be a function of lr, beta1 and beta2"),
    (dict(lrs=[0.0, 0.1]), r"lrs\[0\] must be in \(0, inf\), got 0"),
    (dict(beta1s=[0.9, -0.1]), r"beta1s\[1\] must be in \[0, 1\)"),
    (dict(beta2s=[0.99, 1.0]), r"beta2s\[1\] must be in \[0, 1\)"),
    (dict(lrs=[0.1, float("nan")]), r"lrs\[1\] must be a finite real number, got nan"),
    (dict(beta1s=[]), r"controls\['beta1'\] must list at least one value, got none"),
    (dict(steps=0), "steps must be a whole number >= 1"),
    (dict(tol=0.0), r"tol must be in \(0, inf\)"),
])
def test_explorer_rejects_bad_arguments_before_drawing(change, message):
    arguments = dict(compute=compute, lrs=[0.01, 0.1], beta1s=[0.0, 0.9],
                     beta2s=[0.99, 0.999], f=gdlab.rosenbrock, steps=STEPS)
    with pytest.raises(ValueError, match=message):
        adam.explorer(**{**arguments, **change})


# -- the widget-plot exercise: get close, stay close ---------------------------------------
NOISY_BOWL = gdlab.Noisy(gdlab.Quadratic(np.eye(2), name="bowl"), sigma=1.0)
HOVER_LRS = [0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0]


def hover_compute(lr):
    """The notebook's compute step: 200 steps of Adam from (3, 3) on the noisy bowl."""
    NOISY_BOWL.reset()
    return {"trajectory": gdlab.run(gdlab.Adam(lr=lr), NOISY_BOWL, [3.0, 3.0], 200)}


def hover_explorer(**change):
    arguments = dict(compute=hover_compute, lrs=HOVER_LRS, steps=200, last=100, radius=0.5,
                     start={"lr": 0.01})
    return adam.hover_explorer(**{**arguments, **change})


def along_x(distances, diverged=False):
    """A hand-made run on the bowl whose distances to the minimum are ``distances``."""
    xs = np.column_stack([distances, np.zeros(len(distances))])
    return gdlab.Trajectory(xs, 0.5 * xs[:, 0] ** 2, "Adam", "bowl", diverged=diverged,
                            minimum=np.zeros(2), min_value=0.0)


@pytest.mark.parametrize("distances, ok, verdict", [
    ([3, 2, 1, 0.4, 0.3, 0.5, 0.2], True,
     "on target: first within 0.5 at step 3,\nat most 0.50 away from step 4 on"),
    ([3, 2, 1, 0.9, 0.6, 0.7, 0.6], False,
     "too slow: never within 0.5,\ntarget: by step 4: raise α"),
    ([3, 2, 1, 0.9, 0.6, 0.4, 0.3], False,
     "too slow: first within 0.5 at step 5,\ntarget: by step 4: raise α"),
    ([3, 0.4, 0.8, 0.3, 0.2, 0.7, 0.1], False,
     "hovers too widely: up to 0.70 away\nfrom step 4 on (target ≤ 0.5): lower α"),
    ([3, 0.4, 0.2, 0.3, 0.6, 0.3, 0.1], False,    # back outside right at the window's start
     "hovers too widely: up to 0.60 away\nfrom step 4 on (target ≤ 0.5): lower α"),
])
def test_hover_verdict_for_each_case_on_hand_made_runs(distances, ok, verdict):
    assert adam.hover_verdict(along_x(distances), 0.5, 2) == (ok, verdict)


def test_hover_verdict_for_a_diverged_run_and_bad_arguments():
    assert adam.hover_verdict(along_x([3.0, 30.0, 3e3], diverged=True), 0.5, 100) == (
        False, "diverged after 2 steps:\nlower α")
    with pytest.raises(ValueError, match=r"radius must be in \(0, inf\), got 0"):
        adam.hover_verdict(along_x([3, 2, 1]), 0.0, 1)
    with pytest.raises(ValueError, match="last must be a whole number below the run's 2 steps, "
                                         "got 2"):
        adam.hover_verdict(along_x([3, 2, 1]), 0.5, 2)
    with pytest.raises(ValueError, match="last must be a whole number >= 1, got 0"):
        adam.hover_verdict(along_x([3, 2, 1]), 0.5, 0)


@pytest.mark.parametrize("lr, ok, start", [
    (0.01, False, "too slow: never within 0.5"),      # 3/α = 300 steps to cover 3 units
    (0.02, False, "too slow: never within 0.5"),      # 150 steps
    (0.05, True, "on target: first within 0.5 at step 77,"),
    (0.1, True, "on target: first within 0.5 at step 32,"),
    (0.2, False, "hovers too widely: up to 0.68 away"),
    (0.5, False, "hovers too widely: up to 1.06 away"),
    (1.0, False, "hovers too widely: up to 1.48 away"),
])
def test_hover_verdict_for_each_slider_value(lr, ok, start):
    traj = hover_compute(lr)["trajectory"]
    got_ok, verdict = adam.hover_verdict(traj, 0.5, 100)
    assert got_ok is ok and verdict.startswith(start), verdict
    distances = np.linalg.norm(traj.xs, axis=1)          # the minimum is (0, 0)
    assert bool(distances[100:].max() <= 0.5) is ok
    if not ok:
        assert verdict.endswith("raise α" if lr < 0.05 else "lower α")


def test_hover_explorer_shows_the_attempt_against_the_target():
    e = hover_explorer(start={"lr": 0.1})
    assert e.compute is hover_compute and e.controls == {"lr": HOVER_LRS}
    assert e.render().startswith(PNG)
    ax, = drawn(e)
    assert ax.get_title() == "Adam with α = 0.1"
    assert [t.get_text() for t in ax.texts] == [
        "on target: first within 0.5 at step 32,\nat most 0.40 away from step 100 on"]
    assert ax.get_yscale() == "log" and ax.get_xlim() == (0, 200)
    target = [line for line in ax.get_lines() if line.get_linestyle() == "--"
              and list(line.get_xdata()) == [100, 200]]
    assert len(target) == 1 and list(target[0].get_ydata()) == [0.5, 0.5]
    run = ax.get_lines()[-1]                               # the attempt, drawn last
    np.testing.assert_allclose(run.get_ydata(), np.maximum(
        np.linalg.norm(e.result()["trajectory"].xs, axis=1), 1e-2))
    assert run.get_color() == gdlab.plots.style_of("Adam")["color"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "Adam", "target: ≤ 0.5 from step 100"]
    assert drawn(e, lr=1.0)[0].texts[0].get_text().endswith("lower α")
    assert drawn(e, lr=0.01)[0].texts[0].get_text().endswith("raise α")


@pytest.mark.parametrize("change, error, message", [
    (dict(compute="adam"), ValueError, "compute must be a function of lr, got 'adam'"),
    (dict(lrs=[]), ValueError, "lrs must list at least one learning rate, got none"),
    (dict(lrs=[0.1, 0.0]), ValueError, r"lrs\[1\] must be in \(0, inf\), got 0"),
    (dict(lrs=[0.1, float("nan")]), ValueError, r"lrs\[1\] must be a finite real number"),
    (dict(steps=1), ValueError, "steps must be a whole number >= 2, got 1"),
    (dict(last=200), ValueError, "last must be a whole number below steps=200, got 200"),
    (dict(last=0), ValueError, "last must be a whole number >= 1, got 0"),
    (dict(radius=-0.5), ValueError, r"radius must be in \(0, inf\), got -0.5"),
    (dict(lrs=list(np.linspace(0.01, 1.0, 17))), ValueError, "max_frames allows 16"),
    (dict(start={"lr": 0.3}), ValueError, r"start\['lr'\] must be one of"),
])
def test_hover_explorer_refuses_bad_input(change, error, message):
    with pytest.raises(error, match=message):
        hover_explorer(**change)


@pytest.mark.parametrize("wrong, message", [
    (lambda r: r["trajectory"], "compute must return a dict with 'trajectory' "
                                "(a gdlab.Trajectory), got Trajectory"),
    (lambda r: {"run": r["trajectory"]}, "got dict with keys 'run'"),
    (lambda r: {"trajectory": r["trajectory"].xs},
     "compute's result['trajectory'] must be a gdlab.Trajectory, got ndarray"),
    (lambda r: {"trajectory": gdlab.run(gdlab.Adam(lr=0.1), NOISY_BOWL, [3.0, 3.0], 50)},
     "compute ran 50 steps, but the explorer was given steps=200"),
    (lambda r: {"trajectory": gdlab.run(gdlab.Adam(lr=0.1), gdlab.saddle, [1.0, 1.0], 200)},
     "whose minimum is unknown"),
])
def test_hover_explorer_refuses_a_wrong_result_before_drawing(wrong, message):
    with pytest.raises(ValueError, match=re.escape(message)):   # the start values' result
        hover_explorer(compute=lambda lr: wrong(hover_compute(lr)))
    late = hover_explorer(compute=lambda lr: (hover_compute(lr) if lr == 0.01
                                              else wrong(hover_compute(lr))))
    with pytest.raises(ValueError, match=re.escape(message)):
        late.render(lr=0.1)


def test_hover_explorer_frames_are_drawn_fast_and_equal_whole_draws():
    check_fast_frames(hover_explorer(), count=len(HOVER_LRS))
