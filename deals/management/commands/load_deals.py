"""`manage.py load_deals PATH`: the API's upload, from a file or standard input, with progress."""

import os
import sys
from contextlib import ExitStack

from django.core.management.base import BaseCommand, CommandError
from tqdm.contrib.logging import logging_redirect_tqdm

from deals import messages
from deals.errors import Failure, UploadError, as_failure
from deals.management.interruption import interruptible
from deals.management.progress import BarProgress, LineProgress
from deals.uploads.services import upload_record

# The one mapping from a kind of failure to the exit status; any other failure exits with 1.
EXIT_STATUS = {Failure.STOPPED: 130}  # 128 + SIGINT, as a shell reports Ctrl-C


def command_error(error: UploadError) -> CommandError:
    """The API's Desc, then (for a file with bad lines) the API's `errors`, one per line."""
    text = error.desc
    if error.problems is not None and len(error.problems.listed) > 1:
        text += "\n" + "\n".join(f"  {problem.message}" for problem in error.problems.listed)
    return CommandError(text, returncode=EXIT_STATUS.get(error.kind, 1))


class Command(BaseCommand):
    help = (
        "Load a deals.csv (PATH, or - for standard input) as the new dataset, exactly as POST /api/deals/ "
        "does: same formats, same errors (every bad line), same atomic swap, recorded in the upload history; "
        "--check only checks it."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="The CSV file, or - to read standard input.")
        parser.add_argument(
            "--encoding",
            help="The file's encoding (e.g. windows-1251, utf-16), when detection gets it wrong.",
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Read and check the whole file exactly as a load would, with the same errors; publish nothing.",
        )
        parser.add_argument(
            "--no-progress",
            action="store_true",
            help="No progress bar or progress lines (a summary line is still printed at verbosity 1).",
        )

    def handle(self, *args, path: str, check: bool, no_progress: bool, verbosity: int, encoding: str | None, **options):
        with ExitStack() as stack:
            file, name, size = self._open(path, stack)
            listener = self._progress(name, size, stack) if verbosity >= 1 and not no_progress else None
            file = stack.enter_context(interruptible(file))
            try:
                outcome = upload_record(
                    file=file, name=name, size=size, charset=encoding, listener=listener, check_only=check
                )
            except KeyboardInterrupt:
                raise command_error(UploadError(messages.INTERRUPTED, Failure.STOPPED)) from None
            except Exception as exc:
                error = as_failure(exc)
                if error.kind is Failure.INTERNAL:
                    raise  # a bug: the traceback is what a developer needs
                raise command_error(error) from None
        if verbosity >= 1 and outcome.checked:
            self.stdout.write(
                f"checked {outcome.rows:,} deals ({outcome.bytes_read:,} bytes) from {name}: no problem found, "
                f"nothing loaded: upload {outcome.upload_id}"
            )
        elif verbosity >= 1:
            self.stdout.write(
                f"loaded {outcome.rows:,} deals ({outcome.bytes_read:,} bytes) from {name}: "
                f"upload {outcome.upload_id}, load {outcome.load_id}"
            )

    def _open(self, path: str, stack: ExitStack):
        if path == "-":
            return sys.stdin.buffer, "-", None
        try:
            file = stack.enter_context(open(path, "rb"))  # noqa: SIM115 (closed by the stack)
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        size = os.fstat(file.fileno()).st_size
        return file, os.path.basename(path), size if os.path.isfile(path) else None

    def _progress(self, name: str, size: int | None, stack: ExitStack):
        """The display, started; what upload_record should tell of the upload's progress."""
        if sys.stderr.isatty():
            progress = BarProgress(total=size, name=name, stream=sys.stderr)
            stack.enter_context(logging_redirect_tqdm())  # log lines print above the bar, not through it
        else:
            progress = LineProgress(total=size, write=self.stdout.write)
        stack.callback(progress.close)
        return progress.update
