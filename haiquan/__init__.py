"""haiquan — a customs administration's international cooperation platform.

*Hải quan* is Vietnamese for Customs. The package is a library first: the ``cli`` and ``web``
subpackages are thin edges over the domain subpackages (``reference``, ``warehouse``,
``analytics``, ``forecast``, ``priorities``, ``risk``, ``aeo``, ``exchange``, ``commitments``).
"""

__all__ = ["__version__"]

__version__ = "0.1.0"
