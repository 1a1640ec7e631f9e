"""The experiments' statistics: pure functions over summary sums (counts, sums, sums of squares).

No Django, no I/O (tests/test_layers.py keeps it so); numpy and scipy only. Modules, each
importing only those before it: proportions, means, sequential, bayes, srm, cuped, analysis,
simulation (the A/A simulation that experiments_check_stats prints).
"""

from .analysis import Analysis, ArmData, ArmResult, CupedResult, analyse
from .srm import SrmResult

__all__ = ["Analysis", "ArmData", "ArmResult", "CupedResult", "SrmResult", "analyse"]
