r"""Closed-form results the chapters check by experiment, one topic a module.

``quadratics``: gradient descent, heavy-ball momentum and Nesterov on quadratics with
curvatures in :math:`[\mu, L]`: stable regions, optimal parameters, rates (chapters 3, 4);
measuring a rate from a run. ``adaptive``: AdaGrad's, RMSProp's and AdaDelta's step sizes,
ε placement, Adam's step bound and bias correction (chapters 5 to 7). ``stochastic``: SGD
with noisy gradients: the stationary spread, any schedule's mean-square error, Robbins–Monro,
the 1/t rate and RAdam's rectification (chapter 8).
``saddles``: the second-order test, gradient descent's and momentum's escape from a
saddle, and how rarely a random symmetric matrix is positive definite (chapter 9).

Every function is here too: ``gdlab.theory.heavy_ball_rate(mu, L)``.
"""

from .adaptive import *  # noqa: F401,F403
from .adaptive import __all__ as _adaptive
from .quadratics import *  # noqa: F401,F403
from .quadratics import __all__ as _quadratics
from .saddles import *  # noqa: F401,F403
from .saddles import __all__ as _saddles
from .stochastic import *  # noqa: F401,F403
from .stochastic import __all__ as _stochastic

__all__ = _quadratics + _adaptive + _stochastic + _saddles
