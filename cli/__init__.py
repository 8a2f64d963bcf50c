"""The `vroeg` command line: a thin shell over the library."""
