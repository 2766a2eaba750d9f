"""The `hcc` command line. Thin: parse arguments, call the library, format the result.

Each subcommand lives in hcc/commands/<name>.py and is registered below. User errors
(HccError) become one line `error: ...` on stderr and the error's exit code; with
`--debug` the traceback is shown instead. Any other exception reaching here is a bug in
hcc: it becomes `error: internal error: <type>: <message> (rerun with --debug and report
it)` and exit code 70 (EX_SOFTWARE), never a bare traceback. See docs/errors.md.
"""

import sys

import click

from hcc import __version__
from hcc.errors import INTERNAL_ERROR_EXIT, HccError, internal_error_message


# click >= 8.2 raises this (a UsageError, exit 2) to print the help of a bare group.
NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


def usage_error_line(err: click.ClickException) -> str:
    """click's usage error (four lines: Usage, Try, blank, Error) as the one line hcc promises."""
    text = " ".join(err.format_message().split())
    text = text[:1].lower() + text[1:]
    ctx = getattr(err, "ctx", None)
    if isinstance(err, click.UsageError) and ctx is not None:
        text = f"{text.rstrip('.')} (see '{ctx.command_path} --help')"
    return text


class HccGroup(click.Group):
    """A click group that turns HccError into a one-line message and an exit code."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        """click's own errors (unknown option, bad value, missing argument) as one line
        `error: ...` and exit 2, like every other user error (docs/errors.md)."""
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode, **extra)
        try:
            result = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except NO_ARGS_IS_HELP as err:  # bare `hcc` / `hcc COMMAND`: the help text itself
            err.show()
            sys.exit(err.exit_code)
        except click.ClickException as err:
            click.echo(f"error: {usage_error_line(err)}", err=True)
            sys.exit(err.exit_code)
        except click.exceptions.Abort:
            click.echo("error: interrupted", err=True)
            sys.exit(130)
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx):
        try:
            return super().invoke(ctx)
        except HccError as err:
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"error: {err}", err=True)
            sys.exit(err.exit_code)
        except KeyboardInterrupt:
            click.echo("error: interrupted", err=True)
            sys.exit(130)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.exceptions.Abort, SystemExit):
            raise  # click's own usage errors (exit 2) and normal exits
        except Exception as err:  # noqa: BLE001 - anything else is a bug in hcc; say so in one line
            if ctx.obj and ctx.obj.get("debug"):
                raise
            click.echo(f"error: {internal_error_message(err)}", err=True)
            sys.exit(INTERNAL_ERROR_EXIT)


def _print_version(ctx, param, value):
    if not value or ctx.resilient_parsing:
        return
    from hcc.resources import git_revision

    click.echo(f"hcc {__version__} (git {git_revision()})")
    ctx.exit()


EPILOG = """\b
Exit codes:
  0  success
  2  user error (bad file, unsupported op, bad argument, bad data)
  3  the memory plan does not fit the budget
  4  verification mismatch (C output differs from the int8 reference)
  5  toolchain, device or flash error
  70 internal error (a bug in hcc: rerun with --debug and report it)
  130 interrupted (Ctrl-C)
"""


@click.group(cls=HccGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_print_version,
              help="Print hcc's version and the git commit it was built from, and exit.")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors (for reporting bugs).")
@click.pass_context
def main(ctx, debug):
    """hcc compiles a trained neural network (ONNX) to plain C for microcontrollers.

    \b
    Typical use:
      hcc ir model.onnx                 # print the model as hcc IR
      hcc plan model.onnx --sram 100k   # does it fit? (exit 3 if not)
      hcc compile model.onnx -o build/  # int8 C sources + runtime + CMake
    """
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _register_commands():
    from hcc.commands import bench, compile, flash, ir, plan, verify

    for command in (ir.ir_command, plan.plan_command, compile.compile_command, verify.verify_command, flash.flash_command, bench.bench_command):
        main.add_command(command)


_register_commands()

if __name__ == "__main__":
    main()
