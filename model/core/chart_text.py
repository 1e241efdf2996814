"""User text on charts is drawn exactly as typed.

matplotlib reads text between two dollar signs as a maths formula, and some such text
("£5 $x_$ …") fails to draw at all. AuditLoop never draws formulas, so every drawing
module imports this one, which turns maths parsing off for the whole process.
"""

import matplotlib

matplotlib.rcParams["text.parse_math"] = False
