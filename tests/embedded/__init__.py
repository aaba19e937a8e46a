"""End-to-end tests of the embedded mode: `iworkz serve` with no configuration at all."""
