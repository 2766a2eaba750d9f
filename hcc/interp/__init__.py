"""Reference interpreters (numpy), driven by the operator definitions in hcc/ops."""
