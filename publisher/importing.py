"""Move a blog or a newsletter in from another platform: `invoke import FORMAT SOURCE`.

    python -m publisher.importing FORMAT SOURCE [--lang fr|en] [--media DIR] [--fetch-media]
                                  [--write] [--force] [--report FILE]
                                  [--subscribers csv:PATH|provider] [--settings pelicanconf.py]

FORMAT: wordpress, typepad (or movabletype), linkedin, substack, revue, buttondown.
A dry run by default: it reads the export and prints what it would create,
convert, skip and why, and writes nothing; --write does it. The content goes
into a staging folder first and is moved into content/ only when all of it is
ready (see importers/writer.py); a second import of the same export changes
nothing, and a file edited since the import is kept unless --force.

Output: the files a dry run would write, the counts per kind, then each thing
not converted (its id or address and why) as the last lines; --report FILE
writes the same as JSON.

Exit status: 0 done; 2 bad input (an export that is not the format named, a
missing media folder, an unknown format), the settings or an unexpected error,
nothing written; 5 the mailing provider failed while adding subscribers (what
was done is recorded: run again).
"""

import argparse
import logging
import sys
from pathlib import Path

from importers.model import ImporterError, ReadOptions
from importers.sources import formats, read_export, reader_for
from importers.writer import Site, WriteOptions, import_export

from .build import EXIT_FAILURE, configure_logging

logger = logging.getLogger(__name__)

EXIT_PROVIDER = 5  # as publisher.deliver: the provider failed, its state is recorded


def run(args):
    """Read, plan or write, and print; return the exit status."""
    reader_for(args.format)  # an unknown format is said before anything else is looked at
    if not Path(args.settings).is_file():
        raise ImporterError(f"{args.settings}: settings file not found (--settings)")
    site = Site.from_settings(args.settings)
    lang = args.lang or site.languages[0]
    if lang not in site.languages:
        raise ImporterError(f"--lang {lang}: not a language of the site ({', '.join(site.languages)})")
    media = Path(args.media) if args.media else None
    if media is not None and not media.is_dir():
        raise ImporterError(f"{media}: media folder not found")
    source = Path(args.source)
    if not source.exists():
        raise ImporterError(f"{source}: no such file or folder")
    options = ReadOptions(lang=lang, media=media, fetch_media=args.fetch_media, site_timezone=site.timezone)
    export = read_export(args.format, source, options)
    uncategorised = [item for item in export.items if item.kind == "post" and not item.category]
    for item in uncategorised:
        item.category = args.category
    report = import_export(export, site, WriteOptions(media, args.fetch_media, args.force, not args.write),
                           subscribers=args.subscribers)
    if uncategorised and not args.category:
        report.note(f"{len(uncategorised)} post(s) have no category: the build files them under "
                    f"'{site.settings.get('DEFAULT_CATEGORY', 'misc')}'; give --category KEY (a category of content/data/taxonomy.toml)")
    if not args.write:
        for line in report.plan_lines():
            print(line)
    for line in report.lines():
        print(line)
    if args.report:
        report.write_json(args.report)
    return EXIT_PROVIDER if report.provider_failed else 0


def main(argv=None):
    args = _parser().parse_args(argv)
    configure_logging(args.debug)
    try:
        return run(args)
    except ImporterError as error:
        print(f"Not imported: {error}", file=sys.stderr)
        return EXIT_FAILURE
    except Exception as error:  # noqa: BLE001 - one line, as every command reports it
        logger.debug("the traceback of the failure below", exc_info=True)
        if _is_delivery_error(error):
            print(f"Subscribers stopped: {error}. What was done is recorded; run the import again once the "
                  "cause is fixed: nobody is added twice.", file=sys.stderr)
            return EXIT_PROVIDER
        where = f"{error.filename}: " if getattr(error, "filename", None) else ""
        print(f"Not imported: {where}{error} ({type(error).__name__}; run with --debug for the traceback)",
              file=sys.stderr)
        return EXIT_FAILURE


def _is_delivery_error(error):
    from newsletter.delivery.errors import ConfigurationError, DeliveryError

    return isinstance(error, DeliveryError) and not isinstance(error, ConfigurationError)


def _parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("format", help=f"the export's format: {', '.join(formats())}")
    parser.add_argument("source", help="the export: a file, a folder or a zip, as the platform gave it")
    parser.add_argument("--lang", help="the language of what the export does not mark (the site's first)")
    parser.add_argument("--media", help="a folder holding the export's media (e.g. WordPress's uploads/)")
    parser.add_argument("--fetch-media", action="store_true",
                        help="download the media the folder lacks from their addresses (never by default)")
    parser.add_argument("--write", action="store_true", help="write into content/ (default: a dry run)")
    parser.add_argument("--force", action="store_true", help="replace the files edited since the last import")
    parser.add_argument("--category", help="the category (its key in content/data/taxonomy.toml) of the posts "
                                           "the export gives none, such as LinkedIn articles")
    parser.add_argument("--report", help="also write the report as JSON into this file")
    parser.add_argument("--subscribers", help="csv:PATH (a CSV for the SMTP backend) or provider "
                                              "(NEWSLETTER['delivery']'s); without it no subscriber is imported")
    parser.add_argument("--settings", default="pelicanconf.py")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    return parser


if __name__ == "__main__":
    sys.exit(main())
