"""gdlab.nn: the MLP's backprop equals central differences and PyTorch's autograd, bad
input is refused before anything changes, and train() measures, stops and stays seeded."""

from pathlib import Path

import numpy as np
import pytest

import gdlab
from gdlab import nn

import nn_cases

try:
    import torch  # noqa: F401
    HAVE_TORCH = True
except ImportError:
    HAVE_TORCH = False

RECORDED = np.load(Path(__file__).parent / "data" / "torch_mlp.npz")


@pytest.fixture(scope="module")
def digits():
    return gdlab.data.digits()


# -- the model --------------------------------------------------------------------------------
def test_layout_is_that_of_deep_learning_from_scratch():
    model = nn.MLP([64, 32, 10], seed=0)
    assert list(model.params) == ["W1", "b1", "W2", "b2"]
    assert model.params["W1"].shape == (64, 32) and model.params["b2"].shape == (10,)
    assert model.n_params == 64 * 32 + 32 + 32 * 10 + 10 == 2410
    assert model.layers == 2
    assert repr(model) == "MLP([64, 32, 10]: 2,410 parameters)"
    # the source notes count 39,760 "weights" for 784-50-10: biases included
    assert nn.MLP([784, 50, 10]).n_params == 784 * 50 + 50 + 50 * 10 + 10 == 39_760


def test_he_initialization_is_seeded_and_scaled():
    a, b = nn.MLP([64, 200, 10], seed=1), nn.MLP([64, 200, 10], seed=1)
    assert all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert not np.array_equal(a.params["W1"], nn.MLP([64, 200, 10], seed=2).params["W1"])
    assert a.params["W1"].std() == pytest.approx(np.sqrt(2 / 64), rel=0.03)
    assert a.params["W2"].std() == pytest.approx(np.sqrt(2 / 200), rel=0.05)
    assert not a.params["b1"].any()


def test_loss_starts_near_log_of_the_class_count(digits):
    model = nn.MLP([64, 32, 10])
    assert model.loss(digits[0], digits[1]) == pytest.approx(np.log(10), abs=0.3)


def numerical_gradients(model, X, y, h=1e-6):
    grads = {}
    for key, p in model.params.items():
        g = np.empty_like(p)
        for i in np.ndindex(p.shape):
            old = p[i]
            p[i] = old + h
            up = model.loss(X, y)
            p[i] = old - h
            down = model.loss(X, y)
            p[i] = old
            g[i] = (up - down) / (2 * h)
        grads[key] = g
    return grads


def test_backprop_equals_central_differences():
    """Relative error ||g - g_num|| / ||g|| below 1e-6 for every parameter array (the
    central difference with h = 1e-6 is accurate to about 1e-9 here)."""
    model, X, y = nn_cases.case()
    _, grads = model.loss_and_grads(X, y)
    numeric = numerical_gradients(model, X, y)
    for key in model.params:
        error = np.linalg.norm(grads[key] - numeric[key]) / np.linalg.norm(grads[key])
        assert error < 1e-6, (key, error)


def test_loss_and_gradients_equal_recorded_pytorch():
    model, X, y = nn_cases.case()
    loss, grads = model.loss_and_grads(X, y)
    assert loss == pytest.approx(float(RECORDED["loss"]), rel=1e-12)
    for key, g in grads.items():
        np.testing.assert_allclose(g, RECORDED[key], rtol=1e-10, atol=1e-14)


@pytest.mark.skipif(not HAVE_TORCH, reason="torch is not installed (the recorded "
                    "reference above still checks parity)")
def test_loss_and_gradients_equal_live_pytorch():
    model, X, y = nn_cases.case()
    loss, grads = model.loss_and_grads(X, y)
    their_loss, theirs = nn_cases.torch_loss_and_grads(model.params, X, y)
    assert loss == pytest.approx(their_loss, rel=1e-12)
    for key in grads:
        np.testing.assert_allclose(grads[key], theirs[key], rtol=1e-10, atol=1e-14)


def test_cross_entropy_does_not_overflow_on_huge_logits():
    logits = np.array([[1000.0, 0.0, -1000.0], [0.0, 0.0, 0.0]])
    loss, delta = nn.cross_entropy(logits, np.array([0, 2]))
    assert loss == pytest.approx((0.0 + np.log(3)) / 2)
    assert np.allclose(delta.sum(axis=1), 0.0)


