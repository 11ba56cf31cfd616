"""Speed and scale benchmarks."""
