"""Stage 1-2: the register, standards, criteria, cycles, sampling and the protocol."""