def test_predict_and_accuracy(digits):
    model = nn.MLP([64, 32, 10])
    X, y = digits[2], digits[3]
    predicted = model.predict(X)
    assert predicted.shape == y.shape
    assert np.array_equal(predicted, np.argmax(model.logits(X), axis=1))
    assert model.accuracy(X, y) == pytest.approx(np.mean(predicted == y))
    assert model.accuracy(X, predicted) == 1.0


def test_any_optimizer_updates_the_params_dict(digits):
    model = nn.MLP([64, 32, 10])
    before = {k: v.copy() for k, v in model.params.items()}
    loss, grads = model.loss_and_grads(digits[0][:64], digits[1][:64])
    gdlab.SGD(lr=0.1).update(model.params, grads)
    for k in model.params:
        np.testing.assert_allclose(model.params[k], before[k] - 0.1 * grads[k])
    assert model.loss(digits[0][:64], digits[1][:64]) < loss


# -- bad input --------------------------------------------------------------------------------
@pytest.mark.parametrize("sizes, message", [
    ([64], "at least two"), ("64,10", "sizes must be a list"), ([64, 0, 10], "widths >= 1"),
    ([64, 32.0, 10], "whole layer widths"), ([64, True, 10], "whole layer widths"),
    ([64, 1], "at least 2 classes"), (None, "sizes must be a list")])
def test_bad_sizes_are_refused(sizes, message):
    with pytest.raises(ValueError, match=message):
        nn.MLP(sizes)


@pytest.mark.parametrize("X, y, message", [
    (np.zeros((5, 63)), np.zeros(5, int), r"X must have shape \(n, 64\)"),
    (np.zeros(64), np.zeros(1, int), "X must be"),
    (np.zeros((0, 64)), np.zeros(0, int), r"n >= 1"),
    (np.full((5, 64), np.nan), np.zeros(5, int), "X must contain only finite numbers"),
    (np.zeros((5, 64)), np.zeros(4, int), r"y must be 5 integer class labels"),
    (np.zeros((5, 64)), np.zeros(5), r"y must be 5 integer class labels.*float64"),
    (np.zeros((5, 64)), np.array([0, 1, 2, 3, 10]), r"labels in 0\.\.9.*got 10"),
    (np.zeros((5, 64)), np.array([0, 1, -1, 3, 4]), r"labels in 0\.\.9.*got -1"),
])
def test_bad_batches_are_refused(X, y, message):
    model = nn.MLP([64, 32, 10])
    with pytest.raises(ValueError, match=message):
        model.loss_and_grads(X, y)


def test_bad_training_arguments_change_nothing(digits):
    model = nn.MLP([64, 32, 10])
    before = {k: v.copy() for k, v in model.params.items()}
    opt = gdlab.SGD(lr=0.1)
    bad_train = (digits[0], digits[1] + 10, digits[2], digits[3])
    for kwargs, message in [({"data": digits[:2]}, "data must be"),
                            ({"data": bad_train}, "labels in 0..9"),
                            ({"epochs": -1}, "epochs must be"),
                            ({"batch_size": 0}, "batch_size must be"),
                            ({"batch_size": 2.5}, "batch_size must be"),
                            ({"seed": "0"}, "seed must be"),
                            ({"growth": 1.0}, "growth must be in")]:
        args = {"data": digits, "epochs": 1, "batch_size": 64, **kwargs}
        with pytest.raises(ValueError, match=message):
            nn.train(model, opt, **args)
    with pytest.raises(ValueError, match="model must be a gdlab.nn.MLP"):
        nn.train("model", opt, digits, 1, 64)
    assert all(np.array_equal(model.params[k], before[k]) for k in before)
    assert opt.t == 0


# -- training ---------------------------------------------------------------------------------
def test_training_learns_the_digits(digits):
    model = nn.MLP([64, 32, 10])
    history = nn.train(model, gdlab.Momentum(lr=0.05, beta=0.9), digits, epochs=10,
                       batch_size=64)
    assert not history.diverged and history.epochs == 10
    assert history.train_loss.shape == history.test_accuracy.shape == (11,)
    assert history.steps_per_epoch == 22   # ceil(1347 / 64)
    assert history.train_loss[-1] < 0.2 * history.train_loss[0]
    assert history.test_accuracy[-1] > 0.9 > 0.3 > history.test_accuracy[0]
    # the history's last entry is the model as it is now
    assert history.train_loss[-1] == model.loss(digits[0], digits[1])
    assert history.test_accuracy[-1] == model.accuracy(digits[2], digits[3])


