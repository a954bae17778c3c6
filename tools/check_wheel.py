"""The addon's wheel, as OCA publishes addons: ``check_wheel.py WHEEL SOURCE``.

Checks that WHEEL (built by whool from the addon's files in SOURCE) is named and
described after the addon and its manifest's version, and that it holds, under
``odoo/addons/<addon>/``, every file that the manifest loads (data, demo, assets),
every Python file, the translations (``i18n/``) and the static files
(``static/``). Prints one line, "wheel check: ...", or exits non-zero naming what
is wrong."""

import ast
import sys
import zipfile
from email.parser import HeaderParser
from pathlib import Path

MODULE = "product_category_valuation"


def wanted_files(source):
    """The files of ``source`` that the wheel must hold, relative to it."""
    manifest = ast.literal_eval((source / "__manifest__.py").read_text())
    wanted = {"__manifest__.py", *manifest.get("data", []), *manifest.get("demo", [])}
    for bundle, paths in manifest.get("assets", {}).items():
        for path in paths:
            pattern = path.removeprefix(f"{MODULE}/")
            matches = [p for p in source.glob(pattern) if p.is_file()]
            if not matches:
                sys.exit(
                    f"wheel check: {bundle} asks for {path}, which matches no file"
                )
            wanted.update(str(p.relative_to(source)) for p in matches)
    for pattern in ("**/*.py", "i18n/*", "static/**/*"):
        wanted.update(
            str(p.relative_to(source)) for p in source.glob(pattern) if p.is_file()
        )
    return wanted


def main(wheel, source):
    wheel, source = Path(wheel), Path(source)
    manifest = ast.literal_eval((source / "__manifest__.py").read_text())
    version = manifest["version"]
    expected_name = f"odoo_addon_{MODULE}-{version}"
    if not wheel.name.startswith(expected_name) or not wheel.name.endswith(
        "-py3-none-any.whl"
    ):
        sys.exit(f"wheel check: {wheel.name} is not {expected_name}…-py3-none-any.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        (metadata_name,) = (n for n in names if n.endswith(".dist-info/METADATA"))
        metadata = HeaderParser().parsestr(archive.read(metadata_name).decode())
    if metadata["Name"] != f"odoo-addon-{MODULE}":
        sys.exit(f"wheel check: the package is named {metadata['Name']}")
    if not metadata["Version"].startswith(version):
        sys.exit(f"wheel check: version {metadata['Version']}, manifest {version}")
    requires = metadata.get_all("Requires-Dist") or []
    if "odoo==18.0.*" not in [req.replace(" ", "") for req in requires]:
        sys.exit(f"wheel check: it does not require Odoo 18.0 ({requires})")
    prefix = f"odoo/addons/{MODULE}/"
    held = {name.removeprefix(prefix) for name in names if name.startswith(prefix)}
    missing = sorted(wanted_files(source) - held)
    if missing:
        sys.exit(f"wheel check: {wheel.name} lacks {', '.join(missing)}")
    for folder in ("i18n/", "static/"):
        if not any(name.startswith(folder) for name in held):
            sys.exit(f"wheel check: {wheel.name} holds no {folder}")
    print(
        f"wheel check: {wheel.name} ({metadata['Name']} {metadata['Version']}) holds "
        f"the {len(held)} files of the addon, every file its manifest loads included"
    )


if __name__ == "__main__":
    main(*sys.argv[1:])
