"""Singer tap for lemlist."""
