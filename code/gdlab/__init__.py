"""gdlab: the code behind the book *Understanding gradient-based optimizers*.

>>> import numpy as np, gdlab
>>> traj = gdlab.run(gdlab.Adam(lr=0.1), gdlab.rosenbrock, x0=[-1.5, 2.0], steps=500)

Modules, one job each: ``functions`` (landscapes), ``optimizers``, ``ewma``, ``schedules``,
``run`` (trajectories), ``problems`` (least squares, minibatches), ``theory`` (closed-form rates), ``plots``, ``widgets`` (explorers),
``checks`` (exercise feedback).
"""

from . import checks, data, functions, optimizers, plots, problems, schedules, theory, widgets
from .ewma import (bias_correction_factor, effective_window, ewma, ewma_weights,
                   weight_after_window, window_mass)
from .functions import (FUNCTIONS, XY, Beale, DoubleWell, Function, MonkeySaddle, Noisy,
                        Quadratic, Rosenbrock, Saddle, Scaled, beale, double_well, elongated_bowl,
                        get_function, monkey_saddle, numerical_gradient, random_quadratic,
                        relative_error, rosenbrock, saddle, xy)
from .optimizers import (OPTIMIZERS, SGD, AdaDelta, AdaGrad, AdaMax, Adam, AdamW, AMSGrad,
                         Momentum, Nesterov, Optimizer, RMSProp)
from .run import Trajectory, run, settles_below

__version__ = "0.1.0"
