"""Learned surrogates of hls4ml synthesis results (datasets, encodings, models, leaderboard)."""
