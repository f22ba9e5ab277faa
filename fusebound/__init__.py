"""fusebound: the command line and the tour.

The work lives in the top-level packages ``einsum_cascade``, ``io_bounds``, ``dse``,
``fpga`` and ``surrogates``; this package only parses arguments, calls one public
function and prints the result.
"""

__version__ = "0.1.0"
