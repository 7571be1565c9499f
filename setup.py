"""Packaging that pyproject.toml cannot say alone: grammar/ (at the top of the
repository) ships inside the wheel as the package `regolite.grammar`."""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["regolite", "regolite.*"]) + ["regolite.grammar"],
    package_dir={"regolite.grammar": "grammar"},
    package_data={"regolite.grammar": ["*.lark"]},
    include_package_data=False,
)
