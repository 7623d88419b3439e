"""The benchmark convention and the gate that holds benchmark ratios against their floors."""
