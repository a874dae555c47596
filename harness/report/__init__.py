"""Readers of Results: the terminal grid, and (later) the HTML, JUnit and JSON writers."""
