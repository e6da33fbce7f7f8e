"""Trying again: capped exponential backoff with full jitter, honouring Retry-After."""

import logging
import random
import time
from dataclasses import dataclass

from .errors import RateLimited

logger = logging.getLogger(__name__)


@dataclass
class RetryPolicy:
    attempts: int = 5            # tries in all, the first included
    base: float = 0.5            # seconds before the second try, doubled each time
    cap: float = 30.0            # no single wait is longer
    max_retry_after: float = 120.0  # a provider asking for more than this stops the run instead
    sleep: object = time.sleep   # replaced in tests to record the waits without spending them
    random: object = random.random

    def wait_before(self, attempt, error):
        """Seconds to wait before try number ``attempt + 1`` (attempt counts from 1)."""
        if isinstance(error, RateLimited) and error.retry_after is not None:
            return min(error.retry_after, self.max_retry_after)
        return self.random() * min(self.cap, self.base * 2 ** (attempt - 1))

    def run(self, call, describe, retry_on=lambda error: error.retryable):
        """``call()`` until it succeeds, a non-retryable error, or the last attempt."""
        for attempt in range(1, self.attempts + 1):
            try:
                return call()
            except Exception as error:  # noqa: BLE001 - filtered just below
                if not getattr(error, "retryable", False) or not retry_on(error) or attempt == self.attempts:
                    raise
                if isinstance(error, RateLimited) and (error.retry_after or 0) > self.max_retry_after:
                    raise
                delay = self.wait_before(attempt, error)
                logger.warning("%s: %s; trying again in %.1f s (%d/%d)", describe, error, delay, attempt + 1,
                               self.attempts)
                self.sleep(delay)
