import memory_testops  # noqa: F401  (registers the test-only operators)
