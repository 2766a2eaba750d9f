"""setuptools build of hcc; the metadata is in pyproject.toml.

One step is added to `build_py`: the top-level data folders (templates/, runtime_c/ minus
its C test drivers, bench/) are copied into the wheel as hcc/_data/, with the git commit
the wheel was built from. hcc reads them through importlib.resources (hcc/resources.py);
the repository keeps them at the top level, where the design card puts them.
"""

import json
import shutil
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
# (folder, names left out of the wheel): the runtime's C test drivers are for the test suite.
DATA = (("templates", ()), ("runtime_c", ("tests",)), ("bench", ()))


def git_revision() -> str:
    sys.path.insert(0, str(HERE))  # hcc.resources reads git the same way at run time in a checkout
    from hcc.resources import git_revision as revision

    return revision()


class build_py_with_data(build_py):
    def run(self):
        if not getattr(self, "editable_mode", False):
            # build_py copies changed files but never deletes: start clean so a file removed
            # from the sources cannot linger in the next wheel.
            shutil.rmtree(Path(self.build_lib) / "hcc", ignore_errors=True)
        super().run()
        if getattr(self, "editable_mode", False):
            return  # an editable install reads the top-level folders of the checkout
        target = Path(self.build_lib) / "hcc" / "_data"
        for folder, left_out in DATA:
            shutil.copytree(HERE / folder, target / folder,
                            ignore=shutil.ignore_patterns("__pycache__", "*.o", *left_out))
        (target / "build-info.json").write_text(json.dumps({"git": git_revision()}) + "\n")


# build/ is where `make demo` writes its model; setuptools' scratch goes under .tmp/.
setup(cmdclass={"build_py": build_py_with_data}, options={"build": {"build_base": ".tmp/setuptools-build"}})
