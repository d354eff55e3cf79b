"""Benchmarks for the Parcel Locker integration (not timed tests); see README.md."""
