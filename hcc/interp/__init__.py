"""Reference interpreters (numpy), driven by the operator definitions in hcc/ops, and
calibration (the float interpreter run on sample data)."""
