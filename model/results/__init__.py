"""Stage 4: compliance per criterion with intervals, subgroups, verdict sentences, exports."""