def test_training_takes_one_update_per_minibatch_including_the_last_short_one(digits):
    model, opt = nn.MLP([64, 32, 10]), gdlab.SGD(lr=0.01)
    nn.train(model, opt, digits, epochs=3, batch_size=500)   # 1347 = 500 + 500 + 347
    assert opt.t == 9


def test_training_is_seeded(digits):
    def final(seed):
        model = nn.MLP([64, 32, 10])
        return nn.train(model, gdlab.Adam(lr=1e-3), digits, 2, 32, seed=seed).train_loss[-1]
    assert final(0) == final(0)
    assert final(0) != final(1)


def test_update_ratio_is_the_norm_of_the_change_over_the_norm_of_the_weights(digits):
    """One epoch of one full batch: the ratio is ||lr · grad|| / ||W|| exactly."""
    model = nn.MLP([64, 32, 10])
    W1 = model.params["W1"].copy()
    _, grads = model.loss_and_grads(digits[0], digits[1])
    history = nn.train(model, gdlab.SGD(lr=0.1), digits, epochs=1, batch_size=len(digits[0]))
    expected = np.linalg.norm(0.1 * grads["W1"]) / np.linalg.norm(W1)
    assert history.update_ratio["W1"][1] == pytest.approx(expected, rel=1e-12)
    assert np.isnan(history.update_ratio["W1"][0])
    assert set(history.update_ratio) == {"W1", "W2"}


@pytest.mark.parametrize("lr, why", [(1e6, "the training loss rose above 100 × its start"),
                                     (1e300, "the minibatch loss or gradient is not finite")])
def test_a_diverging_run_stops_and_says_why(digits, lr, why):
    model = nn.MLP([64, 32, 10])
    history = nn.train(model, gdlab.SGD(lr=lr), digits, epochs=20, batch_size=64)
    assert history.diverged and history.epochs < 20
    assert history.status.startswith(f"diverged in epoch {history.epochs + 1}: {why}")
    assert np.all(np.isfinite(history.train_loss))
    assert len(history.test_accuracy) == len(history.update_ratio["W1"]) == history.epochs + 1


def test_a_slowly_rising_loss_counts_as_diverged(digits):
    model = nn.MLP([64, 32, 10])
    history = nn.train(model, gdlab.SGD(lr=0.1), digits, epochs=30, batch_size=64, growth=1.01)
    assert not history.diverged   # a falling loss never counts
    model = nn.MLP([64, 32, 10])
    rising = nn.train(model, _Ascent(lr=0.01), digits, epochs=30, batch_size=64, growth=2.0)
    assert rising.diverged and "rose above 2 × its start" in rising.status
    assert rising.train_loss[-1] <= 2.0 * rising.train_loss[0]


class _Ascent(gdlab.SGD):
    """Gradient ascent: the loss rises every step, slowly and finitely."""

    def update(self, params, grads):
        super().update(params, {k: -g for k, g in grads.items()})


def test_no_progress_bar_when_not_a_terminal(digits, capsys):
    model = nn.MLP([64, 32, 10])
    nn.train(model, gdlab.SGD(lr=0.1), digits, epochs=2, batch_size=256)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_the_progress_bar_can_be_asked_for(digits, capsys):
    model = nn.MLP([64, 32, 10])
    nn.train(model, gdlab.SGD(lr=0.1), digits, epochs=2, batch_size=256, progress=True)
    assert "epoch" in capsys.readouterr().err


def test_an_optimizer_reused_on_a_new_model_is_refused_before_any_change(digits):
    opt = gdlab.Adam(lr=1e-3)
    nn.train(nn.MLP([64, 32, 10]), opt, digits, epochs=1, batch_size=256)
    fresh = nn.MLP([64, 32, 10], seed=1)
    before = {k: v.copy() for k, v in fresh.params.items()}
    with pytest.raises(ValueError, match="reset"):
        nn.train(fresh, opt, digits, epochs=1, batch_size=256)
    assert all(np.array_equal(fresh.params[k], before[k]) for k in before)
