"""Packaging: the repository's folders become one import package, `newsdesk`.

pyproject.toml maps rag/ (the public API) to `newsdesk`, index/ to `newsdesk.index` and evals/ to
`newsdesk.evals`. The composition root, app.py and cli.py beside those folders, lies in no
folder, so this adds it to the package as `newsdesk.app` and `newsdesk.cli`. Wheels and strict
editable installs (the Makefile's) both take their files from here.
"""

from setuptools import setup
from setuptools.command.build_py import build_py

TOP = ("app", "cli")


class BuildPy(build_py):
    def find_package_modules(self, package, package_dir):
        modules = super().find_package_modules(package, package_dir)
        if package == "newsdesk":
            modules += [("newsdesk", name, f"{name}.py") for name in TOP]
        return modules


setup(cmdclass={"build_py": BuildPy})
