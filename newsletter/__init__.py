"""The newsletter engine, usable without a Pelican build.

An issue (model.Issue) becomes an email: its body is cut into MJML blocks
(blocks.py) with absolute links (links.py), the Jinja2 MJML template of the
theme is rendered and checked (mjml_check.py), mjml-python compiles it to
HTML, text.py writes the plain-text part from the same content, message.py
makes the MIME message, checks.py verifies what mail clients need.
The Pelican side is plugins/newsletter_issues.
"""
