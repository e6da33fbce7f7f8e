"""Loopback stand-ins for the mailing providers' HTTP APIs, for the delivery tests.

Each fake implements only the endpoints our backend calls, checks every
request against the fields the provider documents (derived from its
official API description) and answers 400/422 the way the provider does
when they do not match. Faults (429, 5xx, a hang, a connection reset after
the work was done) are queued per route by the test.
"""
