"""Developer tools built on the library (studies, generated documentation); the top layer."""
