"""Process-graph machinery behind processes.executor: specs, resolution, validation, output."""
