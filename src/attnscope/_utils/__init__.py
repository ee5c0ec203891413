"""Private helpers shared across subpackages."""
