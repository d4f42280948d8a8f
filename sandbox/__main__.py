"""``python -m sandbox <channel> [options]``: run one channel stand-in."""

from __future__ import annotations

import argparse
import logging
import sys

from sandbox import available_channels


def build_parser() -> argparse.ArgumentParser:
    """The command line, one sub-command per importable channel."""
    parser = argparse.ArgumentParser(
        prog="python -m sandbox",
        description="Local stand-ins for Retail Connector's sales channels.",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="log more (-vv: requests)"
    )
    commands = parser.add_subparsers(dest="channel", metavar="<channel>", required=True)
    for name, module in available_channels().items():
        doc = (module.__doc__ or name).strip()
        summary = doc.splitlines()[0]
        command = commands.add_parser(
            name, help=summary, description=doc.split("\n\n")[0]
        )
        module.add_arguments(command)
        command.set_defaults(run=module.run)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the chosen channel; returns the exit status."""
    args = build_parser().parse_args(argv)
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)]
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    return args.run(args) or 0


if __name__ == "__main__":
    sys.exit(main())
