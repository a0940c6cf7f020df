"""Backtesting: strategies shared with the live agents, the engine, the metrics."""
