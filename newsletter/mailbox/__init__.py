"""The list's mailbox, read over IMAP: unsubscribe requests, bounces and complaints.

The SMTP backend's letters name a mailto for unsubscribing (List-Unsubscribe)
and a From address that bounces and complaints come back to. This package
reads those messages and puts the readers they concern on the suppression list
(``newsletter.delivery.suppression``), so no later send reaches them:

- ``config``: ``NEWSLETTER['mailbox']`` (server, folders, soft-bounce threshold),
  credentials from the environment;
- ``classify``: what one message is (an unsubscribe request, an RFC 3464
  delivery status notification, an RFC 5965 abuse report, something else);
- ``imap``: the IMAP connection, over TLS only;
- ``state``: what survives between runs outside the repository (soft-bounce
  counts by keyed hash, messages acted on but not yet moved);
- ``processing``: one run over the folders, each handled message moved to the
  handled folder, so a second run finds nothing to do.
"""
