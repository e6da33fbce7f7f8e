"""How each issue did, per language, as the mailing provider counted it (`invoke newsletter-stats`).

The campaigns come from the delivery ledger; each provider's numbers are read
through the delivery backend's own client (its retries, errors and secrets
blanked), one module per provider (buttondown.py, listmonk.py, brevo.py), into
one model (model.py). Numbers are kept in a cache file with the time they were
read (cache.py); output.py draws the terminal table and the CSV, chart.py the
rates per issue as PNG and SVG. The project counts nothing itself: the
"yes"/"no" answers are the provider's clicks on the two feedback links.
"""
