"""gdlab: the code behind the book *Understanding gradient-based optimizers*.

>>> import numpy as np, gdlab
>>> traj = gdlab.run(gdlab.Adam(lr=0.1), gdlab.rosenbrock, x0=[-1.5, 2.0], steps=500)

The library, one job a module: ``functions`` (landscapes), ``optimizers``, ``ewma``,
``schedules``, ``run`` (trajectories), ``problems`` (least squares, minibatches), ``nn`` (a
small network and its training loop), ``data`` (small seeded data sets), ``regularization``
(penalties, ridge, the lasso by proximal steps), ``second_order`` (Newton's method and the
Hessian's cost), ``quasi_newton`` (BFGS, L-BFGS), ``theory`` (closed-form rates),
``plots`` and ``renditions`` (each figure drawn for a laptop and for a phone), ``source``
(a function's code shown as a cell's output), and two
engines:
``explorer`` (interactive figures) and ``feedback`` (exercise checks). Each chapter's own
explorers and checks live in its companion module, ``gdlab.chapters.<slug>``, which the
library never imports.
"""

from . import (data, explorer, feedback, frames, functions, nn, optimizers, panels, plots,
               problems, quasi_newton, regularization, renditions, schedules, scrubber,
               second_order, source, theory)
from .ewma import (bias_correction_factor, effective_window, ewma, ewma_weights,
                   weight_after_window, window_mass)
from .functions import (FUNCTIONS, XY, Beale, DoubleWell, Function, MonkeySaddle, Noisy,
                        Plateau, Quadratic, Rosenbrock, Saddle, Scaled, beale, double_well,
                        elongated_bowl, get_function, monkey_saddle, numerical_gradient, plateau,
                        random_quadratic, relative_error, rosenbrock, saddle, xy)
from .optimizers import (OPTIMIZERS, SGD, AdaDelta, AdaGrad, AdaMax, Adam, AdamW, AMSGrad,
                         Momentum, Nesterov, Optimizer, RMSProp)
from .run import Trajectory, replay, run, settles_below
from .source import show_source

__version__ = "0.1.0"
