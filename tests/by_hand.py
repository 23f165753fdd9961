"""Methods written out by hand with plain arrays: the independent references that library
tests and chapter tests compare gdlab with (imported as ``by_hand``; pytest puts tests/ on
the path)."""

import numpy as np


def heavy_ball_by_hand(f, x0, lr, beta, steps):
    """v <- beta*v + grad, x <- x - lr*v, written out with plain arrays."""
    x, v, xs = np.array(x0, dtype=float), np.zeros(len(x0)), [np.array(x0, dtype=float)]
    for _ in range(steps):
        v = beta * v + f.grad(x)
        x = x - lr * v
        xs.append(x)
    return np.array(xs)


def cs231n_by_hand(f, x0, lr, mu, steps):
    """v <- mu*v - lr*grad, x <- x + v (CS231n, "Deep Learning from Scratch")."""
    x, v, xs = np.array(x0, dtype=float), np.zeros(len(x0)), [np.array(x0, dtype=float)]
    for _ in range(steps):
        v = mu * v - lr * f.grad(x)
        x = x + v
        xs.append(x)
    return np.array(xs)


def sutskever_run(lam, lr, beta, theta0, steps):
    """Sutskever's form on f = lam*theta^2/2: v <- beta v - lr f'(theta + beta v); theta += v."""
    theta, v, thetas, vs = float(theta0), 0.0, [float(theta0)], [0.0]
    for _ in range(steps):
        v = beta * v - lr * lam * (theta + beta * v)
        theta += v
        thetas.append(theta)
        vs.append(v)
    return np.array(thetas), np.array(vs)
