"""python-site.py PREFIX — where `cmake --install` puts the Python package for this interpreter,
relative to the install prefix (so `cmake --install --prefix` moves it along).

Debian's python3 looks in /usr/local/lib/python3.X/dist-packages (its `posix_local` scheme,
which adds the /local itself) for packages installed under the prefix /usr/local; any other
prefix gets the interpreter's usual layout under it (PYTHONPATH must then name it).
"""
import os
import sys
import sysconfig

prefix = sys.argv[1].rstrip("/") or "/"
schemes = sysconfig.get_scheme_names()
if prefix == "/usr/local" and "posix_local" in schemes:
    path = sysconfig.get_path("platlib", "posix_local", vars={"base": "/usr", "platbase": "/usr"})
else:
    path = sysconfig.get_path("platlib", "posix_prefix", vars={"base": prefix, "platbase": prefix})
print(os.path.relpath(path, prefix))
