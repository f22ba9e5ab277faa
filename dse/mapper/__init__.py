"""The vectorised mapper: mapping spaces as numpy arrays, search strategies, Pareto fronts.

Modules: :mod:`dse.mapper.space` (loop nests, the mapping space and its encoding),
:mod:`dse.mapper.search` (strategies, budgets, objectives, Pareto fronts).
"""
