"""Shared by every stage: errors, small helpers, progress, settings, resources, statistics, document rendering."""
