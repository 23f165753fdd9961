"""gdlab: the code behind the book *Understanding gradient-based optimizers*.

>>> import numpy as np, gdlab
>>> traj = gdlab.run(gdlab.Adam(lr=0.1), gdlab.rosenbrock, x0=[-1.5, 2.0], steps=500)

Modules, one job each: ``functions`` (landscapes), ``optimizers``, ``ewma``, ``schedules``,
``run`` (trajectories), ``theory`` (closed-form rates), ``plots``, ``widgets`` (explorers),
``checks`` (exercise feedback).
"""

from . import checks, data, functions, optimizers, plots, schedules, theory, widgets
from .ewma import (bias_correction_factor, effective_window, ewma, ewma_weights,
                   weight_after_window, window_mass)
from .functions import (FUNCTIONS, XY, Beale, Function, MonkeySaddle, Noisy, Quadratic,
                        Rosenbrock, Saddle, beale, elongated_bowl, get_function, monkey_saddle,
                        random_quadratic, rosenbrock, saddle, xy)
from .optimizers import (OPTIMIZERS, SGD, AdaDelta, AdaGrad, Adam, AdamW, Momentum, Nesterov,
                         Optimizer, RMSProp)
from .run import Trajectory, run
from . import problems  # chapter 1
from .functions import DoubleWell, double_well, numerical_gradient, relative_error  # chapter 1
from .optimizers import AdaMax, AMSGrad  # chapter 6

__version__ = "0.1.0"
