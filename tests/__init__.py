"""Tests for the Parcel Locker integration."""
