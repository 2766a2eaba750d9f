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


class HccGroup(click.Group):
    """A click group that turns HccError into a one-line message and an exit code."""

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
@click.version_option(__version__, prog_name="hcc")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors (for reporting bugs).")
@click.pass_context
def main(ctx, debug):
    """hcc compiles a trained neural network (ONNX) to plain C for microcontrollers.

    \b
    Typical use:
      hcc ir model.onnx                 # print the model as hcc IR
      hcc plan model.onnx --sram 520k   # does it fit? (exit 3 if not)
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
