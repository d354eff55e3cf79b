"""When the next poll starts, so that a door shows within one poll interval.

A poll reads each door once, and what it read shows when the poll ends. A door
that opens just after its contact was read is read by the next poll and shows
when that one ends: the gap between the two polls' starts plus the next poll's
length. Starting each poll one interval minus the longest recent poll after the
last one started keeps that within the interval. On a network a poll takes
milliseconds and the gap is the interval, near enough; a 250-compartment wall
on a 9600-baud serial line takes a third of a second a poll, and is polled
that much sooner.

Pure Python: times are the event loop's seconds, passed in.
"""

from __future__ import annotations

from collections import deque

# Polls whose length is remembered: a round of the slow tier's steps, about.
POLLS_REMEMBERED = 32


class PollCadence:
    """The start of each poll, from the interval and how long polls take."""

    def __init__(self, interval: float) -> None:
        """``interval``: the longest a door may take to show, in seconds."""
        self.interval = interval
        self._lengths: deque[float] = deque(maxlen=POLLS_REMEMBERED)

    def next_start(self, started: float, ended: float, *, succeeded: bool) -> float:
        """When the poll after the one that ran from ``started`` to ``ended`` starts.

        A failed poll (a controller timing out, say) says nothing about how
        long a poll takes. The gap never drops below half the interval: a line
        too slow to keep the promise is not flooded trying, and the next poll
        never starts before this one ended.
        """
        if succeeded:
            self._lengths.append(ended - started)
        longest = max(self._lengths, default=0.0)
        gap = max(self.interval - longest, self.interval / 2)
        return max(started + gap, ended)
