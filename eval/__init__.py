"""Offline evaluation: question sets, metrics, a runner and reports."""
